package io.dbtransfer.mapping;

import org.bson.BsonDocument;
import org.bson.BsonType;
import org.bson.BsonValue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Proposes a version-1 mapping from sample documents: every field path with its observed BSON types
 * and frequency, conflicting types flagged, and mapping YAML in the job file's own syntax. Pure.
 *
 * <p>Rules: one scalar type (Int32 and Int64 count as one integer type) → a typed column; nested
 * documents → flattened columns; arrays of documents or of one scalar type → child tables; arrays
 * of arrays → grand-child tables; conflicting types, Timestamp, Regex, JavaScript, MinKey/MaxKey,
 * Decimal128 of more than 65 digits and binary subtypes other than 0 and 4 → left to {@code _extra}
 * (nothing is dropped).
 */
public final class MappingInference {

    /** Longest observed string that still gets a VARCHAR; longer strings get TEXT. */
    static final int MAX_VARCHAR = 1024;

    /** Observations of one field path. */
    public static final class FieldStats {
        /** Documents (or array elements) in which the path was present. */
        public long present;

        /** Values per BSON type. */
        public final Map<BsonType, Long> types = new EnumMap<>(BsonType.class);

        int maxLength;
        int maxPrecision;
        int maxScale;
        boolean allUuid = true;
        boolean allGenericBinary = true;

        /** Paths below this one (fields of documents, {@code $} for array elements). */
        final Map<String, FieldStats> children = new LinkedHashMap<>();

        /** Non-null types, Int32 and Int64 merged. */
        List<BsonType> kinds() {
            List<BsonType> out = new ArrayList<>();
            for (BsonType t : types.keySet()) {
                BsonType k = t == BsonType.INT32 ? BsonType.INT64 : t;
                if (t != BsonType.NULL && !out.contains(k)) {
                    out.add(k);
                }
            }
            return out;
        }

        /** Whether the path holds values of more than one (non-null) type. */
        public boolean conflicting() {
            return kinds().size() > 1;
        }
    }

    private final FieldStats root = new FieldStats();
    private long documents;

    /** Adds one sample document. */
    public void add(BsonDocument document) {
        documents++;
        root.present++;
        observeFields(root, document);
    }

    public long documents() {
        return documents;
    }

    private static void observeFields(FieldStats parent, BsonDocument document) {
        for (Map.Entry<String, BsonValue> e : document.entrySet()) {
            FieldStats s = parent.children.computeIfAbsent(e.getKey(), k -> new FieldStats());
            observe(s, e.getValue());
        }
    }

    private static void observe(FieldStats s, BsonValue v) {
        s.present++;
        s.types.merge(v.getBsonType(), 1L, Long::sum);
        switch (v.getBsonType()) {
            case STRING:
                {
                    String t = v.asString().getValue();
                    s.maxLength = Math.max(s.maxLength, t.codePointCount(0, t.length()));
                    break;
                }
            case DECIMAL128:
                if (v.asDecimal128().getValue().isFinite()
                        && !CanonicalValues.isNegativeZero(v.asDecimal128().getValue())) {
                    BigDecimal d = v.asDecimal128().getValue().bigDecimalValue();
                    int scale = Math.max(0, d.scale());
                    s.maxScale = Math.max(s.maxScale, scale);
                    s.maxPrecision = Math.max(s.maxPrecision, d.precision() - d.scale());
                } else {
                    s.maxPrecision = Integer.MAX_VALUE / 2;
                }
                break;
            case BINARY:
                s.allUuid &= v.asBinary().getType() == 4 && v.asBinary().getData().length == 16;
                s.allGenericBinary &= v.asBinary().getType() == 0;
                break;
            case DOCUMENT:
                observeFields(s, v.asDocument());
                break;
            case ARRAY:
                {
                    FieldStats element =
                            s.children.computeIfAbsent(ColumnSpec.ELEMENT, k -> new FieldStats());
                    for (BsonValue item : v.asArray()) {
                        observe(element, item);
                    }
                    break;
                }
            default:
                break;
        }
    }

    /** One line per field path: path, frequency, types with counts, a CONFLICT flag. */
    public List<String> report() {
        List<String> out = new ArrayList<>();
        report("", root, documents, out);
        return out;
    }

    private static void report(String prefix, FieldStats parent, long of, List<String> out) {
        for (Map.Entry<String, FieldStats> e : parent.children.entrySet()) {
            String path =
                    ColumnSpec.ELEMENT.equals(e.getKey())
                            ? prefix + "[]"
                            : (prefix.isEmpty() ? "" : prefix + ".") + e.getKey();
            FieldStats s = e.getValue();
            StringBuilder types = new StringBuilder();
            for (Map.Entry<BsonType, Long> t : s.types.entrySet()) {
                types.append(types.length() == 0 ? "" : ", ")
                        .append(t.getKey().name().toLowerCase(Locale.ROOT))
                        .append(' ')
                        .append(t.getValue());
            }
            out.add(
                    String.format(
                            Locale.ROOT,
                            "%-40s %6.1f%%  %s%s",
                            path,
                            of == 0 ? 0.0 : 100.0 * s.present / of,
                            types,
                            !s.conflicting()
                                    ? ""
                                    : structured(s.kinds())
                                            ? "  CONFLICT: other types kept in _extra"
                                            : "  CONFLICT: kept in _extra"));
            report(path, s, s.present, out);
        }
    }

