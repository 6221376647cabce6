package io.dbtransfer.sink;

import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.RowChange;

import org.bson.BsonDocument;
import org.bson.BsonValue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds U+0000 in the text a change would write, for targets whose text cannot hold it (PostgreSQL:
 * {@code text}, {@code varchar}, {@code jsonb}): each field holding it becomes a dead letter naming
 * its path (as the normalizer names paths: {@code comments[2].text}, inside {@code _extra} the
 * field's own path), so the sink can refuse the whole document instead of failing its statement or
 * writing it changed.
 */
final class NulInText {

    /** At most this many fields are named per document. */
    static final int MAX_FIELDS = 10;

    private final TableSpec parent;

    /** Per descendant table name: the tables from the parent's first child down to it. */
    private final Map<String, List<TableSpec>> chains = new HashMap<>();

    NulInText(TableSpec parent) {
        this.parent = parent;
        collect(parent, new ArrayList<>());
    }

    private void collect(TableSpec table, List<TableSpec> above) {
        for (TableSpec child : table.children) {
            List<TableSpec> chain = new ArrayList<>(above);
            chain.add(child);
            chains.put(child.name, chain);
            collect(child, chain);
        }
    }

    /** Whether a delete's key holds U+0000 (no row can exist for it on such a target). */
    static boolean inKey(RowChange c, int keyColumns) {
        for (int i = 0; i < keyColumns && i < c.parent.length; i++) {
            if (c.parent[i] != null && c.parent[i].indexOf('\u0000') >= 0) {
                return true;
            }
        }
        return false;
    }

    /** The dead letters of an upsert holding U+0000 in text, or an empty list. */
    List<DeadLetter> letters(RowChange c, String product) {
        List<String[]> found = new ArrayList<>(); // {path, column type}
        scanRow(parent, c.parent, "", found);
        for (ChildRows cr : c.children == null ? new ChildRows[0] : c.children) {
            List<TableSpec> chain = chains.get(cr.table);
            if (chain == null || cr.rows == null) {
                continue;
            }
            TableSpec child = chain.get(chain.size() - 1);
            for (String[] row : cr.rows) {
                if (found.size() >= MAX_FIELDS) {
                    break;
                }
                scanRow(child, row, elementPath(chain, row), found);
            }
        }
        List<DeadLetter> out = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (String[] f : found.subList(0, Math.min(found.size(), MAX_FIELDS))) {
            out.add(
                    new DeadLetter(
                            c.collection,
                            c.key,
                            f[0],
                            f[2],
                            f[1],
                            product
                                    + " text cannot hold the character U+0000 (NUL), and field "
                                    + (f[0].isEmpty() ? "(the document)" : f[0])
                                    + " contains it, so this document is not written (its row, if"
                                    + " any, keeps its previous version; nothing is written"
                                    + " changed). Fix: list the field under ignore: in the"
                                    + " mapping, or remove the character in MongoDB (the"
                                    + " document's next change then lands), or migrate the"
                                    + " collection into MySQL, whose text stores U+0000",
                            DeadLetter.ACTION_SKIPPED,
                            c.version,
                            now));
        }
        return out;
    }

    /** {@code comments[2]}, {@code comments[2].likes[0]}, {@code matrix[1][0]}. */
    private String elementPath(List<TableSpec> chain, String[] row) {
        StringBuilder path = new StringBuilder();
        for (int j = 0; j < chain.size(); j++) {
            String ap = chain.get(j).arrayPath;
            if (ap != null && !ap.equals(ColumnSpec.ELEMENT)) {
                path.append(path.length() == 0 ? "" : ".").append(ap);
            }
            int idx = parent.keyColumns + j;
            path.append('[').append(idx < row.length ? row[idx] : "?").append(']');
        }
        return path.toString();
    }

    private static void scanRow(TableSpec table, String[] row, String prefix, List<String[]> out) {
        int extra = TableSpec.extraIndex(table);
        for (int i = 0; i < table.columns.size() && i < row.length; i++) {
            String v = row[i];
            ColumnSpec col = table.columns.get(i);
            if (v == null || col.type.kind == ColumnType.Kind.BINARY) {
                continue;
            }
            if (col.type.kind == ColumnType.Kind.JSON) {
                if (!hasEscapedNul(v)) {
                    continue;
                }
                String base =
                        i == extra
                                ? prefix
                                : join(
                                        prefix,
                                        col.sourcePath.equals(ColumnSpec.ELEMENT)
                                                ? ""
                                                : col.sourcePath);
                List<String> paths = new ArrayList<>();
                try {
                    BsonValue parsed = BsonDocument.parse("{\"v\": " + v + "}").get("v");
                    find(parsed, "", paths);
                } catch (RuntimeException e) {
                    paths.add(""); // the escape is there; where exactly is unknown
                }
                for (String p : paths) {
                    // A scalar array element kept in _extra is {"$": value}.
                    String rel =
                            p.equals(ColumnSpec.ELEMENT)
                                    ? ""
                                    : p.startsWith(ColumnSpec.ELEMENT + ".") ? p.substring(2) : p;
                    out.add(new String[] {join(base, rel), col.type.toSql(), excerpt(v)});
                }
            } else if (v.indexOf('\u0000') >= 0) {
                String rel = col.sourcePath.equals(ColumnSpec.ELEMENT) ? "" : col.sourcePath;
                out.add(new String[] {join(prefix, rel), col.type.toSql(), excerpt(v)});
            }
        }
    }

    /** The paths (relative to {@code v}) of the strings, code and symbols holding U+0000. */
    private static void find(BsonValue v, String path, List<String> out) {
        if (out.size() >= MAX_FIELDS) {
            return;
        }
        switch (v.getBsonType()) {
            case DOCUMENT:
                for (Map.Entry<String, BsonValue> e : v.asDocument().entrySet()) {
                    find(e.getValue(), join(path, e.getKey()), out);
                }
                return;
            case ARRAY:
                for (int i = 0; i < v.asArray().size(); i++) {
                    find(v.asArray().get(i), path + "[" + i + "]", out);
                }
                return;
            case STRING:
                if (v.asString().getValue().indexOf('\u0000') >= 0) {
                    out.add(path);
                }
                return;
            case SYMBOL:
                if (v.asSymbol().getSymbol().indexOf('\u0000') >= 0) {
                    out.add(path);
                }
                return;
            case JAVASCRIPT:
                if (v.asJavaScript().getCode().indexOf('\u0000') >= 0) {
                    out.add(path);
                }
                return;
            case JAVASCRIPT_WITH_SCOPE:
                if (v.asJavaScriptWithScope().getCode().indexOf('\u0000') >= 0) {
                    out.add(path);
                } else {
                    find(v.asJavaScriptWithScope().getScope(), path, out);
                }
                return;
            default:
        }
    }

    /** Whether JSON text holds the escape {@code \\u0000} (not an escaped backslash before it). */
    static boolean hasEscapedNul(String json) {
        for (int at = json.indexOf("u0000"); at >= 0; at = json.indexOf("u0000", at + 1)) {
            int backslashes = 0;
            for (int k = at - 1; k >= 0 && json.charAt(k) == '\\'; k--) {
                backslashes++;
            }
            if (backslashes % 2 == 1) {
                return true;
            }
        }
        return json.indexOf('\u0000') >= 0;
    }

    private static String join(String prefix, String rel) {
        if (prefix.isEmpty()) {
            return rel;
        }
        if (rel.isEmpty()) {
            return prefix;
        }
        return rel.startsWith("[") ? prefix + rel : prefix + "." + rel;
    }

    /** The value with U+0000 shown as {@code \\u0000}, at most 200 characters. */
    static String excerpt(String v) {
        String shown = v.replace("\u0000", "\\u0000");
        return shown.length() > 200 ? shown.substring(0, 197) + "..." : shown;
    }
}
