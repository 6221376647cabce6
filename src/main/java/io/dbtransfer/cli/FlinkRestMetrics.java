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

    private static final Pattern ESTIMATED =
            Pattern.compile("(?:^|\\.)collection\\.(.+)\\.snapshotEstimatedTotal$");
    private static final Pattern READ =
            Pattern.compile("(?:^|\\.)collection\\.(.+)\\.snapshotDocumentsRead$");

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
        Map<String, Long> read = new LinkedHashMap<>();
        Map<String, Long> estimated = new LinkedHashMap<>();
        long changeEvents = 0;
        Long lag = null;
        long mismatches = 0;
        long repairs = 0;
        long deadLetters = 0;
        double recordsPerSecond = 0;
        for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
            String path = "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText();
            List<String> wanted = new ArrayList<>();
            for (JsonNode m : get(path + "/subtasks/metrics")) {
                String id = m.path("id").asText();
                if (ESTIMATED.matcher(id).find()
                        || READ.matcher(id).find()
                        || id.endsWith("dbtransfer.changeEvents")
                        || id.endsWith("dbtransfer.changeLagMs")
                        || id.endsWith("dbtransfer.reconcileMismatches")
                        || id.endsWith("dbtransfer.reconcileRepairs")
                        || id.endsWith("dbtransfer.deadLetters")
                        || id.endsWith("dbtransfer.recordsPerSecond")) {
                    wanted.add(id);
                }
            }
            if (wanted.isEmpty()) {
                continue;
            }
            String query = URLEncoder.encode(String.join(",", wanted), StandardCharsets.UTF_8);
            for (JsonNode m : get(path + "/subtasks/metrics?get=" + query)) {
                String id = m.path("id").asText();
                long sum = Math.round(m.path("sum").asDouble());
                Matcher e = ESTIMATED.matcher(id);
                Matcher r = READ.matcher(id);
                if (e.find()) {
                    estimated.merge(e.group(1), sum, Long::sum);
                } else if (r.find()) {
                    read.merge(r.group(1), sum, Long::sum);
                } else if (id.endsWith("changeEvents")) {
                    changeEvents += sum;
                } else if (id.endsWith("changeLagMs")) {
                    long max = Math.round(m.path("max").asDouble());
                    lag = lag == null ? max : Math.max(lag, max);
                } else if (id.endsWith("reconcileMismatches")) {
                    mismatches += sum;
                } else if (id.endsWith("reconcileRepairs")) {
                    repairs += sum;
                } else if (id.endsWith("deadLetters")) {
                    deadLetters += sum;
                } else if (id.endsWith("recordsPerSecond")) {
                    recordsPerSecond += m.path("sum").asDouble();
                }
            }
        }
        return new ProgressFigures.Reading(
                System.currentTimeMillis(),
                read,
                estimated,
                changeEvents,
                lag,
                mismatches,
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
