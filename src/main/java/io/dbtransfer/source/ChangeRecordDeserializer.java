package io.dbtransfer.source;

import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.model.ChangeOp;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.SourceVersion;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Field;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.util.Collector;

import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns Flink CDC's MongoDB change records (snapshot reads and change-stream events) into {@link
 * ChangeRecord}s.
 *
 * <p><b>Versions.</b> Every record of the snapshot phase — a document read from its chunk, and a
 * change that Flink CDC's backfill ({@code rewriteOutputBuffer}) merged into the chunk's output
 * because it happened while the chunk was read; both arrive with {@code source.snapshot = "true"} —
 * takes {@code snapshotVersion} (T0): the source's operation time read when the job was built,
 * before any chunk's low watermark. A change-stream event takes its cluster time, packed by {@link
 * SourceVersion}. Why this order is right in every run:
 *
 * <ul>
 *   <li>A snapshot record holds its document as of its chunk's high watermark H (or later: a
 *       backfilled update's post-image is looked up after the change). The stream emits a change
 *       only if it lies after the H of the chunk holding its key, so it carries a cluster time
 *       {@code > H >= T0} and wins, and its post-image is looked up after the chunk was read. No
 *       stream event at or below T0 reaches the sink for a key that has a snapshot record.
 *   <li>A chunk read again after a failover (its records reached MySQL, the checkpoint that marks
 *       it finished did not complete) yields records at T0 again: they tie with the first read, and
 *       an equal version overwrites (sink and reconcile), so the later read wins. A backfilled
 *       record used to keep its cluster time {@code t_b > T0}; an idempotent sink committed it, and
 *       after the restore the re-read record (the document changed again since) at {@code T0 < t_b}
 *       was dropped while the stream resumed after the new H: stale for good ({@code
 *       SnapshotFailoverITCase}). Exactly-once rolled the first read back, so it did not show.
 *   <li>Stream events never precede a re-read of their key's chunk at parallelism &gt; 1: Flink CDC
 *       starts the stream only after a checkpoint that has every chunk finished has completed, so
 *       every later restore has them finished. At parallelism 1 it skips that wait; in idempotent
 *       mode a failure right after the snapshot can then re-read chunks at T0 below stream versions
 *       already in MySQL (inferred from {@code SnapshotSplitAssigner}, not reproduced):
 *       reconciliation's read-back reports such a key (MySQL newer, not converging) and {@code
 *       reconcile.repair} rewrites it.
 *   <li>A restore from a savepoint (or a re-run {@code main()} under HA) computes a new T0' in
 *       {@code MigrationJob.build}. That is sound: T0' is at or above every version already written
 *       (all earlier snapshot versions and every change seen so far), so chunks not yet finished in
 *       the savepoint are re-read at T0' and win over what their first read left; finished chunks
 *       are not read again; their keys' stream events lie after their H.
 *   <li>A document deleted between a chunk's first read and its re-read: neither the re-read nor
 *       the stream (the delete precedes the new H) mentions it again, so in idempotent mode the
 *       first read's row stays. No version can fix that; reconciliation's sweep finds the row
 *       ({@code extra}) and {@code reconcile.repair} deletes it. Exactly-once rolls it back.
 * </ul>
 */
public class ChangeRecordDeserializer implements DebeziumDeserializationSchema<ChangeRecord> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ChangeRecordDeserializer.class);

    private final long snapshotVersion;

    /** Restores DBPointer values of the documents ({@code null}: not done, e.g. in tests). */
    private final DbPointerRestorer pointers;

    public ChangeRecordDeserializer(long snapshotVersion) {
        this(snapshotVersion, null);
    }

    public ChangeRecordDeserializer(long snapshotVersion, DbPointerRestorer pointers) {
        this.snapshotVersion = snapshotVersion;
        this.pointers = pointers;
    }

    @Override
    public void deserialize(SourceRecord record, Collector<ChangeRecord> out) {
        Object v = record.value();
        if (!(v instanceof Struct)) {
            return;
        }
        Struct value = (Struct) v;
        if (field(value, "operationType") == null) {
            return; // heartbeat or watermark
        }
        String operation = value.getString("operationType");
        Struct ns = (Struct) get(value, "ns");
        String collection = ns == null ? null : (String) get(ns, "coll");
        String documentKey = (String) get(value, "documentKey");
        if (collection == null || documentKey == null) {
            LOG.warn(
                    "Ignoring a '{}' event without namespace or document key (topic {})",
                    operation,
                    record.topic());
            return;
        }
        BsonValue id = BsonDocument.parse(documentKey).get("_id");
        String key = CanonicalValues.canonicalJson(id);
        String clusterTime = (String) get(value, "clusterTime");
        // Snapshot phase (a read or a backfilled change): the snapshot version, never the
        // backfilled change's cluster time — see the class comment.
        boolean snapshot = clusterTime == null || isSnapshotPhase(value);
        long version = snapshot ? snapshotVersion : parseClusterTime(clusterTime);
        String fullDocument = (String) get(value, "fullDocument");
        switch (operation) {
            case "insert":
            case "replace":
            case "update":
                if (fullDocument == null) {
                    // Update lookup found no document: it was deleted before the lookup, and the
                    // delete follows in the stream. Never turn this into an empty row.
                    LOG.info(
                            "{} of {}/{} at {} has no post-image (deleted before lookup); the"
                                    + " following delete removes it",
                            operation,
                            collection,
                            key,
                            SourceVersion.format(version));
                    return;
                }
                if (pointers != null) {
                    fullDocument = pointers.restore(collection, id, fullDocument);
                }
                out.collect(
                        new ChangeRecord(
                                collection, key, ChangeOp.UPSERT, fullDocument, version, snapshot));
                return;
            case "delete":
                out.collect(
                        new ChangeRecord(
                                collection, key, ChangeOp.DELETE, null, version, snapshot));
                return;
            default:
                LOG.warn(
                        "Ignoring '{}' event on collection {} at {}: DBtransfer applies insert,"
                                + " update, replace and delete only",
                        operation,
                        collection,
                        SourceVersion.format(version));
        }
    }

    /**
     * True for a record of a chunk's output: Flink CDC marks every one of them, backfilled changes
     * included, with {@code source.snapshot = "true"}; change-stream events are not marked.
     */
    static boolean isSnapshotPhase(Struct value) {
        Struct source = (Struct) get(value, "source");
        return source != null && "true".equals(get(source, "snapshot"));
    }

    /** Parses {@code {"$timestamp": {"t": …, "i": …}}} into a version. */
    static long parseClusterTime(String clusterTime) {
        BsonTimestamp ts = BsonDocument.parse("{\"t\": " + clusterTime + "}").getTimestamp("t");
        return SourceVersion.of(ts.getTime() & 0xFFFFFFFFL, ts.getInc() & 0xFFFFFFFFL);
    }

    private static Field field(Struct s, String name) {
        return s.schema().field(name);
    }

    private static Object get(Struct s, String name) {
        return field(s, name) == null ? null : s.get(name);
    }

    @Override
    public TypeInformation<ChangeRecord> getProducedType() {
        return TypeInformation.of(ChangeRecord.class);
    }
}
