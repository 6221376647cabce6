package io.dbtransfer.reconcile;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.hashing.Hash128;
import io.dbtransfer.hashing.KeyTexts;
import io.dbtransfer.hashing.RowHasher;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.RoutingKey;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A sweep of one subtask's keys against MySQL, a page at a time, resumable from a {@link
 * SweepCursor}: memory is bounded by the page, not by the table. Pure (plain JDBC, no Flink); the
 * keyed state is reached through {@link Env}.
 *
 * <p>Phase {@link SweepCursor#STATE}: this subtask's state keys in (key group, key) order; a key
 * whose source rows must exist and whose parent row MySQL lacks is suspect (a missing key). It also
 * collects the {@code _id} types per collection. Phase {@link SweepCursor#MYSQL}: every table in
 * key order (keyset pagination), parent and child rows of a key range together; for every key this
 * subtask owns, the per-key digest of MySQL's rows ({@link RowHasher#keyDigest} of version and row
 * hashes) is compared with the digest of the state; a difference (different rows or version, an
 * extra key, orphan child rows) is suspect. Suspects are handed to {@link Env#suspect}, which reads
 * them back and judges them like any checked key.
 */
public final class Sweep {

    /** The operator's side of a sweep: its keyed state and its checks. */
    public interface Env {
        /**
         * Up to {@code n} state keys after ({@code keyGroup}, {@code after}) in (key group, routing
         * key) order with their state ({@code after == null}: from the start of {@code keyGroup};
         * {@code keyGroup == -1}: from the first).
         */
        List<StateKey> stateKeys(int keyGroup, String after, int n) throws Exception;

        /** True when this subtask owns the routing key. */
        boolean owns(String routingKey);

        /** The state of a routing key this subtask owns, or {@code null}. */
        KeyState state(String routingKey) throws Exception;

        /** A key differs: have it read back and judged (unless it is in flight or reported). */
        void suspect(String routingKey) throws Exception;

        /**
         * The routing keys among {@code routingKeys} whose document MongoDB holds now (empty when
         * the source cannot be read).
         */
        Set<String> inSource(String collection, List<String> routingKeys) throws Exception;

        /**
         * The source version a re-snapshot of {@code collection} started at ({@code
         * mongo.resnapshot}), or 0: none.
         */
        default long resnapshotFrom(String collection) {
            return 0L;
        }

        /**
         * Keys of a re-snapshotted collection whose rows are older than the re-snapshot: the
         * operator removes those whose document MongoDB no longer holds (deleted while the stream
         * was lost); the re-snapshot rewrites the others.
         */
        default void olderThanResnapshot(String collection, List<String> routingKeys)
                throws Exception {}
    }

    /** One state key with its key group and state. */
    public static final class StateKey {
        public final int keyGroup;
        public final String routingKey;
        public final KeyState state;

        public StateKey(int keyGroup, String routingKey, KeyState state) {
            this.keyGroup = keyGroup;
            this.routingKey = routingKey;
            this.state = state;
        }
    }

    private final Mapping mapping;
    private final int pageSize;

    public Sweep(Mapping mapping, int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("reconcile.sweep-page-size must be at least 1");
        }
        this.mapping = mapping;
        this.pageSize = pageSize;
    }

    /** Does one page of work; returns true when the sweep is complete. */
    public boolean step(SweepCursor c, Connection connection, Env env) throws Exception {
        switch (c.phase) {
            case SweepCursor.STATE:
                statePage(c, connection, env);
                break;
            case SweepCursor.MYSQL:
                mysqlPage(c, connection, env);
                break;
            default:
                break;
        }
        c.pages++;
        return c.phase == SweepCursor.DONE;
    }

    private void statePage(SweepCursor c, Connection connection, Env env) throws Exception {
        List<StateKey> keys = env.stateKeys(c.keyGroup, c.stateAfter, pageSize);
        // Per collection: key text -> routing key of the keys whose rows must exist.
        Map<String, Map<String, String>> expected = new LinkedHashMap<>();
        Map<String, List<String>> older = new LinkedHashMap<>();
        for (StateKey k : keys) {
            String collection = RoutingKey.collection(k.routingKey);
            c.sawIdType(collection, KeyTexts.idType(k.routingKey));
            TableSpec table = mapping.tableFor(collection);
            if (table == null || k.state == null || !k.state.expectsRows()) {
                continue;
            }
            long from = env.resnapshotFrom(collection);
            if (from != 0 && Long.compareUnsigned(k.state.version, from) < 0) {
                older.computeIfAbsent(collection, x -> new ArrayList<>()).add(k.routingKey);
            }
            String text = KeyTexts.keyText(k.routingKey, table.columns.get(0).type);
            if (text != null) {
                expected.computeIfAbsent(collection, x -> new LinkedHashMap<>())
                        .put(text, k.routingKey);
            }
        }
        for (Map.Entry<String, Map<String, String>> e : expected.entrySet()) {
            TableSpec table = mapping.tableFor(e.getKey());
            Set<String> present = MySqlReadBack.present(connection, table, e.getValue().keySet());
            for (Map.Entry<String, String> k : e.getValue().entrySet()) {
                if (!present.contains(k.getKey())) {
                    c.consistent = false;
                    env.suspect(k.getValue());
                }
            }
        }
        for (Map.Entry<String, List<String>> e : older.entrySet()) {
            env.olderThanResnapshot(e.getKey(), e.getValue());
        }
        c.stateKeys += keys.size();
        if (keys.size() < pageSize) {
            c.phase = SweepCursor.MYSQL;
            c.collection = firstCollection();
            c.mysqlAfter = null;
            if (c.collection == null) {
                c.phase = SweepCursor.DONE;
            }
        } else {
            StateKey last = keys.get(keys.size() - 1);
            c.keyGroup = last.keyGroup;
            c.stateAfter = last.routingKey;
        }
    }

    private void mysqlPage(SweepCursor c, Connection connection, Env env) throws Exception {
        TableSpec table = mapping.tableFor(c.collection);
        if (table == null) { // the mapping changed under a restored cursor
            nextCollection(c);
            return;
        }
        ColumnType keyType = table.columns.get(0).type;
        MySqlReadBack.Page page = MySqlReadBack.page(connection, table, c.mysqlAfter, pageSize);
        Set<String> idTypes = c.idTypes(c.collection);
        // Keys this subtask claims without state, with the other _ids their text can come from.
        Map<String, List<String>> unknown = new LinkedHashMap<>();
        for (Map.Entry<String, MySqlReadBack.Observed> o : page.keys.entrySet()) {
            String text = o.getKey();
            String routingKey = owner(env, c.collection, text, keyType, idTypes);
            if (routingKey == null) {
                continue;
            }
            c.mysqlKeys++;
            KeyState st = env.state(routingKey);
            if (st == null) {
                List<String> others =
                        new ArrayList<>(KeyTexts.candidates(c.collection, text, keyType));
                others.remove(routingKey);
                if (!others.isEmpty()) {
                    unknown.put(routingKey, others);
                    continue;
                }
            }
            boolean differs =
                    st == null
                            || !st.expectsRows()
                            || !RowHasher.keyDigest(text, st.version, st.hash())
                                    .equals(digest(text, o.getValue()));
            if (differs) {
                c.consistent = false;
                env.suspect(routingKey);
            }
        }
        if (!unknown.isEmpty()) {
            // A row without state here whose text another _id type can have (an integer _id under
            // a text key, a 24-hex string next to ObjectIds): when MongoDB holds that other _id,
            // the row is its document's, judged by that key's owner; never an extra row of ours.
            List<String> others = new ArrayList<>();
            unknown.values().forEach(others::addAll);
            Set<String> held = env.inSource(c.collection, others);
            for (Map.Entry<String, List<String>> u : unknown.entrySet()) {
                if (u.getValue().stream().noneMatch(held::contains)) {
                    c.consistent = false;
                    env.suspect(u.getKey());
                }
            }
        }
        if (page.last == null) {
            nextCollection(c);
        } else {
            c.mysqlAfter = page.last;
        }
    }

    private static Hash128 digest(String keyText, MySqlReadBack.Observed o) {
        return RowHasher.keyDigest(keyText, o.version == null ? -1 : o.version, o.hash);
    }

    /**
     * The routing key under which this subtask judges a MySQL key text, or {@code null}: not ours.
     * A text that fits several {@code _id} types (an integer as Int32 and Int64, 24 hex digits as
     * ObjectId and string) is claimed in a type this subtask's keys of the collection use, and by
     * the candidate that has state, so two subtasks never both claim one row.
     */
    static String owner(
            Env env, String collection, String keyText, ColumnType keyType, Set<String> idTypes)
            throws Exception {
        List<String> candidates = KeyTexts.candidates(collection, keyText, keyType);
        if (candidates.size() > 1 && !idTypes.isEmpty()) {
            List<String> seen = new ArrayList<>();
            for (String c : candidates) {
                if (idTypes.contains(KeyTexts.idType(c))) {
                    seen.add(c);
                }
            }
            if (!seen.isEmpty()) {
                candidates = seen;
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        for (String c : candidates) {
            if (env.owns(c) && env.state(c) != null) {
                return c;
            }
        }
        return env.owns(candidates.get(0)) ? candidates.get(0) : null;
    }

    private String firstCollection() {
        TreeSet<String> names = new TreeSet<>(mapping.byCollection().keySet());
        return names.isEmpty() ? null : names.first();
    }

    private void nextCollection(SweepCursor c) {
        String next = new TreeSet<>(mapping.byCollection().keySet()).higher(c.collection);
        c.collection = next;
        c.mysqlAfter = null;
        if (next == null) {
            c.phase = SweepCursor.DONE;
        }
    }
}
