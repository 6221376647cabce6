package io.dbtransfer.reconcile;

import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.hashing.RowHasher;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.ColumnType.Kind;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.MismatchRecord;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.sink.ChangeApplier;
import io.dbtransfer.testing.TestMySql;

import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reconcile operator in a keyed test harness against a real MariaDB/MySQL: every change passes
 * through to the main output; rows are written with the sink's own {@link ChangeApplier}, corrupted
 * behind the operator's back with plain SQL, and every corruption must be reported on the side
 * output with the right kind and key — the same by an operator restored from a snapshot.
 */
class ReconcileOperatorITCase {

    private static ColumnSpec col(String name, ColumnType type) {
        return new ColumnSpec(name, type, name);
    }

    static final TableSpec TAGS =
            new TableSpec(
                    "t_tags",
                    List.of(
                            col("t_id", ColumnType.varchar(20)),
                            col("_idx", ColumnType.of(Kind.INT)),
                            col("tag", ColumnType.of(Kind.TEXT))),
                    2);

    static final TableSpec T =
            new TableSpec(
                    "t",
                    List.of(
                            col("_id", ColumnType.varchar(20)),
                            col("price", ColumnType.decimal(10, 2)),
                            col("at", ColumnType.of(Kind.DATETIME)),
                            col("doc", ColumnType.of(Kind.JSON)),
                            col("name", ColumnType.of(Kind.TEXT))),
                    1,
                    List.of(TAGS));

    static final Mapping MAPPING = new Mapping(Map.of("c", T));

    static RowChange upsert(int i, long version) {
        String id = "k" + i;
        List<String[]> tags = new ArrayList<>();
        for (int t = 0; t <= i % 3; t++) {
            tags.add(new String[] {id, Integer.toString(t), "tag-" + i + "-" + t});
        }
        return RowChange.upsert(
                "c",
                "t",
                "\"" + id + "\"",
                version,
                new String[] {
                    id,
                    i + ".50",
                    "2024-03-0" + (1 + i % 9) + " 10:11:12.345",
                    "{\"z\": " + i + ", \"a\": {\"y\": null, \"b\": [1, 2.5]}}",
                    i % 4 == 0 ? null : "naïve 😀 " + i
                },
                new ChildRows[] {new ChildRows("t_tags", tags.toArray(new String[0][]))});
    }

    static ReconcileSettings settings(String url) {
        return ReconcileSettings.builder(url, MAPPING)
                .checkDelayMs(0)
                .recheckDelayMs(100)
                .maxBackoffMs(400)
                .maxRechecks(2)
                .sweepIntervalMs(10_000)
                .build();
    }

