package io.dbtransfer.sink;

import io.dbtransfer.model.RowChange;
import io.dbtransfer.testing.TestMySql;
import io.dbtransfer.testing.TestTarget;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.runtime.operators.sink.CommitterOperatorFactory;
import org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperatorFactory;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static io.dbtransfer.sink.SinkFixtures.MAPPING;
import static io.dbtransfer.sink.SinkFixtures.VERSION_BASE;
import static io.dbtransfer.sink.SinkFixtures.actualTables;
import static io.dbtransfer.sink.SinkFixtures.expectedTables;
import static io.dbtransfer.sink.SinkFixtures.preparedBranches;
import static io.dbtransfer.sink.SinkFixtures.replay;
import static io.dbtransfer.sink.SinkFixtures.upsert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The exactly-once sink's writer and committer operators driven checkpoint by checkpoint (Flink's
 * operator test harnesses), with "crashes" at chosen points between prepare and commit; on MySQL /
 * MariaDB (XA) and on PostgreSQL (prepared transactions).
 */
class XaRecoveryITCase {

    private static final long V = VERSION_BASE;

    private static ExactlyOnceMySqlSink sink(String url, String prefix, int batchSize) {
        SinkOptions.Builder b = SinkOptions.builder().jdbcUrl(url).batchSize(batchSize);
        if (prefix != null) {
            b.transactionalIdPrefix(prefix);
        }
        SinkOptions options = b.build();
        return (ExactlyOnceMySqlSink)
                MySqlChangeSink.builder().options(options).mapping(MAPPING).build();
    }

    /** One subtask of the sink: its writer and committer operators. */
    private static final class Subtask implements AutoCloseable {
        final OneInputStreamOperatorTestHarness<RowChange, CommittableMessage<XaCommittable>>
                writer;
        final OneInputStreamOperatorTestHarness<
                        CommittableMessage<XaCommittable>, CommittableMessage<XaCommittable>>
                committer;
        int forwarded;

        Subtask(ExactlyOnceMySqlSink sink, Checkpoint restoreFrom) throws Exception {
            this(sink, restoreFrom, 1, 0);
        }

        Subtask(ExactlyOnceMySqlSink sink, Checkpoint restoreFrom, int parallelism, int index)
                throws Exception {
            writer =
                    new OneInputStreamOperatorTestHarness<>(
                            new SinkWriterOperatorFactory<>(sink), 128, parallelism, index);
            committer =
                    new OneInputStreamOperatorTestHarness<>(
                            new CommitterOperatorFactory<>(sink, false, true),
                            128,
                            parallelism,
                            index);
            if (restoreFrom != null) {
                // As Flink does: the committer (downstream) is restored before the writer.
                committer.setRestoredCheckpointId(restoreFrom.id);
                committer.initializeState(restoreFrom.committer);
                writer.setRestoredCheckpointId(restoreFrom.id);
                writer.initializeState(restoreFrom.writer);
            }
            committer.open();
            writer.open();
        }

        void write(RowChange... changes) throws Exception {
            for (RowChange c : changes) {
                writer.processElement(c, 0L);
            }
        }

        /** Barrier, prepare, hand committables to the committer, snapshot both. */
        Checkpoint checkpoint(long id) throws Exception {
            writer.prepareSnapshotPreBarrier(id);
            OperatorSubtaskState writerState = writer.snapshot(id, id);
            List<CommittableMessage<XaCommittable>> out = writer.extractOutputValues();
            for (CommittableMessage<XaCommittable> m : out.subList(forwarded, out.size())) {
                committer.processElement(m, 0L);
            }
            forwarded = out.size();
            return new Checkpoint(id, writerState, committer.snapshot(id, id));
        }

        void complete(long id) throws Exception {
            writer.notifyOfCompletedCheckpoint(id);
            committer.notifyOfCompletedCheckpoint(id);
        }

        @Override
        public void close() throws Exception {
            writer.close();
            committer.close();
        }
    }

    /** The state of one subtask at a checkpoint. */
    private static final class Checkpoint {
        final long id;
        final OperatorSubtaskState writer;
        final OperatorSubtaskState committer;

        Checkpoint(long id, OperatorSubtaskState writer, OperatorSubtaskState committer) {
            this.id = id;
            this.writer = writer;
            this.committer = committer;
        }
    }

