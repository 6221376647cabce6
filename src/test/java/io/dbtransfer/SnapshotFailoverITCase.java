package io.dbtransfer;

import io.dbtransfer.pipeline.MigrationJob;
import io.dbtransfer.pipeline.OperatorUids;
import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.IndependentOracle;
import io.dbtransfer.testing.LiveTraffic;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TaskManagerKills;
import io.dbtransfer.testing.TestDurations;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.restartstrategy.RestartStrategies;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.executiongraph.AccessExecutionJobVertex;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A TaskManager dies during the snapshot while documents are written: chunks whose records already
 * reached MySQL are read again after the restore, and the re-read must win over the first read.
 *
 * <p>Flink CDC's backfill merges a change made while a chunk is read into the chunk's output (as an
 * {@code insert} with {@code source.snapshot=true} and the change's cluster time). When that record
 * carried its cluster time as version, an idempotent sink committed it before any checkpoint; after
 * the restore the re-read record of the same document (changed again meanwhile) carried the older
 * snapshot version, the version guard dropped it, and the stream resumed after the chunk's new high
 * watermark: MySQL kept the old content for good.
 *
 * <p>The sink is slowed (a {@code SLEEP} in a MySQL trigger, ~1.5 ms per row) so that chunks are in
 * MySQL before the checkpoint that marks them finished; the TaskManager is killed when MySQL holds
 * part of the snapshot. Reconciliation is off in the first test: the versions alone must get it
 * right. MySQL is compared with MongoDB by {@link IndependentOracle}, which shares no code with the
 * job.
 */
@ExtendWith(SharedMiniCluster.class)
class SnapshotFailoverITCase {

    private static final int DOCS = 1500;
    private static final String PAD = "p".repeat(6000); // ~85 documents per 1 MB chunk
    private static final String MAPPING =
            "docs:\n  key-type: BIGINT\n  columns:\n    cnt: INT\n    pad: TEXT\n";
    private static final IndependentOracle ORACLE =
            IndependentOracle.of("docs", "docs")
                    .column("cnt", d -> d.get("cnt"))
                    .column("pad", d -> d.get("pad"))
                    .extra(d -> new Document());

    private static MigrationFixture fixture(String name, String delivery) {
        return new MigrationFixture(name)
                .collections(MAPPING)
                .set("sink.delivery-guarantee", delivery)
                .set("source.split-size-mb", "1")
                .set("source.batch-size", "50")
                .set("sink.batch-size", "20")
                .set("job.checkpoint-interval", "3 s");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"exactly-once", "idempotent"})
    void aReReadAfterATaskManagerKillWinsOverTheFirstReadOfTheSameSnapshot(
            String delivery, @InjectMiniCluster MiniCluster cluster) throws Exception {
        MigrationFixture f = fixture("snapfail", delivery).set("reconcile.enabled", "false");
        JobClient job = run(f, cluster, false);
        try {
            ORACLE.awaitEqual(f.mongo(), f.mysqlUrl, TestDurations.MEDIUM);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Documents deleted during the snapshot. A delete between a chunk's first read and its re-read
     * is seen by neither the re-read nor the stream (it precedes the new high watermark), so a row
     * the first read wrote would stay for good; no version can remove it. Exactly-once rolls the
     * first read back; idempotent mode holds snapshot-phase changes until the checkpoint after them
     * completes, so no first read of an unfinished chunk is ever written. Reconciliation is off:
     * the sink alone must get it right (before the hold, the idempotent case kept rows of deleted
     * documents and only the sweep found them).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"exactly-once", "idempotent"})
    void documentsDeletedBetweenTwoReadsOfAChunkLeaveNoRowBehind(
            String delivery, @InjectMiniCluster MiniCluster cluster) throws Exception {
        MigrationFixture f = fixture("snapdel", delivery).set("reconcile.enabled", "false");
        JobClient job = run(f, cluster, true);
        try {
            ORACLE.awaitEqual(f.mongo(), f.mysqlUrl, TestDurations.MEDIUM);
        } finally {
            job.cancel().get();
        }
    }

    /** The source vertex's parallelism, once the job's execution graph is built. */
    private static int sourceParallelism(MiniCluster cluster, JobClient job) throws Exception {
        List<AccessExecutionJobVertex> vertices = new ArrayList<>();
        Eventually.waitUntil(
                TestDurations.MEDIUM,
                "the restored job's execution graph",
                () -> {
                    vertices.clear();
                    cluster.getExecutionGraph(job.getJobID())
                            .get()
                            .getVerticesTopologically()
                            .forEach(vertices::add);
                    return !vertices.isEmpty();
                });
        AccessExecutionJobVertex source = vertices.get(0);
        assertThat(source.getName()).contains(OperatorUids.sourceName("docs"));
        return source.getParallelism();
    }

    /**
     * Four snapshot readers for two processing subtasks ({@code source.parallelism}, which overlaps
     * one reader's chunk read with another's processing): the kill, the re-reads and the deletes
     * during the snapshot must come out as with one reader per subtask.
     */
    @Test
    void moreSnapshotReadersThanProcessingSubtasksLoseNothing(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        MigrationFixture f =
                fixture("snapreaders", "exactly-once")
                        .set("reconcile.enabled", "false")
                        .set("source.parallelism", "4");
        JobClient job = run(f, cluster, true);
        try {
            assertThat(sourceParallelism(cluster, job)).isEqualTo(4);
            ORACLE.awaitEqual(f.mongo(), f.mysqlUrl, TestDurations.MEDIUM);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * The snapshot readers changed across savepoints taken in the middle of the snapshot, as an
     * operator would after finding the snapshot slow ({@code source.parallelism} 2 → 4 → 1, the
     * processing subtasks staying at 2), under live updates: the readers' unfinished chunks in the
     * savepoint go to the new readers, and the snapshot still ends with every document's last
     * content.
     */
    @Test
    void changingTheSnapshotReadersAcrossSavepointsLosesNothing(
            @TempDir Path dir, @InjectMiniCluster MiniCluster cluster) throws Exception {
        MigrationFixture f =
                fixture("snaprescale", "exactly-once")
                        .set("reconcile.enabled", "false")
                        .set("source.parallelism", "2");
        MongoCollection<Document> coll = f.mongo().getCollection("docs");
        List<Object> keys = load(coll);
        JobClient job = f.start(env(null));
        // ~10 ms per row: each stretch of the snapshot below lasts seconds.
        slowDown(f, "docs", 0.01);
        try (LiveTraffic writer =
                LiveTraffic.on(coll)
                        .seed(23)
                        .keys(keys)
                        .update(1, (r, n) -> Updates.inc("cnt", 1))
                        // ~50 updates/s: within what the slowed sink applies in the stream.
                        .pause(Duration.ofMillis(20))
                        .name("snapshot-writer")
                        .start()) {
            String savepoint = null;
            for (String readers : List.of("4", "1")) {
                long atLeast = DOCS * (savepoint == null ? 20 : 50) / 100;
                Eventually.waitUntil(
                        TestDurations.LONG,
                        atLeast + " rows of the snapshot written to MySQL (committed or not)",
                        () -> countWritten(f, "docs") >= atLeast);
                savepoint = stopWithSavepoint(job, dir);
                // Commits happen only when a checkpoint completes: with the job stopped, the rows
                // committed are those of the savepoint, which must have been mid-snapshot.
                assertThat(f.count("docs"))
                        .as("rows committed by the savepoint before %s readers", readers)
                        .isLessThan(DOCS);
                f.set("source.parallelism", readers);
                job = f.start(env(savepoint));
                assertThat(sourceParallelism(cluster, job)).isEqualTo(Integer.parseInt(readers));
            }
            assertThat(writer.written()).isPositive();
        }
        try {
            ORACLE.awaitEqual(f.mongo(), f.mysqlUrl, TestDurations.MEDIUM);
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get();
        }
    }

    private static StreamExecutionEnvironment env(String savepoint) {
        Configuration conf = new Configuration();
        if (savepoint != null) {
            conf.set(SavepointConfigOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 500));
        return env;
    }

    /** Stop-with-savepoint (what {@code flink stop} does), retried while tasks still start. */
    private static String stopWithSavepoint(JobClient job, Path dir) throws Exception {
        Exception last = null;
        for (int attempt = 1; attempt <= 60; attempt++) {
            try {
                return job.stopWithSavepoint(
                                false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
            } catch (Exception e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw new AssertionError("No savepoint in 60 attempts", last);
    }

    /**
     * Writes, the kill, then the independent comparison; {@code deletes}: the writers also delete
     * documents (one write in ten).
     *
     * @return the running job (the caller cancels it)
     */
    private static JobClient run(MigrationFixture f, MiniCluster cluster, boolean deletes)
            throws Exception {
        MongoCollection<Document> coll = f.mongo().getCollection("docs");
        List<Object> keys = load(coll);
        StreamExecutionEnvironment env = env(null);
        MigrationJob.build(env, f.config());
        slowDown(f, "docs", 0.0015);
        JobClient job = env.executeAsync("it-" + f.mongoDatabase);
        List<LiveTraffic> writers = new ArrayList<>();
        try {
            for (int w = 0; w < 3; w++) {
                LiveTraffic.Builder traffic =
                        LiveTraffic.on(coll)
                                .seed(17 + w)
                                .keys(keys)
                                .update(deletes ? 9 : 1, (r, n) -> Updates.inc("cnt", 1))
                                // ~1 write per key and second in all: often enough that a
                                // chunk's first read backfills some of its documents, rarely
                                // enough that its re-read backfills others.
                                .pause(Duration.ofMillis(2))
                                .name("snapshot-writer-" + w);
                if (deletes) {
                    traffic.delete();
                }
                writers.add(traffic.start());
            }
            // Exactly-once rows become visible only with a checkpoint's commit, often all at once
            // here; counting uncommitted rows too kills both modes part-way through the snapshot.
            long killAt = DOCS * 20 / 100;
            Eventually.waitUntil(
                    TestDurations.LONG,
                    killAt + " rows of the snapshot written to MySQL (committed or not)",
                    () -> countWritten(f, "docs") >= killAt);
            long partial = countWritten(f, "docs");
            long backfilled = aboveMinimumVersion(f, "docs");
            TaskManagerKills.killAndRestart(cluster, job.getJobID());
            // Stop writing as the restored job reads the unfinished chunks again: a document
            // changed between the two reads and never again has only the re-read to bring MySQL
            // its last content (a later change would hide a lost re-read).
            LiveTraffic.stopAll(writers);
            long writes = writers.stream().mapToLong(LiveTraffic::written).sum();
            System.out.printf(
                    "%s: killed with %d of %d rows in MySQL (%d above the lowest version);"
                            + " %d writes%n",
                    f.mongoDatabase, partial, DOCS, backfilled, writes);
            assertThat(partial).as("rows in MySQL when the TaskManager died").isLessThan(DOCS);
            assertThat(writes).isPositive();
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } catch (Exception | AssertionError e) {
            job.cancel().get();
            throw e;
        } finally {
            LiveTraffic.stopAll(writers);
        }
        return job;
    }

    /** {@link #DOCS} documents {@code _id} 0, 1, … with {@code cnt} 0; returns their keys. */
    private static List<Object> load(MongoCollection<Document> coll) {
        List<Object> keys = new ArrayList<>();
        List<Document> docs = new ArrayList<>();
        for (long i = 0; i < DOCS; i++) {
            keys.add(i);
            docs.add(new Document("_id", i).append("cnt", 0).append("pad", PAD));
        }
        for (int i = 0; i < DOCS; i += 500) {
            coll.insertMany(docs.subList(i, Math.min(DOCS, i + 500)));
        }
        return keys;
    }

    /** {@code seconds} per row written to {@code table}: a slow MySQL, the job's SQL unchanged. */
    private static void slowDown(MigrationFixture f, String table, double seconds)
            throws Exception {
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            st.execute(
                    "CREATE TRIGGER `"
                            + table
                            + "_slow` BEFORE INSERT ON `"
                            + table
                            + "` FOR EACH ROW SET @dbtransfer_slow = SLEEP("
                            + seconds
                            + ")");
        }
    }

    /** Rows of {@code table}, including those of open or prepared transactions. */
    private static long countWritten(MigrationFixture f, String table) throws Exception {
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            st.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED");
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM `" + table + "`")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Rows whose {@code _src_version} is above the table's lowest one. */
    private static long aboveMinimumVersion(MigrationFixture f, String table) throws Exception {
        try (Connection c = f.mysql();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT COUNT(*) FROM `"
                                        + table
                                        + "` WHERE _src_version > (SELECT MIN(_src_version) FROM `"
                                        + table
                                        + "`)")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
