package io.dbtransfer;

import io.dbtransfer.testing.FlinkStandaloneCluster;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.workload.ReviewDocuments;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded job jar on a real standalone Flink cluster (JobManager, TaskManager and CLI each in
 * their own JVM, configured by {@code flink-conf/}): {@code flink run -d}, {@code flink stop
 * --savepointPath}, changes while stopped, {@code flink run -s} at a higher parallelism.
 */
class FlinkRunITCase {

    static final Path JOB_JAR = Path.of("target/dbtransfer-0.1.0-SNAPSHOT-job.jar");

    @Test
    void runStopWithSavepointChangeWhileDownResumeRescaled(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        assertThat(JOB_JAR).as("the shaded job jar (built by package)").isRegularFile();
        MigrationFixture f =
                new MigrationFixture("flinkrun")
                        .collections(ReviewDocuments.mappingYaml("reviews"))
                        .set("source.batch-size", "100");
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        ReviewDocuments gen = new ReviewDocuments(7);
        List<Document> docs = gen.next(1200);
        coll.insertMany(new ArrayList<>(docs));
        Path jobFile = f.writeJobFile(dir.resolve("job.yaml"));

        try (FlinkStandaloneCluster cluster =
                new FlinkStandaloneCluster(dir.resolve("cluster"), Map.of()).start()) {
            String first =
                    cluster.submit(
                            Map.of(),
                            "-p",
                            "1",
                            JOB_JAR.toString(),
                            "--config",
                            jobFile.toString());
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            assertThat(cluster.rest("/jobs/" + first)).contains("\"parallelism\":1");
            // Streamed changes while the job runs at parallelism 1.
            coll.updateOne(
                    Filters.eq("_id", docs.get(1).getString("_id")), Updates.set("headline", "x"));
            coll.insertOne(gen.next());
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            Map<String, String> before = f.versions("reviews");

            String savepoint = cluster.stopWithSavepoint(first);
            assertThat(Path.of(java.net.URI.create(savepoint))).isDirectory();
            assertThat(cluster.rest("/jobs/" + first)).contains("\"state\":\"FINISHED\"");

            // While the job is down.
            String updated = docs.get(10).getString("_id");
            String deleted = docs.get(20).getString("_id");
            String replaced = docs.get(30).getString("_id");
            coll.updateOne(Filters.eq("_id", updated), Updates.inc("rating.helpfulVotes", 1));
            coll.deleteOne(Filters.eq("_id", deleted));
            coll.replaceOne(Filters.eq("_id", replaced), gen.next().append("_id", replaced));
            Document inserted = gen.next();
            coll.insertOne(inserted);

            // Resume from the savepoint, rescaled from 1 to 2.
            String second =
                    cluster.submit(
                            Map.of(),
                            "-s",
                            savepoint,
                            "-p",
                            "2",
                            JOB_JAR.toString(),
                            "--config",
                            jobFile.toString());
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            String job = cluster.rest("/jobs/" + second);
            assertThat(job).contains("\"state\":\"RUNNING\"").contains("\"parallelism\":2");
            assertThat(cluster.rest("/jobs/" + second + "/checkpoints"))
                    .as("the second run restored the savepoint")
                    .contains("\"is_savepoint\":true");
            // No re-snapshot: exactly the keys changed while down moved on.
            Map<String, String> after = f.versions("reviews");
            List<String> changed = new ArrayList<>();
            after.forEach(
                    (k, v) -> {
                        if (!v.equals(before.get(k))) {
                            changed.add(k);
                        }
                    });
            assertThat(changed)
                    .containsExactlyInAnyOrder(updated, replaced, inserted.getString("_id"));
            assertThat(after).doesNotContainKey(deleted);

            // And it keeps streaming at parallelism 2.
            for (int i = 0; i < 50; i++) {
                coll.updateOne(
                        Filters.eq("_id", docs.get(100 + i).getString("_id")),
                        Updates.inc("rating.helpfulVotes", 1));
            }
            coll.insertMany(gen.next(50));
            f.awaitConsistent(MigrationFixture.TIMEOUT);

            cluster.cli(Map.of(), "cancel", second);
            cluster.assertAlive();
            assertThat(Files.readString(cluster.logDir.resolve("taskmanager.log")))
                    .contains("MySQL change sink");
        }
    }
}
