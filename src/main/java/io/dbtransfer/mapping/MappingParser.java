package io.dbtransfer.mapping;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.model.ConfigException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses one collection's mapping (version 1) from the job file into its {@link TableSpec}: key,
 * columns (nested paths flattened), arrays as child tables (recursively), ignored fields and the
 * extra JSON column. Every error names the setting, the cause and the fix.
 */
public final class MappingParser {

    /** The only mapping format version this code reads. */
    static final int VERSION = 1;

    /** Source path marker of the array index columns {@code _idx}, {@code _idx2}, …. */
    static final String INDEX_PATH = "#index";

    private static final Set<String> TABLE_KEYS =
            Set.of("version", "table", "key-type", "columns", "arrays", "ignore", "extra-column");
    private static final Set<String> ARRAY_KEYS =
            Set.of("table", "columns", "arrays", "extra-column");

    private MappingParser() {}

    /** The table of one collection; {@code spec == null} gives key + extra column only. */
    public static TableSpec parseTable(String collection, Object spec) {
        String where = "collections." + collection;
        Map<?, ?> map = spec == null ? Map.of() : asMap(spec, where);
        checkKeys(map, TABLE_KEYS, where);
        if (map.containsKey("version")
                && !String.valueOf(map.get("version")).equals(String.valueOf(VERSION))) {
            throw new ConfigException(
                    where
                            + ".version: '"
                            + map.get("version")
                            + "' is not supported; this DBtransfer reads mapping version "
                            + VERSION);
        }
        String table =
                Names.identifier(
                        String.valueOf(map.containsKey("table") ? map.get("table") : collection));
        ColumnType keyType =
                type(
                        String.valueOf(
                                map.containsKey("key-type") ? map.get("key-type") : "VARCHAR(255)"),
                        where + ".key-type");
        if (!List.of(
                        ColumnType.Kind.VARCHAR,
                        ColumnType.Kind.CHAR,
                        ColumnType.Kind.BIGINT,
                        ColumnType.Kind.INT)
                .contains(keyType.kind)) {
            throw new ConfigException(
                    where
                            + ".key-type: "
                            + keyType
                            + " cannot hold keys; use VARCHAR(n), CHAR(n),"
                            + " INT or BIGINT");
        }
        List<ColumnSpec> columns = new ArrayList<>();
        columns.add(new ColumnSpec("_id", keyType, "_id"));
        columns.addAll(parseColumns(map.get("columns"), where + ".columns", false));
        for (ColumnSpec c : columns.subList(1, columns.size())) {
            if (c.sourcePath.equals("_id") || c.name.equals("_id")) {
                throw new ConfigException(
                        where
                                + ".columns."
                                + c.name
                                + ": _id is the key column; set its type with key-type");
            }
        }
        addExtra(map, true, columns);
        checkUnique(columns, where);
        List<TableSpec> children =
                parseArrays(map.get("arrays"), where + ".arrays", table, columns.subList(0, 1), 1);
        List<String> ignored = new ArrayList<>();
        Object ignore = map.get("ignore");
        if (ignore != null) {
            if (!(ignore instanceof List)) {
                throw new ConfigException(
                        where + ".ignore must be a list of field paths, e.g. [internal.debug]");
            }
            for (Object p : (List<?>) ignore) {
                ignored.add(String.valueOf(p));
            }
        }
        return new TableSpec(table, columns, 1, children, null, ignored);
    }

    private static List<TableSpec> parseArrays(
            Object arrays,
            String where,
            String parentTable,
            List<ColumnSpec> documentKey,
            int depth) {
        List<TableSpec> out = new ArrayList<>();
        if (arrays == null) {
            return out;
        }
        for (Map.Entry<?, ?> e : asMap(arrays, where).entrySet()) {
            String path = String.valueOf(e.getKey());
            String aw = where + "." + path;
            Map<?, ?> spec;
            if (e.getValue() instanceof Map) {
                spec = (Map<?, ?>) e.getValue();
            } else if (e.getValue() != null) {
                // tags: VARCHAR(32) — a scalar array with one value column.
                spec = Map.of("columns", Map.of("value", String.valueOf(e.getValue())));
            } else {
                throw new ConfigException(
                        aw + " needs a type (scalar array) or {columns: …} (array of documents)");
            }
            checkKeys(spec, ARRAY_KEYS, aw);
            String defaultName =
                    ColumnSpec.ELEMENT.equals(path)
                            ? Names.identifier(parentTable + "_items")
                            : Names.childTable(parentTable, path);
            String name =
                    spec.containsKey("table")
                            ? Names.identifier(String.valueOf(spec.get("table")))
                            : defaultName;
            List<ColumnSpec> columns = new ArrayList<>(documentKey);
            for (int d = 1; d <= depth; d++) {
                columns.add(
                        new ColumnSpec(
                                indexColumn(d), ColumnType.of(ColumnType.Kind.INT), INDEX_PATH));
            }
            int keys = columns.size();
            List<ColumnSpec> element = parseColumns(spec.get("columns"), aw + ".columns", true);
            columns.addAll(element);
            boolean onlyElement =
                    !element.isEmpty()
                            && element.stream()
                                    .allMatch(c -> c.sourcePath.equals(ColumnSpec.ELEMENT));
            addExtra(spec, !onlyElement, columns);
            checkUnique(columns, aw);
            List<TableSpec> grandChildren =
                    parseArrays(spec.get("arrays"), aw + ".arrays", name, documentKey, depth + 1);
            out.add(new TableSpec(name, columns, keys, grandChildren, path, List.of()));
        }
        return out;
    }

