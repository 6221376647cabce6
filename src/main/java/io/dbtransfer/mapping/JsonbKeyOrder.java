package io.dbtransfer.mapping;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts the keys of Extended JSON wrappers back into the order the driver's JSON parser requires
 * ({@code $timestamp}: t, i; {@code $regularExpression}: pattern, options; {@code $dbPointer}:
 * $ref, $id; a DBRef's $ref, $id, $db first): PostgreSQL's {@code jsonb} stores object keys
 * shorter-first, so {@code {"$timestamp": {"t": 1, "i": 2}}} reads back as {@code {"i": 2, "t":
 * 1}}, which the parser refuses. Everything else (other keys, numbers as written, strings) is kept.
 */
final class JsonbKeyOrder {

    private final String s;
    private int i;

    private JsonbKeyOrder(String s) {
        this.s = s;
    }

    /** The EJSON wrappers PostgreSQL's jsonb reorders, with the key order they need. */
    private static final Map<String, List<String>> ORDER =
            Map.of(
                    "$timestamp", List.of("t", "i"),
                    "$regularExpression", List.of("pattern", "options"),
                    "$dbPointer", List.of("$ref", "$id"));

    /** {@code text} (one JSON value) with wrapper keys in the parser's order. */
    static String reorderWrappers(String text) {
        if (!text.contains("\"$timestamp\"")
                && !text.contains("\"$regularExpression\"")
                && !text.contains("\"$dbPointer\"")
                && !text.contains("\"$ref\"")) {
            return text; // nothing whose key order matters
        }
        JsonbKeyOrder j = new JsonbKeyOrder(text);
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
