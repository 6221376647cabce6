package io.dbtransfer.sink;

import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.RowChange;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.dbtransfer.sink.SinkFixtures.delete;
import static io.dbtransfer.sink.SinkFixtures.upsert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Round trips of the committable and writer-state serializers, and XID naming. */
class XaStateSerializersTest {

    @Test
    void committableRoundTrip() throws Exception {
        XaCommittableSerializer s = new XaCommittableSerializer();
        XaCommittable c = new XaCommittable(XaTransactionId.of("job-1", 3, 42), 0x1234_5678_9abcL);
        XaCommittable back = s.deserialize(s.getVersion(), s.serialize(c));
        assertThat(back).isEqualTo(c);
        assertThat(back.markerToken()).isEqualTo(0x1234_5678_9abcL);
        assertThatThrownBy(() -> s.deserialize(99, s.serialize(c)))
                .hasMessageContaining("version 99");
    }

    @Test
    void writerStateRoundTripKeepsNullsAndLargeValues() throws Exception {
        RowChange odd = new RowChange();
        odd.table = "items";
        odd.key = "k";
        odd.version = Long.MIN_VALUE;
        odd.parent = new String[] {"k", null, "x".repeat(100_000)};
        odd.children = new ChildRows[] {new ChildRows("c", null)};
        RowChange repair = upsert("r", 4, 1, 1);
        repair.repair = true;
        XaWriterState state =
                new XaWriterState(
                        "dbt-0123456789abcdef",
                        List.of(upsert("a", -5, 3, 7), delete("b", 9), odd, repair));
        XaWriterStateSerializer s = new XaWriterStateSerializer();
        XaWriterState back = s.deserialize(s.getVersion(), s.serialize(state));
        assertThat(back).isEqualTo(state);
        assertThat(back.pending().get(2).collection).isNull();
        assertThat(back.pending().get(3).repair).isTrue();
        assertThat(back.pending().get(0).repair).isFalse();
        assertThat(back.prefix()).isEqualTo("dbt-0123456789abcdef");
        XaWriterState noPrefix = new XaWriterState(null, List.of());
        assertThat(s.deserialize(s.getVersion(), s.serialize(noPrefix))).isEqualTo(noPrefix);
    }

    @Test
    void heldSnapshotChangesRoundTripAsSnapshotChanges() throws Exception {
        RowChange a = upsert("a", 7, 3, 2);
        a.snapshot = true;
        RowChange b = delete("b", 9);
        b.snapshot = true;
        HeldSnapshotChanges held = new HeldSnapshotChanges(List.of(a, b));
        HeldSnapshotChangesSerializer s = new HeldSnapshotChangesSerializer();
        HeldSnapshotChanges back = s.deserialize(s.getVersion(), s.serialize(held));
        assertThat(back).isEqualTo(held);
        assertThat(back.changes()).allMatch(c -> c.snapshot);
        assertThatThrownBy(() -> s.deserialize(2, s.serialize(held)))
                .hasMessageContaining("version 2");
    }

    @Test
    void committableOfVersionOneIsStillReadAndHasNoMarker() throws Exception {
        // Version 1 wrote format id, gtrid and bqual, each length-prefixed, and no marker token.
        XaTransactionId xid = XaTransactionId.of("job-1", 3, 42);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeInt(xid.formatId());
            out.writeInt(xid.gtrid().length);
            out.write(xid.gtrid());
            out.writeInt(xid.bqual().length);
            out.write(xid.bqual());
        }
        XaCommittable back = new XaCommittableSerializer().deserialize(1, bytes.toByteArray());
        assertThat(back.xid()).isEqualTo(xid);
        assertThat(back.hasMarker()).isFalse();
    }

    @Test
    void writerStateOfVersionTwoIsStillReadWithoutAPrefix() throws Exception {
        // Version 2 wrote a count and the changes, each followed by its repair flag.
        RowChange repair = upsert("r", 4, 1, 1);
        repair.repair = true;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeInt(2);
            XaWriterStateSerializer.writeChange(out, upsert("a", 5, 1, 2));
            out.writeBoolean(false);
            XaWriterStateSerializer.writeChange(out, repair);
            out.writeBoolean(true);
        }
        XaWriterState back = new XaWriterStateSerializer().deserialize(2, bytes.toByteArray());
        assertThat(back.prefix()).isNull();
        assertThat(back.pending()).containsExactly(upsert("a", 5, 1, 2), repair);
        assertThat(back.pending().get(1).repair).isTrue();
    }

    @Test
    void writerStateOfVersionOneIsStillReadAndHoldsNoRepairs() throws Exception {
        // Version 1 wrote a count and the changes without the repair flag.
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeInt(2);
            XaWriterStateSerializer.writeChange(out, upsert("a", 5, 1, 2));
            XaWriterStateSerializer.writeChange(out, delete("b", 9));
        }
        XaWriterState back = new XaWriterStateSerializer().deserialize(1, bytes.toByteArray());
        assertThat(back.pending()).containsExactly(upsert("a", 5, 1, 2), delete("b", 9));
        assertThat(back.pending()).noneMatch(c -> c.repair);
        assertThat(back.prefix()).isNull();
    }

    @Test
    void xidsNameTheirSubtaskAndCheckpointOnlyForTheirOwnPrefix() {
        XaTransactionId xid = XaTransactionId.of("job", 2, 17);
        assertThat(xid.toSql())
                .isEqualTo(
                        "X'6a6f623a323a3137',X'64627472616e73666572'," + XaTransactionId.FORMAT_ID);
        assertThat(xid.subtaskIndex("job")).isEqualTo(2);
        assertThat(xid.checkpointId("job")).isEqualTo(17);
        assertThat(xid.subtaskIndex("jo")).isEqualTo(-1);
        assertThat(XaTransactionId.of("job:2", 1, 1).subtaskIndex("job")).isEqualTo(-1);
        XaTransactionId foreign = new XaTransactionId(1, xid.gtrid(), xid.bqual());
        assertThat(foreign.subtaskIndex("job")).isEqualTo(-1);
        assertThat(xid.toString()).startsWith("job:2:17/");
    }
}
