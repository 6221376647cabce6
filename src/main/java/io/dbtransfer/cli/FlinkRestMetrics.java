package io.dbtransfer.cli;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the job's progress metrics from Flink's REST API ({@code /jobs}, {@code /jobs/<id>}, {@code
 * /jobs/<id>/vertices/<vid>/subtasks/metrics}), summed over subtasks. The JobManager caches metrics
 * ({@code metrics.fetcher.update-interval}, 10 s by default), so figures lag by that much.
 */
final class FlinkRestMetrics {

    /** The REST API cannot be reached, or answers with an error. */
    static final class Unreachable extends IOException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A job as {@code /jobs/overview} lists it. */
    record Job(String id, String name, String state, long startTime) {}

    /** One metric of a vertex as the REST API aggregates it over the subtasks. */
    record Metric(String id, double sum, double max) {}

    /**
     * A per-collection snapshot metric ({@code <operator>.dbtransfer.collection.<name>.<metric>}):
     * group 1 the collection, group 2 the metric.
     */
    private static final Pattern COLLECTION =
            Pattern.compile(
                    "(?:^|\\.)dbtransfer\\.collection\\.(.+)\\."
                            + "(snapshot_documents_estimated|snapshot_documents_read_total)$");

    /**
     * A job-wide metric ({@code <operator>.dbtransfer.<metric>}), by the Prometheus-style names the
     * job registers (the camelCase names of the previous release are aliases about to go); group 1
     * the metric. {@code recordsPerSecond} is a meter and has no other name.
     */
    private static final Pattern JOB =
            Pattern.compile(
                    "(?:^|\\.)dbtransfer\\.(change_events_total|change_lag_seconds"
                            + "|mismatches_total|mismatches_repaired_total|mismatches_open_total"
                            + "|dead_letters_total|recordsPerSecond)$");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http;

    FlinkRestMetrics(String base) {
        this.base = base.replaceAll("/+$", "");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The REST address, as given. */
    String base() {
        return base;
    }

    /** The cluster's jobs, newest first. */
    List<Job> jobs() throws Unreachable {
        List<Job> out = new ArrayList<>();
        for (JsonNode j : get("/jobs/overview").path("jobs")) {
            out.add(job(j));
        }
        out.sort((a, b) -> Long.compare(b.startTime(), a.startTime()));
        return out;
    }

    /** The job's name and state, or null when the cluster does not know the job. */
    Job job(String id) throws Unreachable {
        if (!id.matches("[0-9a-fA-F]{32}")) {
            return null;
        }
        JsonNode j = getOrNull("/jobs/" + id);
        return j == null ? null : job(j);
    }

    private static Job job(JsonNode j) {
        return new Job(
                j.path("jid").asText(),
                j.path("name").asText(),
                j.path("state").asText(),
                j.path("start-time").asLong());
    }

    /** One reading of the job's progress metrics, taken now. */
    ProgressFigures.Reading read(String jobId) throws Unreachable {
        List<Metric> metrics = new ArrayList<>();
        for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
            String path = "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText();
            List<String> wanted = new ArrayList<>();
            for (JsonNode m : get(path + "/subtasks/metrics")) {
                String id = m.path("id").asText();
                if (wanted(id)) {
                    wanted.add(id);
                }
            }
            if (wanted.isEmpty()) {
                continue;
            }
            String query = URLEncoder.encode(String.join(",", wanted), StandardCharsets.UTF_8);
            for (JsonNode m : get(path + "/subtasks/metrics?get=" + query)) {
                metrics.add(
                        new Metric(
                                m.path("id").asText(),
                                m.path("sum").asDouble(),
                                m.path("max").asDouble()));
            }
        }
        return reading(System.currentTimeMillis(), metrics);
    }

    /** True for a metric the progress figures are made of. */
    static boolean wanted(String id) {
        return COLLECTION.matcher(id).find() || JOB.matcher(id).find();
    }

    /** The figures of the metrics (summed over subtasks and vertices) read at {@code atMillis}. */
    static ProgressFigures.Reading reading(long atMillis, List<Metric> metrics) {
        Map<String, Long> read = new LinkedHashMap<>();
        Map<String, Long> estimated = new LinkedHashMap<>();
        long changeEvents = 0;
        Long lag = null;
        long mismatches = 0;
        long open = 0;
        long repairs = 0;
        long deadLetters = 0;
        double recordsPerSecond = 0;
        for (Metric m : metrics) {
            long sum = Math.round(m.sum());
            Matcher c = COLLECTION.matcher(m.id());
            if (c.find()) {
                (c.group(2).equals("snapshot_documents_estimated") ? estimated : read)
                        .merge(c.group(1), sum, Long::sum);
                continue;
            }
            Matcher j = JOB.matcher(m.id());
            if (!j.find()) {
                continue;
            }
            switch (j.group(1)) {
                case "change_events_total" -> changeEvents += sum;
                case "change_lag_seconds" -> {
                    long max = Math.round(m.max() * 1000);
                    lag = lag == null ? max : Math.max(lag, max);
                }
                case "mismatches_total" -> mismatches += sum;
                case "mismatches_repaired_total" -> repairs += sum;
                case "mismatches_open_total" -> open += sum;
                case "dead_letters_total" -> deadLetters += sum;
                case "recordsPerSecond" -> recordsPerSecond += m.sum();
                default -> {}
            }
        }
        return new ProgressFigures.Reading(
                atMillis,
                read,
                estimated,
                changeEvents,
                lag,
                mismatches,
                open,
                repairs,
                deadLetters,
                recordsPerSecond);
    }

    private JsonNode get(String path) throws Unreachable {
        JsonNode node = getOrNull(path);
        if (node == null) {
            throw new Unreachable(base + path + " answered 404 (no such job or vertex)", null);
        }
        return node;
    }

    private JsonNode getOrNull(String path) throws Unreachable {
        HttpResponse<String> response;
        try {
            response =
                    http.send(
                            HttpRequest.newBuilder(URI.create(base + path))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
        } catch (IllegalArgumentException e) {
            throw new Unreachable("'" + base + "' is not an http:// address: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new Unreachable(
                    "cannot reach Flink's REST API at "
                            + base
                            + " ("
                            + (e.getMessage() == null
                                    ? e.getClass().getSimpleName()
                                    : e.getMessage())
                            + ")",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted while reading " + base + path, e);
        }
        if (response.statusCode() == 404) {
            return null;
        }
        if (response.statusCode() != 200) {
            throw new Unreachable(
                    base
                            + path
                            + " answered HTTP "
                            + response.statusCode()
                            + ": "
                            + response.body(),
                    null);
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new Unreachable(base + path + " did not answer JSON: " + e.getMessage(), e);
        }
    }
}
