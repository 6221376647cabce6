package io.dbtransfer;

import io.dbtransfer.model.SourceVersion;
import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.FlinkStandaloneCluster;
import io.dbtransfer.testing.LiveTraffic;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.TestDurations;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Updates;
import org.apache.curator.test.TestingServer;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * JobManager failover of the job in application mode with ZooKeeper HA, as on Kubernetes: a real
 * standalone application cluster (JobManager and TaskManager in their own JVMs, the JobManager runs
 * {@code main()}), an in-process ZooKeeper, the JobManager killed with SIGKILL once in the snapshot
 * phase and once in the stream phase while documents are written, and started again with the same
 * command. On every restart Flink runs {@code main()} again without a savepoint path while the job
 * resumes from its HA checkpoint.
 *
 * <p>Shows for both {@code sink.on-fresh-start: truncate} and the default {@code
 * fail-if-not-empty}: no crash loop (the JobManager stays up), no truncation (the row count, polled
 * throughout, never drops: the writers only insert and update), MySQL equals MongoDB at the end
 * (both read here with plain queries, no code of the job), and the snapshot version the re-run
 * {@code main()} computes is not used (every row of a document the writers never touched carries a
 * version from before the first kill).
 */
class JobManagerFailoverITCase {

    static final Path JOB_JAR = Path.of("target/dbtransfer-0.1.0-SNAPSHOT-job.jar");
    static final int DOCUMENTS = 4000;
    private static final Pattern JOB = Pattern.compile("\"id\":\"([0-9a-f]{32})\"");

    @ParameterizedTest(name = "sink.on-fresh-start: {0}")
    @ValueSource(strings = {"truncate", "fail-if-not-empty"})
    void jobManagerKilledInSnapshotAndStreamPhaseResumesWithoutTruncationOrCrashLoop(
            String onFreshStart, @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
            throws Exception {
        assertThat(JOB_JAR).as("the shaded job jar (built by package)").isRegularFile();
        MigrationFixture f =
                new MigrationFixture("jmfail")
                        .collections(
                                "items:\n  key-type: BIGINT\n  columns:\n    v: INT\n"
                                        + "    pad: TEXT\n")
                        .set("sink.on-fresh-start", onFreshStart)
                        .set("source.batch-size", "50")
                        .set("sink.batch-size", "50");
        MongoCollection<Document> items = f.mongo().getCollection("items");
        String pad = "p".repeat(1500);
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < DOCUMENTS; i++) {
            docs.add(new Document("_id", (long) i).append("v", 0).append("pad", pad));
        }
        for (int i = 0; i < docs.size(); i += 500) {
            items.insertMany(
                    docs.subList(i, Math.min(docs.size(), i + 500)),
                    new InsertManyOptions().ordered(true));
        }
        Path jobFile = f.writeJobFile(dir.resolve("job.yaml"));

        try (TestingServer zk = new TestingServer(true);
                FlinkStandaloneCluster cluster =
                        new FlinkStandaloneCluster(
                                dir.resolve("cluster"),
                                Map.of(
                                        "parallelism.default",
                                        2,
                                        "high-availability.type",
                                        "zookeeper",
                                        "high-availability.zookeeper.quorum",
                                        zk.getConnectString(),
                                        "high-availability.storageDir",
                                        dir.resolve("ha").toUri().toString(),
                                        "high-availability.cluster-id",
                                        "jmfail-" + UUID.randomUUID(),
                                        // A killed JobManager's leadership ends with its session.
                                        "high-availability.zookeeper.client.session-timeout",
                                        "6000",
                                        "user.artifacts.base-dir",
                                        dir.resolve("artifacts").toString()))) {
            cluster.startApplication(
                    JOB_JAR,
                    MongoToMySqlJob.class.getName(),
                    Map.of(),
                    "--config",
                    jobFile.toString());
            LiveTraffic writers = writers(items, DOCUMENTS);
            CountWatch watch = new CountWatch(f, cluster);
            long beforeFirstKill;
            long rerunProbe;
            try {
                // Snapshot phase: part of the snapshot committed, a checkpoint completed.
                Eventually.waitUntil(
                        TestDurations.CONSISTENT,
                        "the first snapshot rows and a completed checkpoint",
                        () -> {
                            watch.healthy();
                            return f.count("items") > 0 && completedCheckpoints(cluster) > 0;
                        });
                writers.start();
                beforeFirstKill = operationTime(f);
                long partial = f.count("items");
                cluster.killJobManager();
                assertThat(partial).as("killed during the snapshot").isLessThan(DOCUMENTS);
                cluster.restartJobManager();
                awaitRecovered(cluster, watch);
                rerunProbe = assertRecoveredFromCheckpoint(cluster);
                System.out.println(
                        onFreshStart + ": first kill (snapshot phase) at " + partial + " rows");
                Eventually.waitUntil(
                        TestDurations.CONSISTENT,
                        "the snapshot to complete after the JobManager failover",
                        () -> {
                            watch.healthy();
                            return f.count("items") >= DOCUMENTS;
                        });

                // Stream phase: writers keep going across the second kill.
                long inserted = writers.written(LiveTraffic.Op.INSERT);
                Eventually.waitUntil(
                        TestDurations.MEDIUM,
                        "streamed inserts in MySQL",
                        () -> maxId(f) >= DOCUMENTS + inserted - 1);
                assertThat(completedCheckpoints(cluster)).isPositive();
                System.out.println(
                        onFreshStart
                                + ": second kill (stream phase) at "
                                + f.count("items")
                                + " rows");
                cluster.killJobManager();
                Thread.sleep(500);
                cluster.restartJobManager();
                awaitRecovered(cluster, watch);
                assertRecoveredFromCheckpoint(cluster);
                Thread.sleep(2000);
                writers.stop();

                Map<Long, Integer> expected = new TreeMap<>();
                Eventually.waitUntil(
                        TestDurations.CONSISTENT,
                        "MySQL to equal MongoDB (read independently)",
                        () -> {
                            watch.healthy();
                            expected.clear();
                            expected.putAll(mongoValues(items));
                            return expected.equals(mysqlValues(f));
                        });
                cluster.assertAlive();
                assertThat(expected).hasSizeGreaterThan(DOCUMENTS);
            } finally {
                try {
                    writers.stop(); // throws if a write failed
                } finally {
                    watch.stop();
                }
            }
            assertThat(watch.drops).as("the row count never drops (no truncation)").isEmpty();
            assertThat(watch.max.get()).isGreaterThan(DOCUMENTS);

            // The snapshot version comes from the first main() only: the job graph a re-run
            // main() builds (with a newer probe time) is discarded for the recovered one.
            // The check below can fail: the re-run's probe version is newer than the first kill.
            assertThat(SourceVersion.compare(rerunProbe, beforeFirstKill)).isGreaterThan(0);
            Map<Long, Long> versions = mysqlVersions(f);
            long untouched = 0;
            for (Map.Entry<Long, Long> e : versions.entrySet()) {
                if (e.getKey() < DOCUMENTS && !writers.touched().contains(e.getKey())) {
                    untouched++;
                    assertThat(SourceVersion.compare(e.getValue(), beforeFirstKill))
                            .as(
                                    "version %s of untouched document %s vs the time of the"
                                            + " first kill %s",
                                    SourceVersion.format(e.getValue()),
                                    e.getKey(),
                                    SourceVersion.format(beforeFirstKill))
                            .isLessThan(0);
                }
            }
            assertThat(untouched).isGreaterThan(DOCUMENTS / 2);
            System.out.println(
                    onFreshStart
                            + ": "
                            + versions.size()
                            + " rows equal MongoDB; "
                            + untouched
                            + " untouched snapshot rows all versioned before the first kill ("
                            + SourceVersion.format(beforeFirstKill)
                            + "); highest count seen "
                            + watch.max.get()
                            + ", no drop");
        }
    }

