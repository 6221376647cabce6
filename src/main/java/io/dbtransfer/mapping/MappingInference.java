package io.dbtransfer.mapping;

import org.bson.BsonDocument;
import org.bson.BsonType;
import org.bson.BsonValue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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

    /**
     * How the last {@link #yaml} resolved name collisions, one sentence per renamed column or child
     * table (empty when nothing collided). The YAML says the same in a comment on each renamed
     * line.
     */
    public List<String> renames() {
        return List.copyOf(renames);
    }

    private final List<String> renames = new ArrayList<>();

    /** A scalar column found by inference: its field path and column type. */
    private record Col(String path, String type) {}

    /** An array found by inference: its field path and the statistics of the array. */
    private record Arr(String path, FieldStats stats) {}

    /**
     * The proposed mapping of {@code collection} as job-file YAML (under {@code collections:}).
     *
     * <p>The mapping is always one the job accepts. Column names are compared as MySQL does,
     * ignoring case, and a name can be claimed by two paths: a flattened {@code a.b} and a
     * top-level {@code a_b} both want {@code a_b}, {@code Name} and {@code name} want one column, a
     * field may be called like the system columns {@code _id}, {@code _extra} or {@code _idx…}.
     * Then the path that is not flattened (and among those the smaller path, compared by code unit)
     * keeps the name, the others get the first free {@code _2}, {@code _3}, … suffix and are
     * written in the long form {@code name: {path: …, type: …}}; names starting with {@code _idx}
     * get an {@code f} prefix first. Child tables are named the same way, with {@code table:}. The
     * result depends only on the set of paths, not on the order of the sample; {@link #renames()}
     * lists each rename.
     */
    public String yaml(String collection) {
        renames.clear();
        StringBuilder y = new StringBuilder();
        y.append(quote(collection)).append(":\n");
        y.append("  version: 1\n");
        FieldStats id = root.children.get("_id");
        y.append("  key-type: ").append(keyType(id)).append('\n');
        List<Col> columns = new ArrayList<>();
        List<Arr> arrays = new ArrayList<>();
        collect("", root, columns, arrays, true);
        String table = Names.identifier(collection);
        Set<String> tables = new HashSet<>();
        tables.add(table.toLowerCase(Locale.ROOT));
        if (!columns.isEmpty()) {
            y.append("  columns:\n");
            renderColumns(columns, table, false, y, "    ");
        }
        if (!arrays.isEmpty()) {
            y.append("  arrays:\n");
            renderArrays(arrays, table, tables, y, "    ");
        }
        return y.toString();
    }

    /** Column names the job reserves in every table (compared ignoring case). */
    private static final Set<String> RESERVED = Set.of("_id", "_extra");

    private static boolean reserved(String name, Set<String> taken) {
        String lower = name.toLowerCase(Locale.ROOT);
        return RESERVED.contains(lower) || lower.startsWith("_idx") || taken.contains(lower);
    }

    /**
     * Paths in the order they claim names: not flattened first (the name is the field's own), then
     * by path.
     */
    private static Comparator<String> claimOrder() {
        return Comparator.comparing((String p) -> p.contains(".")).thenComparing(p -> p);
    }

    /** A free name for {@code base}: itself or the first free {@code base_2}, {@code base_3} …. */
    private static String freeName(String base, Set<String> taken) {
        if (base.toLowerCase(Locale.ROOT).startsWith("_idx")) {
            base = Names.identifier("f" + base);
        }
        String name = base;
        for (int n = 2; reserved(name, taken); n++) {
            name = Names.identifier(base + "_" + n);
        }
        taken.add(name.toLowerCase(Locale.ROOT));
        return name;
    }

    private void renderColumns(
            List<Col> columns, String table, boolean element, StringBuilder y, String indent) {
        List<Col> byClaim = new ArrayList<>(columns);
        byClaim.sort(Comparator.comparing(Col::path, claimOrder()));
        Set<String> taken = new HashSet<>();
        Map<String, String> names = new HashMap<>();
        for (Col c : byClaim) {
            names.put(c.path(), freeName(Names.column(c.path()), taken));
        }
        for (Col c : columns) {
            String name = names.get(c.path());
            String wanted = Names.column(c.path());
            if (name.equals(wanted) && element && c.path().equals("value")) {
                // In an array's columns the short form "value: TYPE" means the element itself.
                y.append(indent)
                        .append("value: {path: value, type: ")
                        .append(yamlString(c.type()))
                        .append('}');
            } else if (name.equals(wanted)) {
                y.append(indent).append(quote(c.path())).append(": ").append(c.type());
            } else {
                String why = why(wanted, c.path(), byClaim);
                renames.add(
                        "table "
                                + table
                                + ": path '"
                                + c.path()
                                + "' is written to column "
                                + name
                                + " ("
                                + why
                                + ")");
                y.append(indent)
                        .append(quote(name))
                        .append(": {path: ")
                        .append(yamlString(c.path()))
                        .append(", type: ")
                        .append(yamlString(c.type()))
                        .append("}  # renamed: ")
                        .append(why);
            }
            y.append('\n');
        }
    }

    /** Why {@code path} could not have column {@code wanted}. */
    private static String why(String wanted, String path, List<Col> byClaim) {
        String lower = wanted.toLowerCase(Locale.ROOT);
        if (RESERVED.contains(lower) || lower.startsWith("_idx")) {
            return "'" + wanted + "' is a column the job reserves";
        }
        for (Col other : byClaim) {
            if (other.path().equals(path)) {
                break;
            }
            if (Names.column(other.path()).toLowerCase(Locale.ROOT).equals(lower)) {
                return "column '"
                        + wanted
                        + "' holds path '"
                        + other.path()
                        + "'; MySQL column names are case-insensitive";
            }
        }
        return "'" + wanted + "' is taken";
    }

    private void renderArrays(
            List<Arr> arrays,
            String parentTable,
            Set<String> tables,
            StringBuilder y,
            String indent) {
        List<Arr> byClaim = new ArrayList<>(arrays);
        byClaim.sort(Comparator.comparing(Arr::path, claimOrder()));
        Map<String, String> names = new HashMap<>();
        for (Arr a : byClaim) {
            String wanted = defaultTable(parentTable, a.path());
            String name = wanted;
            for (int n = 2; tables.contains(name.toLowerCase(Locale.ROOT)); n++) {
                name = Names.identifier(wanted + "_" + n);
            }
            tables.add(name.toLowerCase(Locale.ROOT));
            names.put(a.path(), name);
        }
        for (Arr a : arrays) {
            String name = names.get(a.path());
            String wanted = defaultTable(parentTable, a.path());
            y.append(indent).append(quote(a.path())).append(":\n");
            if (!name.equals(wanted)) {
                String why = "table name '" + wanted + "' is taken (names are case-insensitive)";
                renames.add(
                        "array '" + a.path() + "' is written to table " + name + " (" + why + ")");
                y.append(indent)
                        .append("  table: ")
                        .append(yamlString(name))
                        .append("  # renamed: ")
                        .append(why)
                        .append('\n');
            }
            arraySpec(a.stats().children.get(ColumnSpec.ELEMENT), name, tables, y, indent + "  ");
        }
    }

    /** The child table the job names for {@code path} when the mapping does not name it. */
    private static String defaultTable(String parentTable, String path) {
        return ColumnSpec.ELEMENT.equals(path)
                ? Names.identifier(parentTable + "_items")
                : Names.childTable(parentTable, path);
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
            List<Col> columns,
            List<Arr> arrays,
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
                arrays.add(new Arr(path, s));
            } else if (kinds.contains(BsonType.DOCUMENT)) {
                collect(path, s, columns, arrays, topLevel);
            } else {
                String type = columnType(s);
                if (type != null) {
                    columns.add(new Col(path, type));
                }
            }
        }
    }

    private void arraySpec(
            FieldStats element, String table, Set<String> tables, StringBuilder y, String indent) {
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
            List<Col> columns = new ArrayList<>();
            List<Arr> arrays = new ArrayList<>();
            collect("", element, columns, arrays, false);
            y.append(indent).append("columns:").append(columns.isEmpty() ? " {}\n" : "\n");
            renderColumns(columns, table, true, y, indent + "  ");
            if (!arrays.isEmpty()) {
                y.append(indent).append("arrays:\n");
                renderArrays(arrays, table, tables, y, indent + "  ");
            }
        } else if (kind == BsonType.ARRAY) {
            y.append(indent).append("arrays:\n");
            renderArrays(
                    List.of(new Arr(ColumnSpec.ELEMENT, element)), table, tables, y, indent + "  ");
        } else {
            String type = columnType(element);
            if (type == null) {
                y.append(indent).append("columns: {}\n");
            } else {
                y.append(indent).append("columns: {value: ").append(type).append("}\n");
            }
        }
    }

    /** {@code s} as a single-quoted YAML scalar. */
    private static String yamlString(String s) {
        return "'" + s.replace("'", "''") + "'";
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