    private static void assertTables(String url, List<RowChange> committed) throws SQLException {
        try (Connection conn = TestMySql.connect(url)) {
            assertThat(actualTables(conn)).isEqualTo(expectedTables(replay(committed)));
        }
    }

    private static List<String> prepared(String url, String prefix) throws SQLException {
        try (Connection conn = TestMySql.connect(url)) {
            return preparedBranches(conn, prefix);
        }
    }

    private static String branch(String prefix, int subtask, long checkpoint) {
        return XaTransactionId.of(prefix, subtask, checkpoint).toString();
    }

    @ParameterizedTest
    @EnumSource(TestTarget.class)
    void aBranchOfACompletedButUncommittedCheckpointIsCommittedAfterRestore(TestTarget target)
            throws Exception {
        String url = target.newDatabase("xa_restore_commit");
        ExactlyOnceMySqlSink sink = sink(url, "rc", 100);
        List<RowChange> ops = List.of(upsert("a", V + 1, 2, 1), upsert("b", V + 1, 3, 2));
        Checkpoint cp1;
        try (Subtask s = new Subtask(sink, null)) {
            s.write(ops.toArray(new RowChange[0]));
            cp1 = s.checkpoint(1);
            // Checkpoint 1 completes, but the job dies before the committer hears of it.
            assertThat(prepared(url, "rc")).containsExactly(branch("rc", 0, 1));
            assertTables(url, List.of());
        }
        try (Subtask s = new Subtask(sink, cp1)) {
            assertThat(prepared(url, "rc")).isEmpty();
            assertTables(url, ops);
        }
    }