    /**
     * Refuses two tables (parents or children, of any collections) with one name: MySQL table names
     * are case-insensitive on many servers, and two mappings must not write one table.
     */
    public static void checkTableNames(Map<String, TableSpec> byCollection) {
        Map<String, String> seen = new HashMap<>();
        for (Map.Entry<String, TableSpec> e : byCollection.entrySet()) {
            List<TableSpec> all = new ArrayList<>();
            all.add(e.getValue());
            all.addAll(TableSpec.descendants(e.getValue()));
            for (TableSpec t : all) {
                String where =
                        "collections."
                                + e.getKey()
                                + (t.arrayPath == null ? "" : " (array " + t.arrayPath + ")");
                String previous = seen.put(t.name.toLowerCase(Locale.ROOT), where);
                if (previous != null) {
                    throw new ConfigException(
                            "Table name '"
                                    + t.name
                                    + "' is used by "
                                    + previous
                                    + " and by "
                                    + where
                                    + "; give one of them another name with table:");
                }
            }
        }
    }

    /** {@code _idx} for the first array level, {@code _idx2}, {@code _idx3}, … below it. */
    static String indexColumn(int depth) {
        return depth == 1 ? "_idx" : "_idx" + depth;
    }

    private static List<ColumnSpec> parseColumns(Object cols, String where, boolean element) {
        List<ColumnSpec> out = new ArrayList<>();
        if (cols == null) {
            return out;
        }
        for (Map.Entry<?, ?> c : asMap(cols, where).entrySet()) {
            String key = String.valueOf(c.getKey());
            String cw = where + "." + key;
            String path;
            String name;
            String typeText;
            if (c.getValue() instanceof Map) {
                Map<?, ?> cm = (Map<?, ?>) c.getValue();
                checkKeys(cm, Set.of("path", "type"), cw);
                name = Names.identifier(key);
                path = String.valueOf(cm.containsKey("path") ? cm.get("path") : key);
                Object t = cm.get("type");
                if (t == null) {
                    throw new ConfigException(cw + ".type is missing");
                }
                typeText = String.valueOf(t);
            } else {
                // Short form: the key is the path; nested paths are flattened into the name.
                path = element && key.equals("value") ? ColumnSpec.ELEMENT : key;
                name = Names.column(key);
                typeText = String.valueOf(c.getValue());
            }
            if (name.startsWith("_idx")) {
                throw new ConfigException(
                        cw + ": column names starting with _idx are reserved for array indexes");
            }
            out.add(new ColumnSpec(name, type(typeText, cw + ".type"), path));
        }
        return out;
    }

    private static void addExtra(Map<?, ?> spec, boolean byDefault, List<ColumnSpec> columns) {
        Object extra =
                spec.containsKey("extra-column")
                        ? spec.get("extra-column")
                        : (byDefault ? JobConfig.DEFAULT_EXTRA_COLUMN : null);
        if (extra != null && !Boolean.FALSE.equals(extra)) {
            String name =
                    Boolean.TRUE.equals(extra)
                            ? JobConfig.DEFAULT_EXTRA_COLUMN
                            : Names.identifier(String.valueOf(extra));
            columns.add(
                    new ColumnSpec(
                            name, ColumnType.of(ColumnType.Kind.JSON), TableSpec.REST_OF_DOCUMENT));
        }
    }

    private static void checkUnique(List<ColumnSpec> columns, String where) {
        Map<String, String> seen = new HashMap<>();
        for (ColumnSpec c : columns) {
            String previous = seen.put(c.name.toLowerCase(Locale.ROOT), c.sourcePath);
            if (previous != null) {
                throw new ConfigException(
                        where
                                + ": column name '"
                                + c.name
                                + "' is used twice (paths '"
                                + previous
                                + "' and '"
                                + c.sourcePath
                                + "'; MySQL column names are case-insensitive); give one of"
                                + " them another name with {path: …, type: …}");
            }
        }
    }

    private static void checkKeys(Map<?, ?> map, Set<String> allowed, String where) {
        for (Object key : map.keySet()) {
            if (!allowed.contains(String.valueOf(key))) {
                throw new ConfigException(
                        where
                                + "."
                                + key
                                + " is not a known setting; use one of "
                                + new java.util.TreeSet<>(allowed));
            }
        }
    }

    private static ColumnType type(String text, String where) {
        try {
            return ColumnType.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": " + e.getMessage());
        }
    }

    private static Map<?, ?> asMap(Object o, String where) {
        if (!(o instanceof Map)) {
            throw new ConfigException(where + " must be a mapping, got '" + o + "'");
        }
        return (Map<?, ?>) o;
    }
}
