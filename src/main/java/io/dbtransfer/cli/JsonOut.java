package io.dbtransfer.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A tiny JSON writer for reports (ordered keys, strings escaped). */
final class JsonOut {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    JsonOut put(String key, Object value) {
        fields.put(key, value);
        return this;
    }

    String render() {
        StringBuilder sb = new StringBuilder();
        write(fields, sb, "");
        return sb.append('\n').toString();
    }

    private static void write(Object v, StringBuilder sb, String indent) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof JsonOut) {
            write(((JsonOut) v).fields, sb, indent);
        } else if (v instanceof Map) {
            sb.append("{\n");
            int i = 0;
            Map<?, ?> m = (Map<?, ?>) v;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(indent).append("  ");
                string(String.valueOf(e.getKey()), sb);
                sb.append(": ");
                write(e.getValue(), sb, indent + "  ");
                sb.append(++i < m.size() ? ",\n" : "\n");
            }
            sb.append(indent).append('}');
        } else if (v instanceof List) {
            List<?> l = (List<?>) v;
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : ", ");
                write(l.get(i), sb, indent + "  ");
            }
            sb.append(']');
        } else {
            string(String.valueOf(v), sb);
        }
    }

    private static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
