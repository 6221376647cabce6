package io.dbtransfer.sink;

import io.dbtransfer.normalize.RowChange;
import io.dbtransfer.testing.TestMySql;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.runtime.operators.sink.CommitterOperatorFactory;
import org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperatorFactory;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.Test;

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

/**
 * The exactly-once sink's writer and committer operators driven checkpoint by checkpoint (Flink's
 * operator test harnesses), with "crashes" at chosen points between prepare and commit.
 */
class XaRecoveryITCase {

    private static final long V = VERSION_BASE;

    private static ExactlyOnceMySqlSink sink(String url, String prefix, int batchSize) {
        SinkOptions options =
                SinkOptions.builder()
                        .jdbcUrl(url)
                        .transactionalIdPrefix(prefix)
                        .batchSize(batchSize)
                        .build();
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
            writer =
                    new OneInputStreamOperatorTestHarness<>(
                            new SinkWriterOperatorFactory<>(sink), 128, 1, 0);
            committer =
                    new OneInputStreamOperatorTestHarness<>(
                            new CommitterOperatorFactory<>(sink, false, true), 128, 1, 0);
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

    @Test
    void aBranchOfACompletedButUncommittedCheckpointIsCommittedAfterRestore() throws Exception {
        String url = TestMySql.newDatabase("xa_restore_commit");
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

    @Test
    void aBranchOfAnIncompleteCheckpointIsRolledBackAndItsChangesReplayed() throws Exception {
        String url = TestMySql.newDatabase("xa_restore_rollback");
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

    @Test
    void keysHeldByThePreparedBranchWaitForItsCommitInsteadOfBlocking() throws Exception {
        String url = TestMySql.newDatabase("xa_held_keys");
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

    @Test
    void heldChangesSurviveACrashInTheWriterState() throws Exception {
        String url = TestMySql.newDatabase("xa_held_restore");
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
            // Restoring commits branches 1 and 2; a2 comes back from the writer state.
            assertTables(url, List.of(a1, b2));
            s.checkpoint(3);
            s.complete(3);
        }
        assertTables(url, List.of(a1, a2, b2));
        assertThat(prepared(url, "heldr")).isEmpty();
    }
}
