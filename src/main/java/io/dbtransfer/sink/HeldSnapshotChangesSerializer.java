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
 * Version 1: a count, then each change as {@link XaWriterStateSerializer} writes it; every change
 * read back is a snapshot-phase change.
 */
final class HeldSnapshotChangesSerializer
        implements SimpleVersionedSerializer<HeldSnapshotChanges> {

    private static final int VERSION = 1;

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
