package io.dbtransfer.mapping;

import io.dbtransfer.normalize.DocumentNormalizer;

import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.UuidRepresentation;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Rebuilds a document from its parent row and child rows — the inverse of {@link
 * DocumentNormalizer} for values that fit their columns. Pure; used to prove that the mapping loses
 * nothing.
 *
 * <p>Typed columns come back as the BSON type their column kind stands for ({@code INT} → Int32,
 * {@code BIGINT} → Int64, {@code DATETIME} → Date, …), so compare in {@link #canonical canonical
 * form}, where numbers of equal value are equal. The {@code _id} is given by the caller (its BSON
 * type is not recoverable from a VARCHAR key column).
 */
public final class RowsToDocument {

    private RowsToDocument() {}

    /**
     * The document of one key.
     *
     * @param table the parent table spec
     * @param id the document's {@code _id}
     * @param parent the parent row, aligned with {@code table.columns}
     * @param childRows every row of that key per child table name (any order)
     */
    public static BsonDocument rebuild(
            TableSpec table, BsonValue id, String[] parent, Map<String, String[][]> childRows) {
        BsonDocument doc = new BsonDocument("_id", id);
        BsonValue rebuilt = object(table, parent, 1, childRows);
        for (Map.Entry<String, BsonValue> e : rebuilt.asDocument().entrySet()) {
            doc.put(e.getKey(), e.getValue());
        }
        return doc;
    }

    /**
     * The form two documents are compared in: keys sorted, and every finite number (Int32, Int64,
     * Double, Decimal128) as its plain decimal value — {@code 5}, {@code 5L}, {@code 5.0} and
     * {@code 5.0000} are the same number; the mapping converts between them only without loss.
     */
    public static String canonical(BsonDocument document) {
        return CanonicalValues.json(numbersByValue(document));
    }

    private static BsonValue numbersByValue(BsonValue value) {
        switch (value.getBsonType()) {
            case DOCUMENT:
                {
                    TreeMap<String, BsonValue> sorted = new TreeMap<>();
                    for (Map.Entry<String, BsonValue> e : value.asDocument().entrySet()) {
                        sorted.put(e.getKey(), numbersByValue(e.getValue()));
                    }
                    BsonDocument out = new BsonDocument();
                    sorted.forEach(out::append);
                    return out;
                }
            case ARRAY:
                {
                    BsonArray out = new BsonArray();
                    for (BsonValue v : value.asArray()) {
                        out.add(numbersByValue(v));
                    }
                    return out;
                }
            case INT32:
            case INT64:
                return number(BigDecimal.valueOf(value.asNumber().longValue()));
            case DOUBLE:
                {
                    double d = value.asDouble().getValue();
                    if (Double.isNaN(d) || Double.isInfinite(d) || (d == 0 && 1 / d < 0)) {
                        return value;
                    }
                    return number(new BigDecimal(Double.toString(d)));
                }
            case DECIMAL128:
                {
                    Decimal128 d = value.asDecimal128().getValue();
                    if (d.isNaN() || d.isInfinite() || CanonicalValues.isNegativeZero(d)) {
                        return value;
                    }
                    return number(d.bigDecimalValue());
                }
            default:
                return value;
        }
    }

    private static BsonValue number(BigDecimal d) {
        return new BsonDocument("#number", new BsonString(d.stripTrailingZeros().toPlainString()));
    }

    /** The document (or array element) one row stands for, with its child arrays. */
    private static BsonValue object(
            TableSpec table, String[] row, int firstColumn, Map<String, String[][]> childRows) {
        BsonValue result = new BsonDocument();
        int extra = TableSpec.extraIndex(table);
        if (extra >= 0 && row[extra] != null) {
            BsonDocument rest =
                    BsonDocument.parse(row[extra]); // relaxed JSON of what no column took
            if (table.arrayPath != null
                    && rest.size() == 1
                    && rest.containsKey(ColumnSpec.ELEMENT)) {
                result = rest.get(ColumnSpec.ELEMENT);
            } else {
                result = rest;
            }
        }
        for (int i = firstColumn; i < table.columns.size(); i++) {
            ColumnSpec c = table.columns.get(i);
            if (i == extra) {
                continue;
            }
            if (ColumnSpec.ELEMENT.equals(c.sourcePath)) {
                result = row[i] == null ? BsonNull.VALUE : toBson(row[i], c.type);
            } else if (row[i] != null) {
                put(result.asDocument(), c.sourcePath, toBson(row[i], c.type));
            }
        }
        String[] key = Arrays.copyOf(row, table.keyColumns);
        for (TableSpec child : table.children) {
            BsonArray array = new BsonArray();
            for (String[] childRow : rowsUnder(childRows.get(child.name), key)) {
                array.add(object(child, childRow, child.keyColumns, childRows));
            }
            if (array.isEmpty()) {
                continue; // no rows: the array was missing, or kept (empty) in the extra column
            }
            if (ColumnSpec.ELEMENT.equals(child.arrayPath)) {
                result = array;
            } else {
                put(result.asDocument(), child.arrayPath, array);
            }
        }
        return result;
    }

    /** Rows whose key starts with {@code key}, one level below it, in index order. */
    private static List<String[]> rowsUnder(String[][] rows, String[] key) {
        TreeMap<Integer, String[]> byIndex = new TreeMap<>();
        if (rows != null) {
            for (String[] r : rows) {
                if (r.length > key.length && Arrays.equals(Arrays.copyOf(r, key.length), key)) {
                    byIndex.put(Integer.parseInt(r[key.length]), r);
                }
            }
        }
        return new ArrayList<>(byIndex.values());
    }

    private static void put(BsonDocument doc, String path, BsonValue value) {
        int dot = path.indexOf('.');
        if (dot < 0) {
            doc.put(path, value);
            return;
        }
        String head = path.substring(0, dot);
        BsonValue sub = doc.get(head);
        if (sub == null || !sub.isDocument()) {
            sub = new BsonDocument();
            doc.put(head, sub);
        }
        put(sub.asDocument(), path.substring(dot + 1), value);
    }

    /** The BSON value a canonical column value stands for. */
    public static BsonValue toBson(String canonical, ColumnType type) {
        switch (type.bson) {
            case OBJECT_ID:
                return new BsonObjectId(new ObjectId(canonical));
            case UUID_TEXT:
                return new BsonBinary(UUID.fromString(canonical), UuidRepresentation.STANDARD);
            case UUID_BYTES:
                return new BsonBinary(
                        BsonBinarySubType.UUID_STANDARD, HexFormat.of().parseHex(canonical));
            default:
                break;
        }
        switch (type.kind) {
            case INT:
                return new BsonInt32(Integer.parseInt(canonical));
            case BIGINT:
                return new BsonInt64(Long.parseLong(canonical));
            case DOUBLE:
                return new BsonDouble(Double.parseDouble(canonical));
            case DECIMAL:
                return new BsonDecimal128(new Decimal128(new BigDecimal(canonical)));
            case BOOLEAN:
                return BsonBoolean.valueOf("1".equals(canonical));
            case DATETIME:
                return new BsonDateTime(
                        LocalDateTime.parse(canonical, CanonicalValues.DATETIME)
                                .toInstant(ZoneOffset.UTC)
                                .toEpochMilli());
            case JSON:
                return CanonicalValues.parseCanonicalJson(canonical);
            case BINARY:
                return new BsonBinary(HexFormat.of().parseHex(canonical));
            default:
                return new BsonString(canonical);
        }
    }
}
