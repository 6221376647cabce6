package io.dbtransfer;

import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.MigrationFixture;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The job's metrics, scraped from a real Prometheus reporter endpoint of the cluster. */
class MetricsITCase {

    private static final int PROMETHEUS_PORT = freePort();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .setConfiguration(prometheus())
                            .build());

    private static Configuration prometheus() {
        Configuration c = new Configuration();
        c.setString(
                "metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        c.setString("metrics.reporter.prom.port", String.valueOf(PROMETHEUS_PORT));
        return c;
    }

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
                    Duration.ofSeconds(30),
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

    private static String scrape() throws Exception {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create(
                                                        "http://localhost:"
                                                                + PROMETHEUS_PORT
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

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
