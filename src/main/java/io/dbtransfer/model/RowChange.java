package io.dbtransfer.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * What one source change means for MySQL: the full set of rows a document key must have after it
 * (parent row plus child rows), or the removal of that key with all its children.
 *
 * <p>Values are canonical strings aligned with the {@link io.dbtransfer.mapping.TableSpec} columns
 * (see {@link io.dbtransfer.mapping.ColumnType.Kind}); {@code null} is SQL NULL. A Flink POJO: only
 * strings, arrays and primitives, so no Kryo is involved.
 */
public class RowChange {

    /** Source collection. */
    public String collection;

    /** Parent table. */
    public String table;

    /** Canonical document key (routing key together with the collection). */
    public String key;

    /** Source version (see {@link io.dbtransfer.model.SourceVersion}). */
    public long version;

    /**
     * True for a delete: {@link #parent} holds only the key columns, {@link #children} is empty.
     */
    public boolean delete;

    /** Parent row values (all columns for an upsert; the key columns for a delete). */
    public String[] parent;

    /** Child row sets, one per child table of the parent table (in the table spec's order). */
    public ChildRows[] children;

    /**
     * True for a repair made by reconciliation from the document re-read from MongoDB: the sink
     * applies it whatever version MySQL holds (MySQL's version may be the corruption being
     * repaired); later changes are guarded against its version as usual.
     */
    public boolean repair;

    /**
     * True for a change read by the snapshot phase (a chunk's read, with what its backfill merged
     * in). Such a change may be read again after a failure, and a document deleted between the two
     * reads is named by neither the re-read nor the stream; so no sink may make it durable before
     * the checkpoint after it completed (the idempotent sink holds it until then).
     */
    public boolean snapshot;

    public RowChange() {}

    public static RowChange upsert(
            String collection,
            String table,
            String key,
            long version,
            String[] parent,
            ChildRows[] children) {
        RowChange c = new RowChange();
        c.collection = collection;
        c.table = table;
        c.key = key;
        c.version = version;
        c.delete = false;
        c.parent = parent;
        c.children = children;
        return c;
    }

    public static RowChange delete(
            String collection, String table, String key, long version, String[] keyValues) {
        RowChange c = new RowChange();
        c.collection = collection;
        c.table = table;
        c.key = key;
        c.version = version;
        c.delete = true;
        c.parent = keyValues;
        c.children = new ChildRows[0];
        return c;
    }

    /**
     * The routing key built last, and the collection and key it was built from: keyBy, the keyed
     * operators and reconcile ask one instance for it several times. Transient, so Flink's POJO
     * serializer (which skips transient fields) and its state layout do not see it; rebuilt when
     * either public field was reassigned since.
     */
    private transient String routingKey;

    private transient String routedCollection;
    private transient String routedKey;

    /** The key that routes every change of one document along one path. */
    public String routingKey() {
        if (routingKey == null || routedCollection != collection || routedKey != key) {
            routingKey = RoutingKey.of(collection, key);
            routedCollection = collection;
            routedKey = key;
        }
        return routingKey;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RowChange)) {
            return false;
        }
        RowChange that = (RowChange) o;
        return version == that.version
                && delete == that.delete
                && repair == that.repair
                && snapshot == that.snapshot
                && Objects.equals(collection, that.collection)
                && Objects.equals(table, that.table)
                && Objects.equals(key, that.key)
                && Arrays.equals(parent, that.parent)
                && Arrays.deepEquals(children, that.children);
    }

    @Override
    public int hashCode() {
        return Objects.hash(collection, table, key, version, delete, Arrays.hashCode(parent));
    }

    @Override
    public String toString() {
        return (repair ? "REPAIR " : "")
                + (delete ? "DELETE " : "UPSERT ")
                + table
                + "/"
                + key
                + "@"
                + version
                + " "
                + Arrays.toString(parent)
                + (children == null || children.length == 0 ? "" : Arrays.toString(children));
    }
}
