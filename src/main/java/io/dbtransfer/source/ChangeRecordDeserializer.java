package io.dbtransfer.source;

import io.dbtransfer.mapping.CanonicalValues;

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
 * <p>Versions: a change-stream event (and a snapshot record merged by backfill) carries its cluster
 * time, packed by {@link SourceVersion}. A plain snapshot record has no cluster time; it takes
 * {@code snapshotVersion}, the source's operation time read when the job was built. A snapshot read
 * happens after that moment, so it reflects every change up to it, and every change that follows it
 * in the stream has a later cluster time.
 */
public class ChangeRecordDeserializer implements DebeziumDeserializationSchema<ChangeRecord> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ChangeRecordDeserializer.class);

    private final long snapshotVersion;

    public ChangeRecordDeserializer(long snapshotVersion) {
        this.snapshotVersion = snapshotVersion;
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
        boolean snapshot = clusterTime == null;
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
                out.collect(
                        new ChangeRecord(
                                collection, key, ChangeOp.UPSERT, fullDocument, version, snapshot));
                return;
            case "delete":
                out.collect(
                        new ChangeRecord(collection, key, ChangeOp.DELETE, null, version, false));
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
