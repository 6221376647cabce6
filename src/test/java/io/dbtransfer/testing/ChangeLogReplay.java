package io.dbtransfer.testing;

import org.bson.Document;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads a {@code simulate} change log and replays it over a starting state with its own small
 * implementation of the update operators the simulator uses ({@code $set}, {@code $unset}, {@code
 * $inc}, {@code $push}, {@code $pull}, {@code $pop}) — independent of MongoDB, so that the result
 * can be compared with what MongoDB holds.
 */
public final class ChangeLogReplay {

    private ChangeLogReplay() {}

    /** One line of the log; absent counts are null. */
    public record Entry(
            long seq,
            String op,
            String kind,
            Object id,
            long sentAtMs,
            long ackAtMs,
            Long inserted,
            Long matched,
            Long modified,
            Long deleted,
            Document change,
            String error) {}

    /** Every line of {@code log}, in order. */
    public static List<Entry> read(Path log) throws IOException {
        List<Entry> out = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Document d = Document.parse(line);
            out.add(
                    new Entry(
                            number(d, "seq"),
                            d.getString("op"),
                            d.getString("kind"),
                            d.get("_id"),
                            number(d, "sentAtMs"),
                            number(d, "ackAtMs"),
                            optional(d, "inserted"),
                            optional(d, "matched"),
                            optional(d, "modified"),
                            optional(d, "deleted"),
                            d.get("change", Document.class),
                            d.getString("error")));
        }
        return out;
    }

    private static long number(Document d, String key) {
        return ((Number) Objects.requireNonNull(d.get(key), key)).longValue();
    }

    private static Long optional(Document d, String key) {
        Object v = d.get(key);
        return v == null ? null : ((Number) v).longValue();
    }

    /**
     * The state after applying {@code entries} (refused ones skipped) to {@code initial}, which is
     * not modified. Fails if an entry's counts contradict the replayed state (an update that says
     * it matched a document the replay does not have, a modification the replay does not see, a
     * delete of an absent document, …).
     */
    public static Map<Object, Document> replay(Map<Object, Document> initial, List<Entry> entries) {
        Map<Object, Document> state = new LinkedHashMap<>();
        initial.forEach((id, d) -> state.put(id, copy(d)));
        for (Entry e : entries) {
            if (e.error() != null) {
                continue;
            }
            Document current = state.get(e.id());
            switch (e.op()) {
                case "insert":
                    check(current == null, e, "inserts an id the replay already has");
                    state.put(e.id(), copy(e.change()));
                    break;
                case "update":
                    check(e.matched() == (current == null ? 0 : 1), e, "matched count differs");
                    if (current != null) {
                        Document before = copy(current);
                        applyUpdate(current, e.change());
                        check(
                                e.modified() == (before.equals(current) ? 0 : 1),
                                e,
                                "modified count differs from the replay's");
                    }
                    break;
                case "replace":
                    check(e.matched() == (current == null ? 0 : 1), e, "matched count differs");
                    if (current != null) {
                        state.put(e.id(), copy(e.change()));
                    }
                    break;
                case "delete":
                    check(e.deleted() == (current == null ? 0 : 1), e, "deleted count differs");
                    state.remove(e.id());
                    break;
                default:
                    throw new AssertionError("unknown op in " + e);
            }
        }
        return state;
    }

    private static void check(boolean ok, Entry e, String what) {
        if (!ok) {
            throw new AssertionError("log entry " + e.seq() + " (" + e + "): " + what);
        }
    }

    /** Applies a MongoDB update document (the operators the simulator uses) in place. */
    public static void applyUpdate(Document doc, Document update) {
        for (Map.Entry<String, Object> op : update.entrySet()) {
            Document fields = (Document) op.getValue();
            for (Map.Entry<String, Object> f : fields.entrySet()) {
                String path = f.getKey();
                Object arg = f.getValue();
                switch (op.getKey()) {
                    case "$set":
                        parent(doc, path, true).put(leaf(path), arg);
                        break;
                    case "$unset":
                        Document p = parent(doc, path, false);
                        if (p != null) {
                            p.remove(leaf(path));
                        }
                        break;
                    case "$inc":
                        Document q = parent(doc, path, true);
                        q.put(leaf(path), add((Number) q.get(leaf(path)), (Number) arg));
                        break;
                    case "$push":
                        array(doc, path).add(arg);
                        break;
                    case "$pull":
                        array(doc, path).removeIf(element -> matches(element, arg));
                        break;
                    case "$pop":
                        List<Object> list = array(doc, path);
                        if (!list.isEmpty()) {
                            list.remove(((Number) arg).intValue() > 0 ? list.size() - 1 : 0);
                        }
                        break;
                    default:
                        throw new AssertionError("operator not replayed: " + op.getKey());
                }
            }
        }
    }

    private static boolean matches(Object element, Object condition) {
        if (condition instanceof Document c && element instanceof Document d) {
            for (Map.Entry<String, Object> e : c.entrySet()) {
                if (!Objects.equals(d.get(e.getKey()), e.getValue())) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(element, condition);
    }

    private static Number add(Number a, Number b) {
        if (a == null) {
            return b;
        }
        if (a instanceof Integer && b instanceof Integer) {
            long sum = (long) a.intValue() + b.intValue();
            return sum == (int) sum ? (Number) (int) sum : (Number) sum;
        }
        return a.longValue() + b.longValue();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> array(Document doc, String path) {
        Document p = parent(doc, path, true);
        Object v = p.get(leaf(path));
        if (v == null) {
            List<Object> list = new ArrayList<>();
            p.put(leaf(path), list);
            return list;
        }
        return (List<Object>) v;
    }

    private static Document parent(Document doc, String path, boolean create) {
        String[] parts = path.split("\\.");
        Document d = doc;
        for (int i = 0; i < parts.length - 1; i++) {
            Object next = d.get(parts[i]);
            if (next == null) {
                if (!create) {
                    return null;
                }
                next = new Document();
                d.put(parts[i], next);
            }
            d = (Document) next;
        }
        return d;
    }

    private static String leaf(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    /** A deep copy (through canonical Extended JSON, which keeps every type). */
    public static Document copy(Document d) {
        return Document.parse(
                d.toJson(
                        org.bson.json.JsonWriterSettings.builder()
                                .outputMode(org.bson.json.JsonMode.EXTENDED)
                                .build()));
    }
}
