package io.dbtransfer.outputs;

import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.MismatchRecord;
import io.dbtransfer.model.RowChange;

import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * The JSON messages of the Kafka topics (schema in the README, section "Kafka topics"): pure
 * functions from the job's records to UTF-8 bytes, no Flink involved.
 */
public final class KafkaJson implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Compact JSON; 64-bit integers as plain numbers. */
    private static final JsonWriterSettings JSON =
            JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).indent(false).build();

    private final Mapping mapping;

    /** An encoder that names the columns of the mapping's tables. */
    public KafkaJson(Mapping mapping) {
        this.mapping = mapping;
    }

    /** The message key: {@code {"collection": …, "key": …}} — one partition per document. */
    public static byte[] messageKey(String collection, String key) {
        BsonDocument d = new BsonDocument();
        d.put("collection", string(collection));
        d.put("key", string(key));
        return bytes(d);
    }

    /** A changelog event: what the MySQL change sink receives for one source change. */
    public byte[] changelog(RowChange change) {
        TableSpec table = mapping.findTable(change.table);
        if (table == null) {
            throw new IllegalStateException(
                    "Changelog: table " + change.table + " is not in the job's mapping");
        }
        BsonDocument d = new BsonDocument();
        d.put("op", new BsonString(change.delete ? "delete" : "upsert"));
        d.put("collection", string(change.collection));
        d.put("table", string(change.table));
        d.put("key", string(change.key));
        d.put("version", new BsonInt64(change.version));
        d.put("repair", org.bson.BsonBoolean.valueOf(change.repair));
        d.put("row", row(table, change.parent));
        BsonDocument children = new BsonDocument();
        if (change.children != null) {
            for (ChildRows child : change.children) {
                TableSpec spec = mapping.findTable(child.table);
                if (spec == null) {
                    throw new IllegalStateException(
                            "Changelog: child table " + child.table + " is not in the mapping");
                }
                BsonArray rows = new BsonArray();
                for (String[] r : child.rows) {
                    rows.add(row(spec, r));
                }
                children.put(child.table, rows);
            }
        }
        d.put("children", children);
        return bytes(d);
    }

    /** A dead-letter event: the same fields as a row of {@code _dbtransfer_dlq}. */
    public static byte[] deadLetter(DeadLetter letter) {
        BsonDocument d = new BsonDocument();
        d.put("collection", string(letter.collection));
        d.put("key", string(letter.key));
        d.put("version", new BsonInt64(letter.version));
        d.put("field", string(letter.fieldPath));
        d.put("value", string(letter.valueExcerpt));
        d.put("expectedType", string(letter.expectedType));
        d.put("reason", string(letter.reason));
        d.put("action", string(letter.action));
        d.put("time", string(Instant.ofEpochMilli(letter.timeMillis).toString()));
        return bytes(d);
    }

    /** A mismatch event: the same fields as a row of {@code _dbtransfer_mismatch}. */
    public static byte[] mismatch(MismatchRecord m) {
        BsonDocument d = new BsonDocument();
        d.put("collection", string(m.collection));
        d.put("table", string(m.table));
        d.put("key", string(m.key));
        d.put("kind", string(m.kind));
        d.put("differingColumns", string(m.differingColumns));
        d.put("sourceVersion", new BsonInt64(m.sourceVersion));
        d.put("mysqlVersion", new BsonInt64(m.mysqlVersion));
        d.put("firstSeen", string(Instant.ofEpochMilli(m.firstSeenMillis).toString()));
        d.put("status", string(m.status));
        d.put("detectedBy", string(m.detectedBy));
        d.put("repairVersion", new BsonInt64(m.repairVersion));
        d.put("note", string(m.note));
        return bytes(d);
    }

    /** Column → canonical value text (null for SQL NULL), in the table's column order. */
    private static BsonDocument row(TableSpec table, String[] values) {
        BsonDocument row = new BsonDocument();
        List<?> columns = table.columns;
        if (values.length > columns.size()) {
            throw new IllegalStateException(
                    "Changelog: "
                            + values.length
                            + " values for the "
                            + columns.size()
                            + " columns of "
                            + table.name);
        }
        for (int i = 0; i < values.length; i++) {
            row.put(table.columns.get(i).name, string(values[i]));
        }
        return row;
    }

    private static BsonValue string(String s) {
        return s == null ? BsonNull.VALUE : new BsonString(s);
    }

    private static byte[] bytes(BsonDocument d) {
        return d.toJson(JSON).getBytes(StandardCharsets.UTF_8);
    }
}
