package io.dbtransfer.reverse;

import java.util.Objects;

/**
 * One binlog row change as the reverse job needs it: which document it touches (not the row's
 * values: the document is read again from MySQL), which transaction it belongs to, or which marker
 * it is. A Flink POJO (public fields, no-argument constructor).
 */
public final class ReverseEvent {

    /** The table the row belongs to ({@link ReverseMarkers#TABLE} for a marker). */
    public String table;

    /** Debezium's operation: {@code c}, {@code u}, {@code d} (or {@code r}). */
    public String op;

    /** Key text of the document the row belongs to ({@code _id} column), null for a marker. */
    public String documentKey;

    /** The marker's id for a marker row, else -1. */
    public long markerId = -1;

    /** Binlog file of the transaction's BEGIN (shared by every change of a transaction). */
    public String file;

    /** Binlog position of the transaction's BEGIN. */
    public long position;

    /** The transaction id when the source provides one, else null. */
    public String transactionId;

    public ReverseEvent() {}

    /** A change of a mapped table. */
    public static ReverseEvent row(
            String table,
            String op,
            String documentKey,
            String file,
            long position,
            String transactionId) {
        ReverseEvent e = new ReverseEvent();
        e.table = table;
        e.op = op;
        e.documentKey = documentKey;
        e.file = file;
        e.position = position;
        e.transactionId = transactionId;
        return e;
    }

    /** A marker row inserted into {@link ReverseMarkers#TABLE}. */
    public static ReverseEvent marker(long id, String file, long position, String transactionId) {
        ReverseEvent e = row(ReverseMarkers.TABLE, "c", null, file, position, transactionId);
        e.markerId = id;
        return e;
    }

    public boolean isMarker() {
        return markerId >= 0;
    }

    /** The transaction this change belongs to: its BEGIN position (and id when known). */
    public String transactionKey() {
        return file + ":" + position + (transactionId == null ? "" : "/" + transactionId);
    }

    /** Where the change's transaction starts in the binlog. */
    public BinlogPosition binlogPosition() {
        return new BinlogPosition(file, Math.max(4, position), null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReverseEvent e
                && markerId == e.markerId
                && position == e.position
                && Objects.equals(table, e.table)
                && Objects.equals(op, e.op)
                && Objects.equals(documentKey, e.documentKey)
                && Objects.equals(file, e.file)
                && Objects.equals(transactionId, e.transactionId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(table, op, documentKey, markerId, file, position, transactionId);
    }

    @Override
    public String toString() {
        return (isMarker() ? "marker " + markerId : op + " " + table + " " + documentKey)
                + " @"
                + transactionKey();
    }
}
