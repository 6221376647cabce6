package io.dbtransfer;

import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.FlinkStandaloneCluster;
import io.dbtransfer.testing.LiveTraffic;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.workload.ReviewDocuments;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The upgrade paths of a running migration, each from a savepoint on a real standalone cluster
 * ({@code flink stop --savepointPath}, {@code flink run -s}) with live writes on MongoDB across the
 * stop, and MySQL compared with MongoDB (each read on its own) after each: add a collection, remove
 * one (refused without {@code --allowNonRestoredState}, resumed with it), add a column to the
 * mapping (rows of documents changed afterwards get it through the stream; the others are
 * backfilled by {@code reconcile.repair}, turned on in the same upgrade), and change the
 * parallelism. One test chains them, so the cluster starts once.
 */
class UpgradePathsITCase {

    private static final String ITEMS = "items:\n  columns:\n    qty: INT\n";
    private static final String ORDERS = "orders:\n  columns:\n    amount: INT\n";
    private static final String ORDERS_WITH_NOTE =
            "orders:\n  columns:\n    amount: INT\n    note: VARCHAR(40)\n";

    @Test
    void addRemoveRemapAndRescaleEachFromASavepoint(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        assertThat(FlinkRunITCase.JOB_JAR)
                .as("the shaded job jar (built by package)")
                .isRegularFile();
        String reviewsMapping = ReviewDocuments.mappingYaml("reviews");
        MigrationFixture f =
                new MigrationFixture("upgrade")
                        .collections(reviewsMapping + ITEMS)
                        .set("source.batch-size", "100")
                        .set("reconcile.sweep-interval", "1 s")
                        .set("reconcile.check-delay", "200 ms")
                        .set("reconcile.recheck-delay", "200 ms")
                        .set("reconcile.max-backoff", "1 s");
        MongoCollection<Document> reviews = f.mongo().getCollection("reviews");
        MongoCollection<Document> items = f.mongo().getCollection("items");
        MongoCollection<Document> orders = f.mongo().getCollection("orders");
        ReviewDocuments gen = new ReviewDocuments(17);
        List<Object> reviewIds = new ArrayList<>();
        for (Document d : gen.next(400)) {
            reviews.insertOne(d);
            reviewIds.add(d.get("_id"));
        }
        for (int i = 0; i < 200; i++) {
            items.insertOne(new Document("_id", i).append("qty", i));
        }
        for (int i = 0; i < 150; i++) {
            orders.insertOne(
                    new Document("_id", "o" + i).append("amount", i).append("note", "note " + i));
        }
        Path v1 = f.writeJobFile(dir.resolve("job-1.yaml"));

        try (FlinkStandaloneCluster cluster =
                new FlinkStandaloneCluster(dir.resolve("cluster"), Map.of()).start()) {
            String job = cluster.submit(Map.of(), "-p", "1", jar(), "--config", v1.toString());
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            Map<String, String> itemVersions = f.versions("items");

            // (a) Add a collection: the savepoint has no state for its source, so it snapshots
            // the collection and streams it; the others resume where they stopped.
            f.collections(reviewsMapping + ITEMS + ORDERS);
            Path added = f.writeJobFile(dir.resolve("job-2-added.yaml"));
            try (LiveTraffic traffic = traffic(reviews, reviewIds, gen, 1)) {
                traffic.awaitWrites(30, MigrationFixture.TIMEOUT);
                String savepoint = stop(cluster, job);
                job = resume(cluster, savepoint, 1, added);
                traffic.awaitWrites(traffic.written() + 30, MigrationFixture.TIMEOUT);
                traffic.stop();
            }
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            assertRestored(cluster, job);
            assertThat(f.count("orders")).isEqualTo(150);
            assertThat(f.versions("items"))
                    .as("items resumed from the savepoint, not snapshotted again")
                    .isEqualTo(itemVersions);

            // (b) Remove a collection: the savepoint holds state of a source the new job lacks.
            f.collections(reviewsMapping + ORDERS);
            Path removed = f.writeJobFile(dir.resolve("job-3-removed.yaml"));
            String savepoint;
            try (LiveTraffic traffic = traffic(reviews, reviewIds, gen, 2)) {
                traffic.awaitWrites(30, MigrationFixture.TIMEOUT);
                savepoint = stop(cluster, job);
                items.updateOne(Filters.eq("_id", 3), Updates.set("qty", 333));
                String finalSavepoint = savepoint;
                assertThatThrownBy(() -> resume(cluster, finalSavepoint, 1, removed))
                        .as("without --allowNonRestoredState the restore is refused")
                        .hasMessageContaining("Cannot map checkpoint/savepoint state for operator")
                        .hasMessageContaining("allowNonRestoredState");
                job =
                        cluster.submit(
                                Map.of(),
                                "-s",
                                savepoint,
                                "--allowNonRestoredState",
                                "-p",
                                "1",
                                jar(),
                                "--config",
                                removed.toString());
                traffic.awaitWrites(traffic.written() + 30, MigrationFixture.TIMEOUT);
                traffic.stop();
            }
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            assertRestored(cluster, job);
            assertThat(f.versions("items"))
                    .as("the removed collection's table stays as it was, not followed any more")
                    .isEqualTo(itemVersions);
            assertThat(qty(f, 3)).isEqualTo(3);

            // (c) Add a column: the restored job adds it (ALTER TABLE … ADD COLUMN, NULL in the
            // rows already there); documents changed afterwards fill it through the stream, and
            // reconcile.repair, turned on in the same upgrade, backfills the others: the sweep
            // finds each such row different from what MongoDB holds and rewrites it.
            f.collections(reviewsMapping + ORDERS_WITH_NOTE);
            Path remapped = f.writeJobFile(dir.resolve("job-4-column.yaml"));
            try (LiveTraffic traffic = traffic(reviews, reviewIds, gen, 3)) {
                traffic.awaitWrites(30, MigrationFixture.TIMEOUT);
                savepoint = stop(cluster, job);
                job =
                        cluster.submit(
                                Map.of(),
                                "-s",
                                savepoint,
                                "-p",
                                "1",
                                jar(),
                                "--config",
                                remapped.toString(),
                                "--set",
                                "reconcile.repair=true");
                for (int i = 0; i < 10; i++) {
                    orders.updateOne(Filters.eq("_id", "o" + i), Updates.inc("amount", 1000));
                }
                traffic.awaitWrites(traffic.written() + 30, MigrationFixture.TIMEOUT);
                traffic.stop();
            }
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            assertRestored(cluster, job);
            assertThat(notes(f)).hasSize(150).doesNotContainValue(null);
            List<String> mismatches = FlinkRunITCase.mismatchRecords(f);
            assertThat(mismatches)
                    .as("the backfilled rows are recorded as repaired, none left open")
                    .isNotEmpty()
                    .allMatch(m -> m.startsWith("different o") && m.endsWith(" repaired"));

            // (d) Change the parallelism, 1 → 2.
            try (LiveTraffic traffic = traffic(reviews, reviewIds, gen, 4)) {
                traffic.awaitWrites(30, MigrationFixture.TIMEOUT);
                savepoint = stop(cluster, job);
                job = resume(cluster, savepoint, 2, remapped);
                traffic.awaitWrites(traffic.written() + 30, MigrationFixture.TIMEOUT);
                traffic.stop();
            }
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            assertRestored(cluster, job);
            assertThat(cluster.rest("/jobs/" + job)).contains("\"parallelism\":2");

            cluster.cli(Map.of(), "cancel", job);
            cluster.assertAlive();
        }
    }

