package io.dbtransfer.testing;

import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.RowsToDocument;
import io.dbtransfer.mapping.TableSpec;

import org.bson.BsonDocument;
import org.bson.BsonValue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Reads one document's rows straight from PostgreSQL with plain JDBC (parent row and every child
 * table), turns each value from its documented PostgreSQL form into the row text the mapping stands
 * for (written out here, not taken from the job's code), and rebuilds the document with {@link
 * RowsToDocument} as {@link MySqlDocuments} does for MySQL.
 *
 * <p>The PostgreSQL forms (README, type table): {@code integer}/{@code bigint} and {@code double
 * precision} as numbers, {@code numeric(p,s)} with s decimals, {@code boolean} as 0/1, {@code
 * timestamp(3)} as UTC wall time, {@code bytea} as hex, {@code char(n)} padded with spaces, and
 * {@code jsonb} with its keys reordered (shorter keys first) — so Extended JSON wrappers whose keys
 * have a fixed order ({@code $timestamp}, {@code $regularExpression}, {@code $dbPointer}, a DBRef's
 * {@code $ref}/{@code $id}/{@code $db}) are put back into that order before parsing.
 */
public final class PostgresDocuments {

    private PostgresDocuments() {}

    /**
     * The document PostgreSQL holds for {@code id}, or {@code null} when there is no parent row.
     */
    public static BsonDocument read(Connection conn, TableSpec table, BsonValue id)
            throws SQLException {
        String key = CanonicalValues.keyText(id);
        List<String[]> parent = rows(conn, table, key);
        if (parent.isEmpty()) {
            return null;
        }
        Map<String, String[][]> children = new HashMap<>();
        for (TableSpec child : TableSpec.descendants(table)) {
            children.put(child.name, rows(conn, child, key).toArray(new String[0][]));
        }
        return RowsToDocument.rebuild(table, id, parent.get(0), children);
    }

