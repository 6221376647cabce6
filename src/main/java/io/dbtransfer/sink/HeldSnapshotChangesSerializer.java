package io.dbtransfer.sink;

import io.dbtransfer.model.RowChange;

import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Version 100: a count, then each change as {@link XaWriterStateSerializer} writes it; every change
 * read back is a snapshot-phase change. The version is far from {@link XaCommittableSerializer}'s
 * (1, 2): both sinks' committers share one operator uid, so each refuses the other's committables
 * instead of misreading them when {@code sink.delivery-guarantee} changes across a restore.
 */
final class HeldSnapshotChangesSerializer
        implements SimpleVersionedSerializer<HeldSnapshotChanges> {

    static final int VERSION = 100;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(HeldSnapshotChanges held) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(held.changes().size());
            for (RowChange c : held.changes()) {
                XaWriterStateSerializer.writeChange(out, c);
            }
        }
        return bytes.toByteArray();
    }

    @Override
    public HeldSnapshotChanges deserialize(int version, byte[] serialized) throws IOException {
        if (version == 1 || version == 2) {
            throw new IOException(
                    "sink.delivery-guarantee was changed across a restore: the savepoint or"
                            + " checkpoint holds the exactly-once sink's XA branches to commit,"
                            + " which the idempotent sink cannot finish. Restore with"
                            + " sink.delivery-guarantee: exactly-once (the mode it was taken with).");
        }
        if (version != VERSION) {
            throw new IOException("Unknown HeldSnapshotChanges serializer version " + version);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            int n = in.readInt();
            List<RowChange> changes = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                RowChange c = XaWriterStateSerializer.readChange(in);
                c.snapshot = true;
                changes.add(c);
            }
            return new HeldSnapshotChanges(changes);
        }
    }
}