    /**
     * The restarted JobManager recovered the job graph and restored a checkpoint, and its re-run
     * {@code main()} recognised the job as the one that prepared the target.
     */
    private static long assertRecoveredFromCheckpoint(FlinkStandaloneCluster cluster)
            throws Exception {
        // main() runs again shortly after the restore starts; wait for its log line.
        Eventually.waitUntil(
                TestDurations.SHORT,
                "the re-run main() to recognise its job in " + cluster.jobManagerLog(),
                () -> {
                    cluster.assertAlive();
                    return Files.readString(cluster.jobManagerLog())
                            .contains("The target was prepared by this job");
                });
        String log = Files.readString(cluster.jobManagerLog());
        assertThat(log)
                .contains("Recovered JobGraph")
                .containsPattern("Restoring job [0-9a-f]{32} from Checkpoint \\d+");
        Matcher m =
                Pattern.compile("Restoring job [0-9a-f]{32} from Checkpoint (\\d+)").matcher(log);
        m.find();
        Matcher probe =
                Pattern.compile("this run's probe version (\\d+)\\.(\\d+) is not used")
                        .matcher(log);
        assertThat(probe.find()).as("the re-run main() logs its probe version").isTrue();
        System.out.println(
                "JobManager "
                        + cluster.jobManagerLog()
                        + ": restored checkpoint "
                        + m.group(1)
                        + ", re-run probe version "
                        + probe.group(1)
                        + "."
                        + probe.group(2));
        return SourceVersion.of(Long.parseLong(probe.group(1)), Long.parseLong(probe.group(2)));
    }