    private static String q(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private static List<String[]> rows(Connection conn, TableSpec table, String key)
            throws SQLException {
        StringJoiner cols = new StringJoiner(", ");
        for (ColumnSpec c : table.columns) {
            switch (c.type.kind) {
                case DATETIME:
                    cols.add("to_char(" + q(c.name) + ", 'YYYY-MM-DD HH24:MI:SS.MS')");
                    break;
                case JSON:
                    cols.add(q(c.name) + "::text");
                    break;
                default:
                    cols.add(q(c.name));
            }
        }
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT " + cols + " FROM " + q(table.name) + " WHERE \"_id\" = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] row = new String[table.columns.size()];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = text(rs, i + 1, table.columns.get(i));
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }

    private static String text(ResultSet rs, int index, ColumnSpec c) throws SQLException {
        switch (c.type.kind) {
            case INT:
            case BIGINT:
                {
                    long v = rs.getLong(index);
                    return rs.wasNull() ? null : Long.toString(v);
                }
            case DOUBLE:
                {
                    double v = rs.getDouble(index);
                    return rs.wasNull() ? null : Double.toString(v);
                }
            case DECIMAL:
                {
                    BigDecimal v = rs.getBigDecimal(index);
                    return v == null
                            ? null
                            : v.setScale(c.type.scale, RoundingMode.UNNECESSARY).toPlainString();
                }
            case BOOLEAN:
                {
                    boolean v = rs.getBoolean(index);
                    return rs.wasNull() ? null : (v ? "1" : "0");
                }
            case BINARY:
                {
                    byte[] v = rs.getBytes(index);
                    return v == null ? null : HexFormat.of().formatHex(v);
                }
            case CHAR:
                {
                    String v = rs.getString(index);
                    return v == null ? null : v.replaceFirst(" +$", "");
                }
            case JSON:
                {
                    String v = rs.getString(index);
                    return v == null ? null : Json.reorderWrappers(v);
                }
            default:
                return rs.getString(index);
        }
    }

    /** A small JSON reader and writer that keeps numbers as their literal text. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        /** The EJSON wrappers PostgreSQL's jsonb reorders, with the key order they need. */
        private static final Map<String, List<String>> ORDER =
                Map.of(
                        "$timestamp", List.of("t", "i"),
                        "$regularExpression", List.of("pattern", "options"),
                        "$dbPointer", List.of("$ref", "$id"));

        static String reorderWrappers(String text) {
            Json j = new Json(text);
            Object v = j.value();
            StringBuilder out = new StringBuilder();
            write(v, null, out);
            return out.toString();
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private Object value() {
            ws();
            char ch = s.charAt(i);
            if (ch == '{') {
                i++;
                Map<String, Object> m = new LinkedHashMap<>();
                ws();
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                while (true) {
                    ws();
                    String k = string();
                    ws();
                    i++; // ':'
                    m.put(k, value());
                    ws();
                    if (s.charAt(i++) == '}') {
                        return m;
                    }
                }
            }
            if (ch == '[') {
                i++;
                List<Object> l = new ArrayList<>();
                ws();
                if (s.charAt(i) == ']') {
                    i++;
                    return l;
                }
                while (true) {
                    l.add(value());
                    ws();
                    if (s.charAt(i++) == ']') {
                        return l;
                    }
                }
            }
            if (ch == '"') {
                return string();
            }
            int start = i;
            while (i < s.length() && ",}] \n\t\r".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            return new Literal(s.substring(start, i));
        }

        private String string() {
            StringBuilder b = new StringBuilder();
            i++; // opening quote
            while (true) {
                char ch = s.charAt(i++);
                if (ch == '"') {
                    return b.toString();
                }
                if (ch == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n':
                            b.append('\n');
                            break;
                        case 't':
                            b.append('\t');
                            break;
                        case 'r':
                            b.append('\r');
                            break;
                        case 'b':
                            b.append('\b');
                            break;
                        case 'f':
                            b.append('\f');
                            break;
                        case 'u':
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                            break;
                        default:
                            b.append(e);
                    }
                } else {
                    b.append(ch);
                }
            }
        }

        /** A number, true, false or null, kept as written. */
        private static final class Literal {
            final String text;

            Literal(String text) {
                this.text = text;
            }
        }

        @SuppressWarnings("unchecked")
        private static void write(Object v, List<String> order, StringBuilder out) {
            if (v instanceof Map) {
                Map<String, Object> m = (Map<String, Object>) v;
                List<String> keys = new ArrayList<>(m.keySet());
                if (order != null) {
                    keys.sort((a, b) -> Integer.compare(rank(order, a), rank(order, b)));
                } else if (m.containsKey("$ref") && m.containsKey("$id")) {
                    // A DBRef: $ref, $id, $db first, in that order (the driver's parser wants it).
                    List<String> dbref = List.of("$ref", "$id", "$db");
                    keys.sort((a, b) -> Integer.compare(rank(dbref, a), rank(dbref, b)));
                }
                out.append('{');
                boolean first = true;
                for (String k : keys) {
                    out.append(first ? "" : ", ");
                    first = false;
                    writeString(k, out);
                    out.append(": ");
                    write(m.get(k), m.size() == 1 ? ORDER.get(k) : null, out);
                }
                out.append('}');
            } else if (v instanceof List) {
                out.append('[');
                boolean first = true;
                for (Object o : (List<Object>) v) {
                    out.append(first ? "" : ", ");
                    first = false;
                    write(o, null, out);
                }
                out.append(']');
            } else if (v instanceof Literal) {
                out.append(((Literal) v).text);
            } else {
                writeString((String) v, out);
            }
        }

        private static int rank(List<String> order, String key) {
            int r = order.indexOf(key);
            return r < 0 ? order.size() : r;
        }

        private static void writeString(String v, StringBuilder out) {
            out.append('"');
            for (int k = 0; k < v.length(); k++) {
                char ch = v.charAt(k);
                if (ch == '"' || ch == '\\') {
                    out.append('\\').append(ch);
                } else if (ch < 0x20) {
                    out.append(String.format("\\u%04x", (int) ch));
                } else {
                    out.append(ch);
                }
            }
            out.append('"');
        }
    }
}
