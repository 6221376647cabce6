package io.dbtransfer.sink;

import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.RowChange;

import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Version 3: the XA prefix (length-prefixed UTF-8, -1 = unknown), a count, then each pending {@link
 * RowChange} field by field, ending with its repair flag. Still read: version 2 (no prefix) and
 * version 1 (no prefix, no repair flag: its changes are no repairs).
 */
public final class XaWriterStateSerializer implements SimpleVersionedSerializer<XaWriterState> {

    private static final int VERSION = 3;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(XaWriterState state) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeString(out, state.prefix());
            out.writeInt(state.pending().size());
            for (RowChange c : state.pending()) {
                writeChange(out, c);
                out.writeBoolean(c.repair);
            }
        }
        return bytes.toByteArray();
    }

    @Override
    public XaWriterState deserialize(int version, byte[] serialized) throws IOException {
        if (version < 1 || version > VERSION) {
            throw new IOException("Unknown XaWriterState serializer version " + version);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            String prefix = version >= 3 ? readString(in) : null;
            int n = in.readInt();
            List<RowChange> pending = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                RowChange c = readChange(in);
                if (version >= 2) {
                    c.repair = in.readBoolean();
                }
                pending.add(c);
            }
            return new XaWriterState(prefix, pending);
        }
    }

    static void writeChange(DataOutputStream out, RowChange c) throws IOException {
        writeString(out, c.collection);
        writeString(out, c.table);
        writeString(out, c.key);
        out.writeLong(c.version);
        out.writeBoolean(c.delete);
        writeStrings(out, c.parent);
        if (c.children == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(c.children.length);
            for (ChildRows cr : c.children) {
                writeString(out, cr.table);
                if (cr.rows == null) {
                    out.writeInt(-1);
                } else {
                    out.writeInt(cr.rows.length);
                    for (String[] row : cr.rows) {
                        writeStrings(out, row);
                    }
                }
            }
        }
    }

    static RowChange readChange(DataInputStream in) throws IOException {
        RowChange c = new RowChange();
        c.collection = readString(in);
        c.table = readString(in);
        c.key = readString(in);
        c.version = in.readLong();
        c.delete = in.readBoolean();
        c.parent = readStrings(in);
        int children = in.readInt();
        if (children >= 0) {
            c.children = new ChildRows[children];
            for (int i = 0; i < children; i++) {
                String table = readString(in);
                int rows = in.readInt();
                String[][] data = null;
                if (rows >= 0) {
                    data = new String[rows][];
                    for (int r = 0; r < rows; r++) {
                        data[r] = readStrings(in);
                    }
                }
                c.children[i] = new ChildRows(table, data);
            }
        }
        return c;
    }

    private static void writeStrings(DataOutputStream out, String[] values) throws IOException {
        if (values == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(values.length);
        for (String v : values) {
            writeString(out, v);
        }
    }

    private static String[] readStrings(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        String[] values = new String[n];
        for (int i = 0; i < n; i++) {
            values[i] = readString(in);
        }
        return values;
    }

    // Length-prefixed UTF-8 (writeUTF stops at 64 KB); -1 = null.
    private static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