    private static String jar() {
        return FlinkRunITCase.JOB_JAR.toString();
    }

    /** Updates and inserts on {@code reviews}, about 50 writes a second. */
    private static LiveTraffic traffic(
            MongoCollection<Document> reviews, List<Object> ids, ReviewDocuments gen, long seed) {
        return LiveTraffic.on(reviews)
                .name("reviews-traffic-" + seed)
                .seed(seed)
                .keys(ids)
                .update(3, (r, n) -> Updates.inc("rating.helpfulVotes", 1))
                .insert(gen::next)
                .pause(Duration.ofMillis(20))
                .start();
    }

    /** {@code flink stop --savepointPath}, then waits until the job shows FINISHED. */
    private static String stop(FlinkStandaloneCluster cluster, String job) throws Exception {
        String savepoint = cluster.stopWithSavepoint(job);
        Eventually.waitUntil(
                Duration.ofSeconds(10),
                "the stopped job to show FINISHED",
                () -> cluster.rest("/jobs/" + job).contains("\"state\":\"FINISHED\""));
        return savepoint;
    }

    /** {@code flink run -s SAVEPOINT -p P job.jar --config FILE}. */
    private static String resume(
            FlinkStandaloneCluster cluster, String savepoint, int parallelism, Path jobFile)
            throws Exception {
        return cluster.submit(
                Map.of(),
                "-s",
                savepoint,
                "-p",
                String.valueOf(parallelism),
                jar(),
                "--config",
                jobFile.toString());
    }

    private static void assertRestored(FlinkStandaloneCluster cluster, String job)
            throws Exception {
        Eventually.waitUntil(
                MigrationFixture.TIMEOUT,
                "job " + job + " to show the savepoint it restored",
                () ->
                        cluster.rest("/jobs/" + job + "/checkpoints")
                                .contains("\"is_savepoint\":true"));
        assertThat(cluster.rest("/jobs/" + job)).contains("\"state\":\"RUNNING\"");
    }

    /** {@code qty} of item {@code id} in MySQL. */
    private static int qty(MigrationFixture f, int id) throws Exception {
        try (Connection c = f.mysql();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT qty FROM items WHERE _id = " + id)) {
            assertThat(rs.next()).isTrue();
            return rs.getInt(1);
        }
    }

    /** Order number → {@code note} column of MySQL's {@code orders}. */
    private static Map<Integer, String> notes(MigrationFixture f) throws Exception {
        Map<Integer, String> out = new LinkedHashMap<>();
        try (Connection c = f.mysql();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT _id, note FROM orders")) {
            while (rs.next()) {
                out.put(Integer.parseInt(rs.getString(1).substring(1)), rs.getString(2));
            }
        }
        return out;
    }
}