    static KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> harness(String url)
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new ReconcileOperator(settings(url)), RowChange::routingKey, Types.STRING);
    }

    /** Moves processing time forward in ticks, so that every due check and recheck runs. */
    static void advance(
            KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> h, long ms)
            throws Exception {
        long end = h.getProcessingTime() + ms;
        while (h.getProcessingTime() < end) {
            h.setProcessingTime(h.getProcessingTime() + ReconcileOperator.TICK_MS);
        }
    }

    /** The mismatch records of the side output so far. */
    static List<MismatchRecord> mismatches(
            KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> h) {
        List<MismatchRecord> out = new ArrayList<>();
        var queue = h.getSideOutput(ReconcileOperator.MISMATCHES);
        if (queue != null) {
            for (StreamRecord<MismatchRecord> r : queue) {
                out.add(r.getValue());
            }
        }
        return out;
    }

    static void clearMismatches(
            KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> h) {
        var queue = h.getSideOutput(ReconcileOperator.MISMATCHES);
        if (queue != null) {
            queue.clear();
        }
    }

    static TreeSet<String> verdicts(
            KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange> h) {
        TreeSet<String> out = new TreeSet<>();
        for (MismatchRecord m : mismatches(h)) {
            out.add(m.kind + " " + m.key + " " + m.differingColumns);
        }
        return out;
    }

    @Test
    void readsBackAfterCommitSweepsCorruptionsAndKeepsItsVerdictsAcrossASnapshot()
            throws Exception {
        String url = TestMySql.newDatabase("reconcile_op");
        List<RowChange> changes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            changes.add(upsert(i, 100 + i));
        }
        changes.add(RowChange.delete("c", "t", "\"k19\"", 300, new String[] {"k19"}));
        try (Connection conn = TestMySql.connect(url)) {
            SchemaManager.createTables(conn, MAPPING);
            conn.setAutoCommit(false);
            // One change per key and call, as the sink's buffer hands them over.
            for (RowChange c : changes) {
                new ChangeApplier(MAPPING).apply(conn, List.of(c));
                conn.commit();
            }
        }

        var a = harness(url);
        a.open();
        for (RowChange c : changes) {
            a.processElement(c, 0);
        }
        // k20 reaches the operator but never MySQL: a lost write.
        a.processElement(upsert(20, 120), 0);
        List<RowChange> passed = new ArrayList<>(changes);
        passed.add(upsert(20, 120));
        assertThat(a.extractOutputValues())
                .as("every change passes through to the sink, unchanged and in order")
                .containsExactlyElementsOf(passed);
        a.snapshot(1, 1);
        advance(a, 2_000);
        assertThat(verdicts(a)).as("nothing is due before the checkpoint completed").isEmpty();
        a.notifyOfCompletedCheckpoint(1);
        advance(a, 3_000);
        assertThat(verdicts(a))
                .as("read back after commit: everything equal except the lost write")
                .containsExactly("missing k20 rows");
        clearMismatches(a);

        OperatorSubtaskState snapshot = a.snapshot(2, 2);
        a.notifyOfCompletedCheckpoint(2);

        try (Connection conn = TestMySql.connect(url);
                Statement st = conn.createStatement()) {
            st.execute("UPDATE t SET price = price + 1 WHERE _id = 'k1'");
            st.execute("DELETE FROM t WHERE _id = 'k2'");
            st.execute("DELETE FROM t_tags WHERE t_id = 'k3' AND _idx = 0");
            st.execute("INSERT INTO t_tags VALUES ('k5', 7, 'added')");
            st.execute("UPDATE t SET _src_version = _src_version - 1 WHERE _id = 'k4'");
            st.execute(
                    "INSERT INTO t (_id, price, at, doc, name, _src_version)"
                            + " VALUES ('k99', 1.00, NULL, NULL, 'extra', 5)");
            st.execute("INSERT INTO t_tags VALUES ('k19', 0, 'orphan')");
        }
        TreeSet<String> expected =
                new TreeSet<>(
                        List.of(
                                "different k1 rows",
                                "missing k2 parent row",
                                "different k3 rows",
                                "different k4 _src_version",
                                "different k5 rows",
                                "extra k99 rows",
                                "extra k19 child rows"));

        advance(a, 10_000 + 5_000);
        assertThat(verdicts(a)).as("one sweep finds every corruption").isEqualTo(expected);
        advance(a, 10_000 + 5_000);
        assertThat(mismatches(a)).as("a reported key is not reported again").hasSize(7);
        assertThat(mismatches(a)).allMatch(m -> MismatchRecord.OPEN.equals(m.status));
        assertThat(a.extractOutputValues())
                .as("without repair nothing but the input reaches the sink")
                .hasSize(passed.size());
        a.close();

        var b = harness(url);
        b.initializeState(snapshot);
        b.open();
        advance(b, 10_000 + 5_000);
        assertThat(verdicts(b))
                .as("the restored operator reaches the same verdicts")
                .isEqualTo(expected);
        b.close();
    }

    static final TableSpec N =
            new TableSpec(
                    "n",
                    List.of(
                            col("_id", ColumnType.of(Kind.BIGINT)),
                            col("v", ColumnType.of(Kind.INT))),
                    1);

    /**
     * Int64 {@code _id}s whose values fit an Int32: the MySQL key text alone fits both types, and
     * with two subtasks the Int32 form of a key often belongs to the other subtask. A sweep must
     * neither report such rows as extra on the subtask without state nor miss a real extra row.
     */
    @Test
    void sweepOfIntegerKeysOverTwoSubtasksClaimsEachRowOnce() throws Exception {
        String url = TestMySql.newDatabase("reconcile_int");
        Mapping mapping = new Mapping(Map.of("nums", N));
        List<RowChange> changes = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            changes.add(
                    RowChange.upsert(
                            "nums",
                            "n",
                            "{\"$numberLong\": \"" + i + "\"}",
                            100 + i,
                            new String[] {Integer.toString(i), Integer.toString(i * 10)},
                            new ChildRows[0]));
        }
        try (Connection conn = TestMySql.connect(url)) {
            SchemaManager.createTables(conn, mapping);
            conn.setAutoCommit(false);
            new ChangeApplier(mapping).apply(conn, changes);
            conn.commit();
        }
        ReconcileSettings settings =
                ReconcileSettings.builder(url, mapping)
                        .checkDelayMs(0)
                        .recheckDelayMs(100)
                        .maxBackoffMs(400)
                        .maxRechecks(2)
                        .sweepIntervalMs(10_000)
                        .build();
        List<KeyedOneInputStreamOperatorTestHarness<String, RowChange, RowChange>> subtasks =
                new ArrayList<>();
        for (int index = 0; index < 2; index++) {
            var h =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new ReconcileOperator(settings),
                            RowChange::routingKey,
                            Types.STRING,
                            128,
                            2,
                            index);
            h.open();
            subtasks.add(h);
        }
        int int32FormElsewhere = 0;
        for (RowChange c : changes) {
            int owner =
                    org.apache.flink.runtime.state.KeyGroupRangeAssignment
                            .assignKeyToParallelOperator(c.routingKey(), 128, 2);
            int int32Owner =
                    org.apache.flink.runtime.state.KeyGroupRangeAssignment
                            .assignKeyToParallelOperator(
                                    "nums\u0000{\"$numberInt\": \"" + c.parent[0] + "\"}", 128, 2);
            if (owner != int32Owner) {
                int32FormElsewhere++;
            }
            subtasks.get(owner).processElement(c, 0);
        }
        assertThat(int32FormElsewhere)
                .as("the data set has keys whose Int32 form belongs to the other subtask")
                .isPositive();
        for (var h : subtasks) {
            h.snapshot(1, 1);
            h.notifyOfCompletedCheckpoint(1);
        }
        for (var h : subtasks) {
            advance(h, 10_000 + 5_000);
        }
        for (var h : subtasks) {
            assertThat(verdicts(h)).as("every row is equal and claimed by its owner").isEmpty();
        }

        try (Connection conn = TestMySql.connect(url);
                Statement st = conn.createStatement()) {
            st.execute("INSERT INTO n (_id, v, _src_version) VALUES (77, 1, 5)");
            st.execute("UPDATE n SET v = -1 WHERE _id = 7");
        }
        for (var h : subtasks) {
            advance(h, 10_000 + 5_000);
        }
        TreeSet<String> all = new TreeSet<>();
        for (var h : subtasks) {
            all.addAll(verdicts(h));
        }
        assertThat(all)
                .as("a real extra row and a changed row are each reported once")
                .containsExactly("different 7 rows", "extra 77 rows");
        int reports = 0;
        for (var h : subtasks) {
            reports += mismatches(h).size();
            h.close();
        }
        assertThat(reports).isEqualTo(2);
    }

    /** Writes per-key state the way the reconcile operator did before its compact serializer. */
    static final class PojoStateWriter extends AbstractStreamOperator<Void>
            implements OneInputStreamOperator<RowChange, Void> {
        @Override
        public void processElement(StreamRecord<RowChange> element) throws Exception {
            RowChange c = element.getValue();
            getKeyedStateStore()
                    .getState(
                            new ValueStateDescriptor<>(
                                    ReconcileOperator.KEY_STATE.getName(),
                                    TypeInformation.of(KeyState.class)))
                    .update(
                            new KeyState(
                                    c.version,
                                    RowHasher.document(T, c.parent, c.children),
                                    (byte) 0));
        }
    }

    @Test
    void restoresStateThePojoSerializerWrote() throws Exception {
        String url = TestMySql.newDatabase("reconcile_pojo");
        try (Connection conn = TestMySql.connect(url)) {
            SchemaManager.createTables(conn, MAPPING);
        }
        var old =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new PojoStateWriter(), RowChange::routingKey, Types.STRING);
        old.open();
        old.processElement(upsert(1, 100), 0);
        OperatorSubtaskState snapshot = old.snapshot(1, 1);
        old.close();

        var restored = harness(url);
        restored.initializeState(snapshot);
        restored.open();
        advance(restored, 10_000 + 2_000);
        List<MismatchRecord> found = mismatches(restored);
        assertThat(found).hasSize(1);
        assertThat(found.get(0).key).isEqualTo("k1");
        assertThat(found.get(0).kind).isEqualTo(MismatchRecord.MISSING);
        assertThat(found.get(0).sourceVersion)
                .as("the version the POJO serializer wrote, read back")
                .isEqualTo(100);
        restored.close();
    }
}
