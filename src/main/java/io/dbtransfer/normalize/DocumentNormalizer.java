package io.dbtransfer.normalize;

import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.source.ChangeOp;
import io.dbtransfer.source.ChangeRecord;

import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.json.JsonParseException;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a MongoDB change into the rows MySQL must hold for that key. Pure: no Flink, no I/O.
 *
 * <p>Each column is filled from its source path (dotted paths reach into nested documents). A
 * column whose source path is {@value #REST_OF_DOCUMENT} receives, as one JSON object, every
 * top-level field no other column consumed — so no field is ever dropped silently. The first column
 * is the key column, filled from {@code _id}.
 */
public final class DocumentNormalizer implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Source path of the column that receives every otherwise unmapped field. */
    public static final String REST_OF_DOCUMENT = "*";

    private static final int EXCERPT_CHARS = 200;

    private final Mapping mapping;
    private final MismatchPolicy policy;

    public DocumentNormalizer(Mapping mapping, MismatchPolicy policy) {
        this.mapping = mapping;
        this.policy = policy;
    }

    public Mapping mapping() {
        return mapping;
    }

    /** Normalizes one change; never throws for bad data (that becomes a dead letter). */
    public NormalizeResult normalize(ChangeRecord record, long nowMillis) {
        List<DeadLetter> deadLetters = new ArrayList<>();
        TableSpec table = mapping.tableFor(record.collection);
        if (table == null) {
            deadLetters.add(
                    letter(
                            record,
                            "",
                            null,
                            "",
                            "collection '" + record.collection + "' has no mapping",
                            nowMillis));
            return new NormalizeResult(null, deadLetters);
        }
        BsonValue id;
        try {
            id = CanonicalValues.parseCanonicalJson(record.key);
        } catch (JsonParseException | IllegalArgumentException e) {
            deadLetters.add(
                    letter(
                            record,
                            "_id",
                            null,
                            "",
                            "unreadable key: " + e.getMessage(),
                            nowMillis));
            return new NormalizeResult(null, deadLetters);
        }
        String[] keyValues;
        try {
            keyValues = new String[] {keyValue(id, table.columns.get(0).type)};
        } catch (CanonicalValues.MismatchException e) {
            deadLetters.add(
                    letter(
                            record,
                            "_id",
                            id,
                            table.columns.get(0).type.toSql(),
                            e.getMessage(),
                            nowMillis));
            return new NormalizeResult(null, deadLetters);
        }
        if (record.op == ChangeOp.DELETE) {
            return new NormalizeResult(
                    RowChange.delete(
                            record.collection, table.name, record.key, record.version, keyValues),
                    deadLetters);
        }
        BsonDocument document;
        try {
            document = BsonDocument.parse(record.document);
        } catch (RuntimeException e) {
            deadLetters.add(
                    letter(
                            record,
                            "",
                            null,
                            "document",
                            "document is not valid Extended JSON: " + e.getMessage(),
                            nowMillis));
            return new NormalizeResult(null, deadLetters);
        }
        int extraIndex = -1;
        // What no column consumed: a copy of the document minus every successfully mapped path.
        BsonDocument rest = document.clone();
        rest.remove("_id");
        String[] values = new String[table.columns.size()];
        values[0] = keyValues[0];
        boolean skip = false;
        for (int i = 1; i < table.columns.size(); i++) {
            ColumnSpec column = table.columns.get(i);
            if (REST_OF_DOCUMENT.equals(column.sourcePath)) {
                extraIndex = i;
                continue;
            }
            BsonValue value = resolve(document, column.sourcePath);
            try {
                values[i] = CanonicalValues.fromBson(value, column.type);
                removePath(rest, column.sourcePath);
            } catch (CanonicalValues.MismatchException e) {
                boolean keep = policy == MismatchPolicy.NULL_AND_KEEP_IN_EXTRA && hasExtra(table);
                deadLetters.add(
                        new DeadLetter(
                                record.collection,
                                record.key,
                                column.sourcePath,
                                CanonicalValues.excerpt(value, EXCERPT_CHARS),
                                column.type.toSql(),
                                e.getMessage(),
                                keep ? DeadLetter.ACTION_KEPT_IN_EXTRA : DeadLetter.ACTION_SKIPPED,
                                record.version,
                                nowMillis));
                if (keep) {
                    values[i] = null;
                } else {
                    skip = true;
                }
            }
        }
        if (skip) {
            return new NormalizeResult(null, deadLetters);
        }
        if (extraIndex >= 0) {
            values[extraIndex] = CanonicalValues.json(rest);
        } else if (!rest.isEmpty()) {
            deadLetters.add(
                    new DeadLetter(
                            record.collection,
                            record.key,
                            String.join(",", rest.keySet()),
                            CanonicalValues.excerpt(rest, EXCERPT_CHARS),
                            "a mapped column",
                            "fields not mapped to any column and the table has no extra column",
                            DeadLetter.ACTION_SKIPPED,
                            record.version,
                            nowMillis));
            return new NormalizeResult(null, deadLetters);
        }
        return new NormalizeResult(
                RowChange.upsert(
                        record.collection,
                        table.name,
                        record.key,
                        record.version,
                        values,
                        new ChildRows[0]),
                deadLetters);
    }

    /** The key column's value for a document key. */
    public static String keyValue(BsonValue id, ColumnType keyType)
            throws CanonicalValues.MismatchException {
        switch (keyType.kind) {
            case VARCHAR:
            case CHAR:
                {
                    String text = CanonicalValues.keyText(id);
                    if (text.codePointCount(0, text.length()) > keyType.length) {
                        throw new CanonicalValues.MismatchException(
                                "key is longer than " + keyType.toSql());
                    }
                    return text;
                }
            default:
                return CanonicalValues.fromBson(id, keyType);
        }
    }

    private static boolean hasExtra(TableSpec table) {
        for (ColumnSpec c : table.columns) {
            if (REST_OF_DOCUMENT.equals(c.sourcePath)) {
                return true;
            }
        }
        return false;
    }

    /** Removes a dotted path; parents left empty by the removal are removed too. */
    static void removePath(BsonDocument document, String path) {
        int dot = path.indexOf('.');
        if (dot < 0) {
            document.remove(path);
            return;
        }
        BsonValue child = document.get(path.substring(0, dot));
        if (child != null && child.isDocument()) {
            BsonDocument sub = child.asDocument();
            boolean wasEmpty = sub.isEmpty();
            removePath(sub, path.substring(dot + 1));
            if (sub.isEmpty() && !wasEmpty) {
                document.remove(path.substring(0, dot));
            }
        }
    }

    /** The value at a dotted path, or {@code null} when any step is missing or not a document. */
    static BsonValue resolve(BsonDocument document, String path) {
        BsonValue current = document;
        int start = 0;
        while (true) {
            if (!current.isDocument()) {
                return null;
            }
            int dot = path.indexOf('.', start);
            String step = dot < 0 ? path.substring(start) : path.substring(start, dot);
            current = current.asDocument().get(step);
            if (current == null || dot < 0) {
                return current;
            }
            start = dot + 1;
        }
    }

    private static DeadLetter letter(
            ChangeRecord record,
            String path,
            BsonValue value,
            String expected,
            String reason,
            long nowMillis) {
        return new DeadLetter(
                record.collection,
                record.key,
                path,
                value == null
                        ? (record.document == null
                                ? ""
                                : record.document.substring(
                                        0, Math.min(EXCERPT_CHARS, record.document.length())))
                        : CanonicalValues.excerpt(value, EXCERPT_CHARS),
                expected,
                reason,
                DeadLetter.ACTION_SKIPPED,
                record.version,
                nowMillis);
    }
}