    /** Waits until the restarted JobManager runs the recovered job and a checkpoint completed. */
    private static void awaitRecovered(FlinkStandaloneCluster cluster, CountWatch watch)
            throws Exception {
        Eventually.waitUntil(
                TestDurations.CONSISTENT,
                "the restarted JobManager to run the recovered job",
                () -> {
                    watch.healthy();
                    // Throws while the REST endpoint is not up yet (Eventually polls again).
                    return cluster.rest("/jobs/overview").contains("\"state\":\"RUNNING\"")
                            && completedCheckpoints(cluster) > 0;
                });
    }

    private static long completedCheckpoints(FlinkStandaloneCluster cluster) throws Exception {
        Matcher m = JOB.matcher(cluster.rest("/jobs"));
        if (!m.find()) {
            return 0;
        }
        String body = cluster.rest("/jobs/" + m.group(1) + "/checkpoints");
        Matcher c = Pattern.compile("\"completed\":(\\d+)").matcher(body);
        return c.find() ? Long.parseLong(c.group(1)) : 0;
    }

    private static long operationTime(MigrationFixture f) {
        Document r = f.mongo().runCommand(new Document("ping", 1));
        Object t = r.get("operationTime");
        if (t instanceof BsonTimestamp ts) {
            return SourceVersion.of(ts.getTime(), ts.getInc());
        }
        // No operation time (should not happen on a replica set): use the wall clock.
        return SourceVersion.of(System.currentTimeMillis() / 1000, 0);
    }

    private static Map<Long, Integer> mongoValues(MongoCollection<Document> items) {
        Map<Long, Integer> out = new TreeMap<>();
        for (Document d : items.find()) {
            out.put(((Number) d.get("_id")).longValue(), d.getInteger("v"));
        }
        return out;
    }

    private static Map<Long, Integer> mysqlValues(MigrationFixture f) throws Exception {
        Map<Long, Integer> out = new TreeMap<>();
        try (Connection c = f.mysql();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT `_id`, `v`, LENGTH(`pad`) FROM items")) {
            while (rs.next()) {
                assertThat(rs.getInt(3)).as("pad of %s", rs.getLong(1)).isEqualTo(1500);
                out.put(rs.getLong(1), rs.getInt(2));
            }
        }
        return out;
    }

    private static Map<Long, Long> mysqlVersions(MigrationFixture f) throws Exception {
        Map<Long, Long> out = new TreeMap<>();
        try (Connection c = f.mysql();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT `_id`, `_src_version` FROM items")) {
            while (rs.next()) {
                out.put(rs.getLong(1), Long.parseUnsignedLong(rs.getString(2)));
            }
        }
        return out;
    }

    private static long maxId(MigrationFixture f) throws Exception {
        try (Connection c = f.mysql();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(`_id`), -1) FROM items")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Live writes (not started): $inc on random existing documents and, one write in four, an
     * insert of the next new {@code _id} from {@code initial} on; no deletes. A failed write fails
     * {@link LiveTraffic#stop()}.
     */
    static LiveTraffic writers(MongoCollection<Document> items, int initial) {
        List<Object> keys = new ArrayList<>();
        for (long id = 0; id < initial; id++) {
            keys.add(id);
        }
        AtomicLong next = new AtomicLong(initial);
        String pad = "p".repeat(1500);
        return LiveTraffic.on(items)
                .seed(17)
                .keys(keys)
                .update(3, (r, n) -> Updates.inc("v", 1))
                .insert(
                        () ->
                                new Document("_id", next.getAndIncrement())
                                        .append("v", 0)
                                        .append("pad", pad))
                .pause(Duration.ofMillis(20))
                .name("jmfail-writers")
                .build();
    }

    /** Polls the target's row count; records every drop below the highest count seen. */
    static final class CountWatch {
        final AtomicLong max = new AtomicLong();
        final List<String> drops = new CopyOnWriteArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        private final FlinkStandaloneCluster cluster;

        CountWatch(MigrationFixture f, FlinkStandaloneCluster cluster) {
            this.cluster = cluster;
            thread =
                    new Thread(
                            () -> {
                                while (running.get()) {
                                    try {
                                        long n = f.count("items");
                                        long before = max.getAndAccumulate(n, Math::max);
                                        if (n < before && drops.size() < 10) {
                                            drops.add(before + " -> " + n);
                                        }
                                        Thread.sleep(100);
                                    } catch (InterruptedException e) {
                                        return;
                                    } catch (Exception e) {
                                        // table not created yet, or MySQL busy: poll again
                                        try {
                                            Thread.sleep(100);
                                        } catch (InterruptedException ie) {
                                            return;
                                        }
                                    }
                                }
                            },
                            "jmfail-count-watch");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }

        /** Fails at once when a cluster process exited or the row count dropped. */
        void healthy() throws Exception {
            cluster.assertAlive();
            assertThat(drops).as("the row count never drops (no truncation)").isEmpty();
        }
    }
}
