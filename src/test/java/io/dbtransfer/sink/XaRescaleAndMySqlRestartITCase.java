package io.dbtransfer.sink;

import io.dbtransfer.embedded.EmbeddedMariaDb;
import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.LiveTraffic;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TestDurations;
import io.dbtransfer.workload.ReviewDocuments;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.restartstrategy.RestartStrategies;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.io.SimpleVersionedSerialization;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole job under live writes: rescaling 2 → 1 → 3 from savepoints whose sink writer state
 * holds changes, and a MySQL server crash and restart on the same data directory.
 */
@ExtendWith(SharedMiniCluster.class)
class XaRescaleAndMySqlRestartITCase {

    private static final Logger LOG = LoggerFactory.getLogger(XaRescaleAndMySqlRestartITCase.class);

    private static final String REVIEWS = ReviewDocuments.mappingYaml("reviews");

    private static StreamExecutionEnvironment env(int parallelism, String savepoint) {
        Configuration conf = new Configuration();
        if (savepoint != null) {
            conf.set(SavepointConfigOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        // Enough attempts to outlast a MySQL restart (each fails fast while it is down).
        env.setRestartStrategy(RestartStrategies.fixedDelayRestart(200, 300));
        return env;
    }

    /**
     * Changes to MongoDB until stopped: 85% updates of a few hot keys, 10% inserts, 5% deletes of
     * the first five hot keys.
     */
    private static LiveTraffic writer(
            MongoCollection<Document> coll, List<String> hot, ReviewDocuments gen, long seed) {
        return LiveTraffic.on(coll)
                .seed(seed)
                .keys(hot)
                .update(17, (r, n) -> Updates.inc("rating.totalVotes", 1))
                .insert(2, gen::next)
                .delete(1, hot.subList(0, 5))
                .name("mongo-writer")
                .start();
    }

    private static List<String> load(MongoCollection<Document> coll, ReviewDocuments gen, int n) {
        List<Document> docs = gen.next(n);
        coll.insertMany(docs);
        List<String> ids = new ArrayList<>();
        for (Document d : docs) {
            ids.add(d.getString("_id"));
        }
        return ids;
    }

    /**
     * The sink writers' states in a savepoint, read from its metadata with the sink's serializer
     * (Flink's writer state list {@code writer_raw_states}).
     */
    static List<XaWriterState> writerStates(String savepoint) throws Exception {
        Path metadata = Paths.get(URI.create(savepoint)).resolve("_metadata");
        CheckpointMetadata md;
        try (DataInputStream in = new DataInputStream(Files.newInputStream(metadata))) {
            md =
                    Checkpoints.loadCheckpointMetadata(
                            in, XaRescaleAndMySqlRestartITCase.class.getClassLoader(), savepoint);
        }
        List<XaWriterState> states = new ArrayList<>();
        for (OperatorState op : md.getOperatorStates()) {
            for (OperatorSubtaskState subtask : op.getStates()) {
                for (OperatorStateHandle h : subtask.getManagedOperatorState()) {
                    OperatorStateHandle.StateMetaInfo info =
                            h.getStateNameToPartitionOffsets().get("writer_raw_states");
                    if (info == null) {
                        continue;
                    }
                    try (FSDataInputStream in = h.openInputStream()) {
                        for (long offset : info.getOffsets()) {
                            in.seek(offset);
                            byte[] bytes =
                                    BytePrimitiveArraySerializer.INSTANCE.deserialize(
                                            new DataInputViewStreamWrapper(in));
                            states.add(
                                    SimpleVersionedSerialization.readVersionAndDeSerialize(
                                            new XaWriterStateSerializer(), bytes));
                        }
                    }
                }
            }
        }
        return states;
    }

    /** A savepoint of the running job (retried while tasks are still starting). */
    private static String savepoint(JobClient job, Path dir) throws Exception {
        Exception last = null;
        for (int attempt = 1; attempt <= 60; attempt++) {
            try {
                return job.triggerSavepoint(dir.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
            } catch (Exception e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw new AssertionError("No savepoint in 60 attempts", last);
    }

    @Test
    void rescaleTwoToOneToThreeFromSavepointsWithHeldChangesLosesNothing(@TempDir Path dir)
            throws Exception {
        MigrationFixture f =
                new MigrationFixture("xa_rescale")
                        .collections(REVIEWS)
                        // The sink alone must be right: no repairs by reconciliation.
                        .set("reconcile.enabled", "false");
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        ReviewDocuments gen = new ReviewDocuments(11);
        List<String> ids = load(coll, gen, 300);
        List<String> hot = ids.subList(0, 12);
        JobClient job = f.start(env(2, null));
        f.awaitConsistent(MigrationFixture.TIMEOUT);
        try (LiveTraffic w = writer(coll, hot, new ReviewDocuments(12), 1)) {
            Thread.sleep(1000);
            // Savepoint under live writes, then cancel: branches prepared after it are orphans.
            String sp1 = savepoint(job, dir);
            assertPrefixRecorded(sp1, 2);
            job.cancel().get();
            job = f.start(env(1, sp1));
            Thread.sleep(1000);
            String sp2 = savepoint(job, dir);
            assertPrefixRecorded(sp2, 1);
            job.cancel().get();
            job = f.start(env(3, sp2));
            Thread.sleep(3000);
            LOG.info("{} MongoDB changes written", w.written());
        }
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get();
        }
    }

    /** Every writer state records the migration's XA prefix, so a restore can resolve it. */
    private static void assertPrefixRecorded(String savepoint, int parallelism) throws Exception {
        List<XaWriterState> states = writerStates(savepoint);
        assertThat(states).hasSize(parallelism);
        assertThat(states).allSatisfy(st -> assertThat(st.prefix()).matches("dbt-[0-9a-f]{16}"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"exactly-once", "idempotent"})
    void mySqlCrashAndRestartMidStreamRecoversByItself(String delivery) throws Exception {
        String tmp = System.getenv("DBTRANSFER_TEST_TMP");
        try (EmbeddedMariaDb db =
                EmbeddedMariaDb.start(
                        Paths.get(tmp == null || tmp.isBlank() ? "target/test-tmp" : tmp))) {
            db.createDatabase("restart_it");
            String url = db.jdbcUrl("restart_it");
            MigrationFixture f =
                    new MigrationFixture("mysql_restart")
                            .collections(REVIEWS)
                            .target(url)
                            .set("sink.delivery-guarantee", delivery)
                            .set("job.checkpoint-interval", "300 ms")
                            .set("reconcile.enabled", "false");
            MongoCollection<Document> coll = f.mongo().getCollection("reviews");
            ReviewDocuments gen = new ReviewDocuments(21);
            List<String> ids = load(coll, gen, 500);
            JobClient job = f.start(env(2, null));
            try {
                f.awaitConsistent(MigrationFixture.TIMEOUT);
                try (LiveTraffic w = writer(coll, ids.subList(0, 50), new ReviewDocuments(22), 2)) {
                    Thread.sleep(1000);
                    if (delivery.equals("exactly-once")) {
                        // Crash while prepared branches wait for their commit.
                        try (Connection c = DriverManager.getConnection(url)) {
                            Eventually.waitUntil(
                                    TestDurations.SHORT,
                                    "a prepared XA branch",
                                    () -> !XaOperations.recover(c).isEmpty());
                            db.kill();
                        }
                    } else {
                        db.kill();
                    }
                    // Changes keep coming while MySQL is down.
                    Thread.sleep(3000);
                    db.restart();
                    Thread.sleep(2000);
                    LOG.info("{} MongoDB changes written", w.written());
                }
                f.awaitConsistent(TestDurations.LONG);
                assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            } finally {
                job.cancel().get();
            }
        }
    }
}
