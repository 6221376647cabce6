package io.dbtransfer.reconcile;

import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.sink.ChangeApplier;
import io.dbtransfer.testing.TestMySql;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static io.dbtransfer.reconcile.ReconcileOperatorITCase.MAPPING;
import static io.dbtransfer.reconcile.ReconcileOperatorITCase.advance;
import static io.dbtransfer.reconcile.ReconcileOperatorITCase.upsert;
import static io.dbtransfer.reconcile.ReconcileOperatorITCase.verdicts;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A paged sweep (5 keys per page, one page per timer firing) over 60 documents: it spans many
 * firings with checkpoints between them, and an operator restored from a snapshot taken mid-sweep
 * continues from the saved cursor — it finds a corruption placed after the cursor, and not one
 * placed before it (that one is found by the next sweep, which starts over).
 */
class ReconcileSweepITCase {

    static final int KEYS = 60;
    static final long INTERVAL = 10_000;

    static KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> harness(String url)
            throws Exception {
        ReconcileSettings settings =
                ReconcileSettings.builder(url, MAPPING)
                        .checkDelayMs(0)
                        .recheckDelayMs(100)
                        .maxBackoffMs(400)
                        .maxRechecks(2)
                        .sweepIntervalMs(INTERVAL)
                        .sweepPaging(5, 0)
                        .build();
        // 128 key groups (Flink's default maximum parallelism): the state phase crosses them.
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new ReconcileOperator(settings), RowChange::routingKey, Types.STRING, 128, 1, 0);
    }

    static ReconcileOperator operator(
            KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> h) {
        return (ReconcileOperator) h.getOneInputOperator();
    }

    /** Loads the documents into MySQL and a checked operator; returns it with no sweep run yet. */
    static KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> loaded(String url)
            throws Exception {
        List<RowChange> changes = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            changes.add(upsert(i, 100 + i));
        }
        try (Connection conn = TestMySql.connect(url)) {
            SchemaManager.createTables(conn, MAPPING);
            conn.setAutoCommit(false);
            new ChangeApplier(MAPPING).apply(conn, changes);
            conn.commit();
        }
        var h = harness(url);
        h.open();
        for (RowChange c : changes) {
            h.processElement(c, 0);
        }
        h.snapshot(1, 1);
        h.notifyOfCompletedCheckpoint(1);
        advance(h, 2_000);
        assertThat(verdicts(h)).as("every key read back equal").isEmpty();
        assertThat(operator(h).sweepCursor()).as("no sweep before its interval").isNull();
        return h;
    }

    /**
     * Ticks until the running sweep's cursor satisfies {@code until}, taking a checkpoint after
     * every firing; returns the number of firings.
     */
    static int tickUntil(
            KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> h,
            java.util.function.Predicate<SweepCursor> until)
            throws Exception {
        int firings = 0;
        long checkpoint = 10;
        while (operator(h).sweepCursor() == null || !until.test(operator(h).sweepCursor())) {
            h.setProcessingTime(h.getProcessingTime() + ReconcileOperator.TICK_MS);
            if (operator(h).sweepCursor() != null) {
                firings++;
                h.snapshot(checkpoint, checkpoint);
                h.notifyOfCompletedCheckpoint(checkpoint++);
            }
            assertThat(firings).as("the sweep reaches the point").isLessThan(200);
        }
        return firings;
    }

    @Test
    void aSweepRestoredMidMySqlPhaseContinuesFromItsCursor() throws Exception {
        String url = TestMySql.newDatabase("reconcile_sweep_mysql");
        var a = loaded(url);
        int firings =
                tickUntil(
                        a,
                        c ->
                                c.phase == SweepCursor.MYSQL
                                        && c.mysqlAfter != null
                                        && c.mysqlKeys >= 20);
        SweepCursor cursor = operator(a).sweepCursor();
        assertThat(firings)
                .as("state pages (60 keys, 5 per page) and MySQL pages take a firing each")
                .isGreaterThanOrEqualTo(13 + 4);
        assertThat(cursor.stateKeys).isEqualTo(KEYS);
        OperatorSubtaskState mid = a.snapshot(100, 100);
        a.close();

        // MySQL's key order is the string order of the key texts: k0 < k1 < k10 < … < k9.
        String before = "k0";
        String after = "k9";
        assertThat(before.compareTo(cursor.mysqlAfter)).isNegative();
        assertThat(after.compareTo(cursor.mysqlAfter)).isPositive();
        try (Connection conn = TestMySql.connect(url);
                Statement st = conn.createStatement()) {
            st.execute("UPDATE t SET price = price + 1 WHERE _id IN ('k0', 'k9')");
        }

        var b = harness(url);
        b.initializeState(mid);
        b.open();
        assertThat(operator(b).sweepCursor())
                .as("the restored operator holds the saved cursor")
                .isNotNull();
        assertThat(operator(b).sweepCursor().mysqlAfter).isEqualTo(cursor.mysqlAfter);
        advance(b, 4_000); // well below the interval: no new sweep starts meanwhile
        assertThat(operator(b).sweepCursor()).as("the continued sweep completed").isNull();
        assertThat(verdicts(b))
                .as("the continued sweep finds the row after its cursor, not the one before")
                .containsExactly("different " + after + " rows");
        advance(b, INTERVAL + 5_000);
        assertThat(verdicts(b))
                .as("the next sweep starts over and finds the row before the old cursor too")
                .containsExactly("different " + before + " rows", "different " + after + " rows");
        b.close();
    }

    @Test
    void aSweepRestoredMidStatePhaseFindsAMissingKeyAfterItsCursor() throws Exception {
        String url = TestMySql.newDatabase("reconcile_sweep_state");
        var a = loaded(url);
        tickUntil(a, c -> c.phase == SweepCursor.STATE && c.stateKeys >= 25);
        SweepCursor cursor = operator(a).sweepCursor();
        OperatorSubtaskState mid = a.snapshot(100, 100);
        a.close();

        // The state phase goes in (key group, routing key) order: pick a key on each side.
        Comparator<String> order =
                Comparator.<String>comparingInt(
                                k -> KeyGroupRangeAssignment.assignToKeyGroup(k, 128))
                        .thenComparing(k -> k);
        String cursorKey = cursor.stateAfter;
        String beforeKey = null;
        String afterKey = null;
        for (int i = 0; i < KEYS; i++) {
            String routingKey = upsert(i, 0).routingKey();
            int cmp = order.compare(routingKey, cursorKey);
            if (cmp < 0 && beforeKey == null) {
                beforeKey = routingKey;
            } else if (cmp > 0 && afterKey == null) {
                afterKey = routingKey;
            }
        }
        String beforeId = beforeKey.substring(beforeKey.indexOf('"') + 1, beforeKey.length() - 1);
        String afterId = afterKey.substring(afterKey.indexOf('"') + 1, afterKey.length() - 1);
        try (Connection conn = TestMySql.connect(url);
                Statement st = conn.createStatement()) {
            // Gone without a trace (no child rows, no tombstone): only the state knows the keys.
            for (String id : List.of(beforeId, afterId)) {
                st.execute("DELETE FROM t_tags WHERE t_id = '" + id + "'");
                st.execute("DELETE FROM t WHERE _id = '" + id + "'");
            }
        }

        var b = harness(url);
        b.initializeState(mid);
        b.open();
        assertThat(operator(b).sweepCursor().stateAfter).isEqualTo(cursorKey);
        advance(b, 6_000);
        assertThat(operator(b).sweepCursor()).as("the continued sweep completed").isNull();
        assertThat(verdicts(b))
                .as("the missing key after the state cursor is found, the one before is not")
                .containsExactly("missing " + afterId + " rows");
        advance(b, INTERVAL + 8_000);
        assertThat(verdicts(b))
                .as("the next sweep finds both")
                .containsExactlyInAnyOrder(
                        "missing " + afterId + " rows", "missing " + beforeId + " rows");
        b.close();
    }

    /**
     * Processes a snapshot-phase change of key k1 and advances one timer firing, for {@code ms}.
     */
    static void snapshotChangesFor(
            KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> h, long ms)
            throws Exception {
        long end = h.getProcessingTime() + ms;
        while (h.getProcessingTime() < end) {
            RowChange c = upsert(1, 101);
            c.snapshot = true;
            h.processElement(c, 0);
            h.setProcessingTime(h.getProcessingTime() + ReconcileOperator.TICK_MS);
        }
    }

    @Test
    void noSweepStartsWhileSnapshotChangesArrive() throws Exception {
        String url = TestMySql.newDatabase("reconcile_sweep_snapshot_start");
        var h = loaded(url);
        try (Connection conn = TestMySql.connect(url);
                Statement st = conn.createStatement()) {
            st.execute("UPDATE t SET price = price + 1 WHERE _id = 'k7'");
        }
        snapshotChangesFor(h, 3 * INTERVAL);
        assertThat(operator(h).sweepCursor())
                .as("three sweep intervals of snapshot changes: no sweep started")
                .isNull();
        assertThat(verdicts(h)).as("nothing swept, nothing found").isEmpty();

        advance(h, INTERVAL + 10_000);
        assertThat(verdicts(h))
                .as("a sweep interval after the last snapshot change the sweep ran")
                .containsExactly("different k7 rows");
        h.close();
    }

    @Test
    void aRunningSweepWaitsAtItsCursorWhileSnapshotChangesArrive() throws Exception {
        String url = TestMySql.newDatabase("reconcile_sweep_snapshot_pause");
        var h = loaded(url);
        tickUntil(h, c -> c.phase == SweepCursor.STATE && c.stateKeys >= 25);
        long stateKeys = operator(h).sweepCursor().stateKeys;
        String after = operator(h).sweepCursor().stateAfter;
        snapshotChangesFor(h, 2 * INTERVAL);
        assertThat(operator(h).sweepCursor()).as("the sweep is still open").isNotNull();
        assertThat(operator(h).sweepCursor().stateKeys)
                .as("no page while snapshot changes arrive")
                .isEqualTo(stateKeys);
        assertThat(operator(h).sweepCursor().stateAfter).isEqualTo(after);

        advance(h, INTERVAL + 10_000);
        assertThat(operator(h).sweepCursor())
                .as("the sweep went on from its cursor and completed")
                .isNull();
        h.close();
    }
}