    /** The proposed mapping of {@code collection} as job-file YAML (under {@code collections:}). */
    public String yaml(String collection) {
        StringBuilder y = new StringBuilder();
        y.append(quote(collection)).append(":\n");
        y.append("  version: 1\n");
        FieldStats id = root.children.get("_id");
        y.append("  key-type: ").append(keyType(id)).append('\n');
        StringBuilder columns = new StringBuilder();
        StringBuilder arrays = new StringBuilder();
        collect("", root, columns, arrays, "    ", true);
        if (columns.length() > 0) {
            y.append("  columns:\n").append(columns);
        }
        if (arrays.length() > 0) {
            y.append("  arrays:\n").append(arrays);
        }
        return y.toString();
    }

    private static String keyType(FieldStats id) {
        if (id != null && id.kinds().size() == 1) {
            switch (id.kinds().get(0)) {
                case OBJECT_ID:
                    return "CHAR(24)";
                case INT64:
                    return "BIGINT";
                default:
                    break;
            }
        }
        return "VARCHAR(255)";
    }

    /** Columns and arrays of one object level; nested documents flatten into this level. */
    private static void collect(
            String prefix,
            FieldStats parent,
            StringBuilder columns,
            StringBuilder arrays,
            String indent,
            boolean topLevel) {
        for (Map.Entry<String, FieldStats> e : parent.children.entrySet()) {
            String field = e.getKey();
            if (topLevel && prefix.isEmpty() && field.equals("_id")) {
                continue;
            }
            if (field.contains(".") || field.isEmpty() || field.startsWith("$")) {
                continue; // not addressable by a dotted path: stays in _extra
            }
            String path = prefix.isEmpty() ? field : prefix + "." + field;
            FieldStats s = e.getValue();
            List<BsonType> kinds = s.kinds();
            if (kinds.isEmpty() || (s.conflicting() && !structured(kinds))) {
                continue;
            }
            if (kinds.contains(BsonType.ARRAY)) {
                // Values of other types at this path stay in _extra (the normalizer keeps them).
                arrays.append(indent).append(quote(path)).append(":\n");
                arraySpec(s.children.get(ColumnSpec.ELEMENT), arrays, indent + "  ");
            } else if (kinds.contains(BsonType.DOCUMENT)) {
                collect(path, s, columns, arrays, indent, topLevel);
            } else {
                String type = columnType(s);
                if (type != null) {
                    columns.append(indent)
                            .append(quote(path))
                            .append(": ")
                            .append(type)
                            .append('\n');
                }
            }
        }
    }

    private static void arraySpec(FieldStats element, StringBuilder y, String indent) {
        List<BsonType> kinds = element == null ? List.of() : element.kinds();
        if (kinds.isEmpty() || (element.conflicting() && !structured(kinds))) {
            y.append(indent).append("columns: {}\n"); // elements kept whole in the child's _extra
            return;
        }
        BsonType kind =
                kinds.contains(BsonType.ARRAY)
                        ? BsonType.ARRAY
                        : kinds.contains(BsonType.DOCUMENT) ? BsonType.DOCUMENT : kinds.get(0);
        if (kind == BsonType.DOCUMENT) {
            StringBuilder columns = new StringBuilder();
            StringBuilder arrays = new StringBuilder();
            collect("", element, columns, arrays, indent + "  ", false);
            y.append(indent).append("columns:").append(columns.length() == 0 ? " {}\n" : "\n");
            y.append(columns);
            if (arrays.length() > 0) {
                y.append(indent).append("arrays:\n").append(arrays);
            }
        } else if (kind == BsonType.ARRAY) {
            y.append(indent).append("arrays:\n");
            y.append(indent).append("  $:\n");
            arraySpec(element.children.get(ColumnSpec.ELEMENT), y, indent + "    ");
        } else {
            String type = columnType(element);
            if (type == null) {
                y.append(indent).append("columns: {}\n");
            } else {
                y.append(indent).append("columns: {value: ").append(type).append("}\n");
            }
        }
    }

    /** Whether arrays or documents were seen (mapped even when other types occur too). */
    private static boolean structured(List<BsonType> kinds) {
        return kinds.contains(BsonType.ARRAY) || kinds.contains(BsonType.DOCUMENT);
    }

    /** The column type for one scalar kind, or {@code null} to leave the value in _extra. */
    static String columnType(FieldStats s) {
        boolean int32Only = !s.types.containsKey(BsonType.INT64);
        switch (s.kinds().get(0)) {
            case STRING:
                {
                    if (s.maxLength > MAX_VARCHAR) {
                        return "TEXT";
                    }
                    int n = 16;
                    while (n < s.maxLength) {
                        n *= 2;
                    }
                    return "VARCHAR(" + n + ")";
                }
            case INT64:
                return int32Only ? "INT" : "BIGINT";
            case DOUBLE:
                return "DOUBLE";
            case DECIMAL128:
                {
                    int precision = s.maxPrecision + s.maxScale;
                    if (precision > 65 || s.maxScale > 30) {
                        return null;
                    }
                    return "DECIMAL(" + Math.max(precision, 1) + "," + s.maxScale + ")";
                }
            case BOOLEAN:
                return "BOOLEAN";
            case DATE_TIME:
                return "DATETIME";
            case OBJECT_ID:
                return "OBJECTID";
            case BINARY:
                return s.allUuid ? "UUID" : s.allGenericBinary ? "BLOB" : null;
            default:
                return null; // timestamp, regex, javascript, min/max key …: kept in _extra
        }
    }

    /** YAML-quotes a key when it is not a plain word. */
    static String quote(String key) {
        if (key.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
            return key;
        }
        return "'" + key.replace("'", "''") + "'";
    }
}
