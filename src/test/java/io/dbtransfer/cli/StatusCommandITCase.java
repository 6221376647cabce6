package io.dbtransfer.cli;

import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.FlinkStandaloneCluster;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.TestDurations;
import io.dbtransfer.workload.ReviewDocuments;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/dbtransfer status --rest}: the figures of a job on the standalone cluster of {@code
 * FlinkRunITCase} (the shaded job jar submitted with {@code flink run}), read from Flink's REST
 * metrics; an unreachable address or an unknown job is exit 2 with a message saying so.
 */
class StatusCommandITCase {

    static final Path JOB_JAR = Path.of("target/dbtransfer-0.1.0-SNAPSHOT-job.jar");

    /** Exit code and output of one {@code bin/dbtransfer} run in this JVM. */
    record Run(int exit, String out, String err) {}

    static Run exec(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit =
                Main.exec(
                        args,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(
                exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void statusShowsTheSnapshotPercentageOfAJobOnTheCluster(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        assertThat(JOB_JAR).as("the shaded job jar (built by package)").isRegularFile();
        MigrationFixture f =
                new MigrationFixture("status")
                        .collections(ReviewDocuments.mappingYaml("reviews"))
                        .set("source.batch-size", "100");
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        List<Document> docs = new ReviewDocuments(5).next(800);
        coll.insertMany(new ArrayList<>(docs));
        Path jobFile = f.writeJobFile(dir.resolve("job.yaml"));

        try (FlinkStandaloneCluster cluster =
                new FlinkStandaloneCluster(dir.resolve("cluster"), Map.of()).start()) {
            String rest = "http://localhost:" + cluster.restPort;
            String job =
                    cluster.submit(
                            Map.of(),
                            "-p",
                            "1",
                            JOB_JAR.toString(),
                            "--config",
                            jobFile.toString());
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            coll.updateOne(
                    Filters.eq("_id", docs.get(1).getString("_id")), Updates.set("headline", "x"));
            f.awaitConsistent(MigrationFixture.TIMEOUT);

            // The JobManager refreshes the metrics it serves every 10 s
            // (metrics.fetcher.update-interval), so the complete snapshot shows within ~10 s.
            Run[] last = new Run[1];
            Eventually.waitUntil(
                    TestDurations.MEDIUM,
                    "status to show the whole snapshot and the streamed change",
                    () -> {
                        last[0] = exec("status", "--rest", rest);
                        return last[0].out().contains("reviews 100%")
                                && last[0].out().contains("changes 1 ");
                    });
            Run found = last[0];
            assertThat(found.exit()).as(found.err()).isZero();
            assertThat(found.out())
                    .contains("Job " + job)
                    .contains("RUNNING")
                    .contains("snapshot reviews 100% (800 read)")
                    .contains("docs/s")
                    .contains("change lag ")
                    .contains("mismatches 0")
                    .contains("dead letters 0");

            Run byId = exec("status", "--rest=" + rest, "--job", job);
            assertThat(byId.exit()).as(byId.err()).isZero();
            assertThat(byId.out()).contains("snapshot reviews 100%");

            String unknown = "0123456789abcdef0123456789abcdef";
            Run noSuchJob = exec("status", "--rest", rest, "--job", unknown);
            assertThat(noSuchJob.exit()).isEqualTo(2);
            assertThat(noSuchJob.err()).contains("no job " + unknown).contains(job + " RUNNING");

            cluster.cli(Map.of(), "cancel", job);
            Eventually.waitUntil(
                    TestDurations.SHORT,
                    "the cancelled job to show CANCELED",
                    () -> cluster.rest("/jobs/" + job).contains("\"state\":\"CANCELED\""));
            Run none = exec("status", "--rest", rest);
            assertThat(none.exit()).isEqualTo(2);
            assertThat(none.err()).contains("no running job").contains("give --job ID");
            cluster.assertAlive();
        }
    }

    @Test
    void anUnreachableRestAddressIsExit2WithAClearMessage() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run r = exec("status", "--rest", "http://localhost:" + port);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .contains("cannot reach Flink's REST API at http://localhost:" + port)
                .contains("http://jobmanager:8081");
        assertThat(r.out()).isEmpty();

        Run bad = exec("status", "--rest", "jobmanager:8081");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--rest must be an http:// address");
    }
}
