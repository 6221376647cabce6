package io.dbtransfer.reconcile;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * The serializer of {@link SweepCursor} in operator state. Every record starts with its format
 * version ({@link #FORMAT}); a later format must keep reading the earlier ones.
 */
public final class SweepCursorSerializer extends TypeSerializerSingleton<SweepCursor> {
    private static final long serialVersionUID = 1L;

    public static final SweepCursorSerializer INSTANCE = new SweepCursorSerializer();

    /** Record format written today. */
    static final int FORMAT = 1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public SweepCursor createInstance() {
        return new SweepCursor();
    }

    @Override
    public SweepCursor copy(SweepCursor from) {
        SweepCursor c = new SweepCursor(from.subtask, from.parallelism, from.startedAt);
        c.phase = from.phase;
        c.keyGroup = from.keyGroup;
        c.stateAfter = from.stateAfter;
        c.collection = from.collection;
        c.mysqlAfter = from.mysqlAfter;
        c.consistent = from.consistent;
        c.stateKeys = from.stateKeys;
        c.mysqlKeys = from.mysqlKeys;
        c.pages = from.pages;
        for (Map.Entry<String, Set<String>> e : from.idTypes.entrySet()) {
            for (String t : e.getValue()) {
                c.sawIdType(e.getKey(), t);
            }
        }
        return c;
    }

    @Override
    public SweepCursor copy(SweepCursor from, SweepCursor reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(SweepCursor c, DataOutputView out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(c.subtask);
        out.writeInt(c.parallelism);
        out.writeByte(c.phase);
        out.writeInt(c.keyGroup);
        writeNullable(out, c.stateAfter);
        writeNullable(out, c.collection);
        writeNullable(out, c.mysqlAfter);
        out.writeLong(c.startedAt);
        out.writeBoolean(c.consistent);
        out.writeLong(c.stateKeys);
        out.writeLong(c.mysqlKeys);
        out.writeLong(c.pages);
        out.writeInt(c.idTypes.size());
        for (Map.Entry<String, Set<String>> e : c.idTypes.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeInt(e.getValue().size());
            for (String t : e.getValue()) {
                out.writeUTF(t);
            }
        }
    }

    @Override
    public SweepCursor deserialize(DataInputView in) throws IOException {
        int format = in.readByte();
        if (format != 1) {
            throw new IOException(
                    "Unknown reconcile sweep cursor format "
                            + format
                            + " (this build reads format 1); restore with the build that wrote"
                            + " the checkpoint or a newer one");
        }
        SweepCursor c = new SweepCursor();
        c.subtask = in.readInt();
        c.parallelism = in.readInt();
        c.phase = in.readByte();
        c.keyGroup = in.readInt();
        c.stateAfter = readNullable(in);
        c.collection = readNullable(in);
        c.mysqlAfter = readNullable(in);
        c.startedAt = in.readLong();
        c.consistent = in.readBoolean();
        c.stateKeys = in.readLong();
        c.mysqlKeys = in.readLong();
        c.pages = in.readLong();
        int collections = in.readInt();
        for (int i = 0; i < collections; i++) {
            String collection = in.readUTF();
            int types = in.readInt();
            for (int t = 0; t < types; t++) {
                c.sawIdType(collection, in.readUTF());
            }
        }
        return c;
    }

    @Override
    public SweepCursor deserialize(SweepCursor reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    private static void writeNullable(DataOutputView out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            // writeUTF is limited to 64 KB; key texts can be longer (VARCHAR(…)/TEXT keys).
            byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static String readNullable(DataInputView in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public TypeSerializerSnapshot<SweepCursor> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Snapshot of the serializer (nothing to configure; record formats are versioned inline). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SweepCursor> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