    @ParameterizedTest
    @EnumSource(TestTarget.class)
    void aBranchOfAnIncompleteCheckpointIsRolledBackAndItsChangesReplayed(TestTarget target)
            throws Exception {
        String url = target.newDatabase("xa_restore_rollback");
        ExactlyOnceMySqlSink sink = sink(url, "rb", 100);
        List<RowChange> first = List.of(upsert("a", V + 1, 2, 1));
        List<RowChange> second = List.of(upsert("a", V + 2, 0, 2), upsert("b", V + 2, 1, 3));
        Checkpoint cp1;
        try (Subtask s = new Subtask(sink, null)) {
            s.write(first.toArray(new RowChange[0]));
            cp1 = s.checkpoint(1);
            s.complete(1);
            assertTables(url, first);
            s.write(second.toArray(new RowChange[0]));
            s.checkpoint(2);
            // Checkpoint 2 never completes: its prepared branch stays invisible.
            assertThat(prepared(url, "rb")).containsExactly(branch("rb", 0, 2));
            assertTables(url, first);
        }
        try (Subtask s = new Subtask(sink, cp1)) {
            assertThat(prepared(url, "rb")).isEmpty();
            assertTables(url, first);
            // The source replays what followed checkpoint 1.
            s.write(second.toArray(new RowChange[0]));
            s.checkpoint(2);
            s.complete(2);
        }
        List<RowChange> all = new ArrayList<>(first);
        all.addAll(second);
        assertTables(url, all);
        assertThat(prepared(url, "rb")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TestTarget.class)
    void keysHeldByThePreparedBranchWaitForItsCommitInsteadOfBlocking(TestTarget target)
            throws Exception {
        String url = target.newDatabase("xa_held_keys");
        // Batch size 1: every change is flushed at once, also while branch 1 holds key "a".
        ExactlyOnceMySqlSink sink = sink(url, "held", 1);
        RowChange a1 = upsert("a", V + 1, 2, 1);
        RowChange a2 = upsert("a", V + 2, 1, 2);
        RowChange b2 = upsert("b", V + 2, 3, 3);
        RowChange c3 = upsert("c", V + 3, 0, 4);
        try (Subtask s = new Subtask(sink, null)) {
            s.write(a1);
            s.checkpoint(1);
            // Writing "a" now would wait for branch 1's row lock on this very thread.
            s.write(a2, b2);
            s.checkpoint(2);
            assertThat(prepared(url, "held"))
                    .containsExactlyInAnyOrder(branch("held", 0, 1), branch("held", 0, 2));
            s.complete(1);
            assertTables(url, List.of(a1));
            // Branch 1 is committed: the held change of "a" goes out with the next flush.
            s.write(c3);
            s.checkpoint(3);
            s.complete(3);
        }
        assertTables(url, List.of(a1, a2, b2, c3));
        assertThat(prepared(url, "held")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TestTarget.class)
    void heldChangesSurviveACrashInTheWriterState(TestTarget target) throws Exception {
        String url = target.newDatabase("xa_held_restore");
        ExactlyOnceMySqlSink sink = sink(url, "heldr", 1);
        RowChange a1 = upsert("a", V + 1, 2, 1);
        RowChange a2 = upsert("a", V + 2, 1, 2);
        RowChange b2 = upsert("b", V + 2, 3, 3);
        Checkpoint cp2;
        try (Subtask s = new Subtask(sink, null)) {
            s.write(a1);
            s.checkpoint(1);
            s.write(a2, b2);
            // a2 is still held by branch 1 and only in the writer state of checkpoint 2.
            cp2 = s.checkpoint(2);
            assertTables(url, List.of());
        }
        try (Subtask s = new Subtask(sink, cp2)) {
            // Restoring commits branches 1 and 2, then writes a2 from the writer state at once.
            assertTables(url, List.of(a1, a2, b2));
            s.checkpoint(3);
            s.complete(3);
        }
        assertTables(url, List.of(a1, a2, b2));
        assertThat(prepared(url, "heldr")).isEmpty();
    }

    /** All branches in XA RECOVER, as strings. */
    private static List<String> allPrepared(String url) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection conn = TestMySql.connect(url)) {
            for (XaTransactionId xid : SinkFixtures.recover(conn)) {
                out.add(xid.toString());
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(TestTarget.class)
    void aSecondMigrationOnTheSameServerLeavesTheFirstOnesBranchesAloneWithDefaultSettings(
            TestTarget target) throws Exception {
        String urlA = target.newDatabase("xa_two_jobs_a");
        String urlB = target.newDatabase("xa_two_jobs_b");
        ExactlyOnceMySqlSink sinkA = sink(urlA, null, 100);
        ExactlyOnceMySqlSink sinkB = sink(urlB, null, 100);
        List<RowChange> opsA = List.of(upsert("a", V + 1, 2, 1), upsert("b", V + 1, 1, 2));
        try (Subtask a = new Subtask(sinkA, null)) {
            a.write(opsA.toArray(new RowChange[0]));
            a.checkpoint(1);
            List<String> preparedByA = allPrepared(urlA);
            assertThat(preparedByA).hasSize(1);
            // Job B starts fresh on the same server while A's branch of checkpoint 1 is prepared.
            try (Subtask b = new Subtask(sinkB, null)) {
                assertThat(allPrepared(urlA)).containsAll(preparedByA);
                b.write(upsert("z", V + 1, 0, 9));
                b.checkpoint(1);
                b.complete(1);
            }
            a.complete(1);
        }
        // A lost nothing.
        assertTables(urlA, opsA);
    }

    @ParameterizedTest
    @EnumSource(TestTarget.class)
    void aFreshStartWithDefaultSettingsRollsBackItsOwnOrphans(TestTarget target) throws Exception {
        String url = target.newDatabase("xa_default_orphans");
        ExactlyOnceMySqlSink sink = sink(url, null, 100);
        List<String> before = allPrepared(url);
        try (Subtask s = new Subtask(sink, null)) {
            s.write(upsert("a", V + 1, 2, 1));
            s.checkpoint(1);
            assertThat(allPrepared(url)).hasSize(before.size() + 1);
        }
        // The same migration starts again from scratch (no checkpoint): its orphan must go.
        try (Subtask s = new Subtask(sink, null)) {
            assertThat(allPrepared(url)).containsExactlyInAnyOrderElementsOf(before);
            assertTables(url, List.of());
        }
    }

    @ParameterizedTest
    @EnumSource(TestTarget.class)
    void aBranchRolledBackBehindTheCommittersBackFailsTheJobLoudly(TestTarget target)
            throws Exception {
        String url = target.newDatabase("xa_lost_branch");
        ExactlyOnceMySqlSink sink = sink(url, "lost", 100);
        try (Subtask s = new Subtask(sink, null)) {
            s.write(upsert("a", V + 1, 2, 1), upsert("b", V + 1, 0, 2));
            s.checkpoint(1);
            // Someone else (another job, a DBA) rolls the prepared branch back.
            try (Connection conn = TestMySql.connect(url)) {
                SinkFixtures.twoPhase(conn).rollback(conn, XaTransactionId.of("lost", 0, 1));
            }
            assertThatThrownBy(() -> s.complete(1))
                    .hasStackTraceContaining("neither prepared nor committed")
                    .hasStackTraceContaining("sink.transaction-prefix");
        }
        assertTables(url, List.of());
    }

    /** {@code url} with a short lock wait, so that a stall shows up as an error in seconds. */
    private static String withLockWait(String url, int seconds) {
        String setting = "innodb_lock_wait_timeout=" + seconds;
        return url.contains("sessionVariables=")
                ? url.replace("sessionVariables=", "sessionVariables=" + setting + ",")
                : url + (url.contains("?") ? "&" : "?") + "sessionVariables=" + setting;
    }

    /** Flink's redistribution of one operator's state from {@code states} to {@code newP}. */
    private static OperatorSubtaskState rescaled(
            List<OperatorSubtaskState> states, int newP, int index) throws Exception {
        OperatorSubtaskState all =
                AbstractStreamOperatorTestHarness.repackageState(
                        states.toArray(new OperatorSubtaskState[0]));
        return AbstractStreamOperatorTestHarness.repartitionOperatorState(
                all, 128, states.size(), newP, index);
    }

    @Test
    void heldChangesRestoredToAnotherSubtaskAfterARescaleDoNotBlockTheKeysNewOwner()
            throws Exception {
        String url = withLockWait(TestMySql.newDatabase("xa_rescale_held"), 3);
        ExactlyOnceMySqlSink sink = sink(url, "resc", 1);
        RowChange a1 = upsert("a", V + 1, 2, 1);
        RowChange b1 = upsert("b", V + 1, 1, 2);
        RowChange a2 = upsert("a", V + 2, 0, 3);
        RowChange b2 = upsert("b", V + 2, 3, 4);
        RowChange a3 = upsert("a", V + 3, 1, 5);
        List<OperatorSubtaskState> writers = new ArrayList<>();
        List<OperatorSubtaskState> committers = new ArrayList<>();
        try (Subtask s0 = new Subtask(sink, null, 2, 0);
                Subtask s1 = new Subtask(sink, null, 2, 1)) {
            s0.write(a1);
            s1.write(b1);
            s0.checkpoint(1);
            s1.checkpoint(1);
            // Branches 1 still hold "a" and "b": a2 and b2 go into the writer states of cp 2.
            s0.write(a2);
            s1.write(b2);
            Checkpoint c0 = s0.checkpoint(2);
            Checkpoint c1 = s1.checkpoint(2);
            writers.add(c0.writer);
            writers.add(c1.writer);
            committers.add(c0.committer);
            committers.add(c1.committer);
            assertTables(url, List.of());
        }
        // Rescale 2 -> 3 from checkpoint 2. Flink hands the two writer states round-robin to new
        // subtasks 0 and 1; key "a" now belongs to new subtask 2.
        List<Subtask> rescaled = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                rescaled.add(
                        new Subtask(
                                sink,
                                new Checkpoint(
                                        2, rescaled(writers, 3, i), rescaled(committers, 3, i)),
                                3,
                                i));
            }
            // The new owner of "a" writes it; then every subtask takes checkpoint 3.
            rescaled.get(2).write(a3);
            for (Subtask s : rescaled) {
                s.checkpoint(3);
            }
            for (Subtask s : rescaled) {
                s.complete(3);
            }
        } finally {
            for (Subtask s : rescaled) {
                s.close();
            }
        }
        assertTables(url, List.of(a1, b1, a2, b2, a3));
        assertThat(prepared(url, "resc")).isEmpty();
        try (Connection conn = TestMySql.connect(url)) {
            // a2 really was written: its version reached MySQL before a3 replaced it.
            assertThat(SinkFixtures.query(conn, "SELECT COUNT(*) FROM items", 1))
                    .containsExactly(List.of("2"));
        }
    }
}
