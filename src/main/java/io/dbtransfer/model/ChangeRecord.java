package io.dbtransfer.model;

import io.dbtransfer.source.ChangeRecordDeserializer;

import java.util.Objects;

/**
 * One change of one MongoDB document as DBtransfer sees it: the full post-image (or a delete) of a
 * key, with a version that grows per key.
 *
 * <p>A Flink POJO (public fields, no-arg constructor) so it travels between operators without Kryo.
 */
public class ChangeRecord {

    /** Collection name (without the database). */
    public String collection;

    /** Canonical key: the document's {@code _id} as canonical Extended JSON. */
    public String key;

    /** Upsert of the full post-image, or delete. */
    public ChangeOp op;

    /** The post-image as (relaxed) Extended JSON; {@code null} for deletes. */
    public String document;

    /**
     * Source version: {@code clusterTime.seconds << 32 | clusterTime.increment} for change-stream
     * events; for every snapshot-phase record (read, or backfilled change) the job's snapshot
     * version, below every later change of the key, equal for every read of the same snapshot (see
     * {@link ChangeRecordDeserializer}).
     */
    public long version;

    /** True when the record comes from the snapshot phase (a chunk read or a backfilled change). */
    public boolean snapshot;

    public ChangeRecord() {}

    public ChangeRecord(
            String collection,
            String key,
            ChangeOp op,
            String document,
            long version,
            boolean snapshot) {
        this.collection = collection;
        this.key = key;
        this.op = op;
        this.document = document;
        this.version = version;
        this.snapshot = snapshot;
    }

    public static ChangeRecord upsert(
            String collection, String key, String document, long version) {
        return new ChangeRecord(collection, key, ChangeOp.UPSERT, document, version, false);
    }

    public static ChangeRecord delete(String collection, String key, long version) {
        return new ChangeRecord(collection, key, ChangeOp.DELETE, null, version, false);
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
        if (this == o) {
            return true;
        }
        if (!(o instanceof ChangeRecord)) {
            return false;
        }
        ChangeRecord that = (ChangeRecord) o;
        return version == that.version
                && snapshot == that.snapshot
                && Objects.equals(collection, that.collection)
                && Objects.equals(key, that.key)
                && op == that.op
                && Objects.equals(document, that.document);
    }

    @Override
    public int hashCode() {
        return Objects.hash(collection, key, op, document, version, snapshot);
    }

    @Override
    public String toString() {
        return op + " " + collection + "/" + key + "@" + SourceVersion.format(version);
    }
}
