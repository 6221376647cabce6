package io.dbtransfer;

import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TestDurations;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The job's metrics, scraped from a real Prometheus reporter endpoint of the cluster. */
@ExtendWith(SharedMiniCluster.class)
class MetricsITCase {

    private static final Pattern LINE = Pattern.compile("^(\\w+)\\{([^}]*)\\} (\\S+)$");

    @Test
    void progressRatesLagCommitLatencyAndDeadLettersAreScraped() throws Exception {
        MigrationFixture f =
                new MigrationFixture("metrics")
                        .collections("items:\n  columns:\n    qty: INT\n    name: VARCHAR(50)\n");
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            // Every 50th quantity is not a number: a dead letter (kept in _extra).
            Object qty = i % 50 == 7 ? "many" : i;
            docs.add(new Document("_id", i).append("qty", qty).append("name", "n" + i));
        }
        coll.insertMany(docs);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        JobClient job = f.start(env);
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            for (int i = 10; i < 40; i++) { // none of them a dead letter
                coll.updateOne(Filters.eq("_id", i), Updates.set("name", "changed " + i));
            }
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            String[] body = new String[1];
            Eventually.waitUntil(
                    TestDurations.SHORT,
                    "the reporter to show all 30 change events and their rate",
                    () -> {
                        body[0] = scrape();
                        return sum(body[0], "dbtransfer_changeEvents", "") == 30
                                && sum(body[0], "changeEventsPerSecond", "") > 0;
                    });
            String m = body[0];
            assertThat(sum(m, "snapshotDocumentsRead", "collection=\"items\""))
                    .as(m)
                    .isEqualTo(400);
            assertThat(sum(m, "snapshotEstimatedTotal", "collection=\"items\"")).isEqualTo(400);
            assertThat(sum(m, "dbtransfer_deadLetters", "")).isEqualTo(8);
            assertThat(values(m, "changeEventsPerSecond")).hasSize(2).allMatch(v -> v >= 0);
            assertThat(sum(m, "changeEventsPerSecond", "")).isPositive();
            // Lag of the last change: the change happened seconds ago at most (cluster time has
            // second resolution).
            assertThat(values(m, "changeLagMs")).isNotEmpty().allMatch(v -> v >= 0 && v < 60_000);
            assertThat(values(m, "changeLagMs")).anyMatch(v -> v > 0);
            assertThat(values(m, "lastCommitLatencyMs"))
                    .isNotEmpty()
                    .allMatch(v -> v >= 0 && v < 60_000)
                    .anyMatch(v -> v > 0);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * The Prometheus-style metrics of a running job: every metric name the Grafana dashboard and
     * the alert rules in {@code k8s/} use is reported, and the new per-collection ones hold the
     * values they promise (streaming phase, a finished snapshot, lag and resume point age in
     * seconds, dead letters and open mismatches as counters).
     */
    @Test
    void everyNameTheDashboardAndAlertRulesUseIsReportedByARunningJob() throws Exception {
        Set<String> used = new TreeSet<>();
        for (String file : List.of("k8s/grafana-dashboard.json", "k8s/prometheus-rules.yaml")) {
            Matcher m = METRIC_NAME.matcher(Files.readString(Path.of(file)));
            while (m.find()) {
                used.add(m.group());
            }
        }
        assertThat(used).as("names in the dashboard and alert rules").hasSizeGreaterThan(10);

        MigrationFixture f =
                new MigrationFixture("promnames").collections("items:\n  columns:\n    qty: INT\n");
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            docs.add(new Document("_id", i).append("qty", i % 25 == 3 ? "many" : i));
        }
        coll.insertMany(docs);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        JobClient job = f.start(env);
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            coll.updateOne(Filters.eq("_id", 10), Updates.set("qty", 1000));
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            String[] body = new String[1];
            try {
                Eventually.waitUntil(
                        TestDurations.MEDIUM,
                        "every name of the dashboard and the alert rules, a streaming phase and a"
                                + " resume point age",
                        () -> {
                            body[0] = scrape();
                            return names(body[0]).containsAll(used)
                                    && max(body[0], "dbtransfer_collection_phase") == 2
                                    && finite(body[0], "collection_resume_point_age_seconds")
                                    && sum(body[0], "dbtransfer_change_events_total", "") == 1;
                        });
            } finally {
                Set<String> missing = new TreeSet<>(used);
                missing.removeAll(names(body[0] == null ? "" : body[0]));
                assertThat(missing).as("names used but not reported").isEmpty();
            }
            String m = body[0];
            String items = "collection=\"items\"";
            assertThat(sum(m, "dbtransfer_collection_snapshot_progress_ratio", items))
                    .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(sum(m, "dbtransfer_collection_snapshot_documents_read_total", items))
                    .isEqualTo(100);
            assertThat(sum(m, "dbtransfer_collection_dead_letters_total", items)).isEqualTo(4);
            assertThat(sum(m, "dbtransfer_dead_letters_total", "")).isEqualTo(4);
            assertThat(sum(m, "dbtransfer_deadLetters", "")).as("old name").isEqualTo(4);
            assertThat(sum(m, "dbtransfer_mismatches_open_total", "")).isZero();
            assertThat(sum(m, "dbtransfer_sink_rows_written_total", "")).isPositive();
            assertThat(values(m, "dbtransfer_collection_change_lag_seconds", items))
                    .anyMatch(v -> v >= 0 && v < 60);
            assertThat(values(m, "dbtransfer_collection_resume_point_age_seconds", items))
                    .filteredOn(v -> !v.isNaN())
                    .isNotEmpty()
                    .allMatch(v -> v >= 0 && v < 60);
            assertThat(values(m, "dbtransfer_collection_oplog_window_seconds", items))
                    .as("reported by subtask 0 of the collection's source")
                    .hasSize(1);
            // Names follow Prometheus' conventions: snake_case below the dbtransfer group.
            for (String name : names(m)) {
                int at = name.indexOf("_dbtransfer_");
                if (at >= 0 && !OLD_NAMES.matcher(name).find()) {
                    assertThat(name.substring(at)).as(name).matches("[a-z0-9_]+");
                }
            }
        } finally {
            job.cancel().get();
        }
    }

    /** Metric names in PromQL or a scrape: the reporter's prefix and what follows. */
    private static final Pattern METRIC_NAME = Pattern.compile("\\bflink_[A-Za-z0-9_]+");

    /** The previous release's camelCase names, kept for one more release. */
    private static final Pattern OLD_NAMES = Pattern.compile("[a-z][A-Z]");

    /** Every series name of a scrape. */
    private static Set<String> names(String body) {
        Set<String> out = new TreeSet<>();
        for (String line : body.split("\n")) {
            Matcher m = Pattern.compile("^(flink_[A-Za-z0-9_]+)[{ ]").matcher(line);
            if (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    private static double max(String body, String suffix) {
        return values(body, suffix).stream()
                .filter(v -> !v.isNaN())
                .mapToDouble(Double::doubleValue)
                .max()
                .orElse(Double.NaN);
    }

    private static boolean finite(String body, String suffix) {
        return values(body, suffix).stream().anyMatch(v -> !v.isNaN() && !v.isInfinite());
    }

    private static String scrape() throws Exception {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create(
                                                        "http://localhost:"
                                                                + SharedMiniCluster.PROMETHEUS_PORT
                                                                + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /**
     * Values of every series whose name ends with {@code suffix} and whose labels hold {@code
     * label}.
     */
    private static List<Double> values(String body, String suffix, String label) {
        List<Double> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches() && m.group(1).endsWith(suffix) && m.group(2).contains(label)) {
                out.add(Double.parseDouble(m.group(3)));
            }
        }
        return out;
    }

    private static List<Double> values(String body, String suffix) {
        return values(body, suffix, "");
    }

    private static double sum(String body, String suffix, String label) {
        return values(body, suffix, label).stream().mapToDouble(Double::doubleValue).sum();
    }
}
