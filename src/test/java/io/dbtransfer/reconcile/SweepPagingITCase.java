package io.dbtransfer.reconcile;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.hashing.KeyTexts;
import io.dbtransfer.hashing.RowHasher;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.ColumnType.Kind;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.sink.ChangeApplier;
import io.dbtransfer.testing.TestMySql;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pure {@link Sweep} and the keyset pages of {@link MySqlReadBack#page} against a real MariaDB,
 * with the keyed state as a plain sorted map: every row is read exactly once whatever the page size
 * (also with a document whose child rows outnumber a page, and orphan child rows beyond the last
 * parent row), integer keys page in numeric order, and a sweep names exactly the keys that differ.
 */
class SweepPagingITCase {

    static final TableSpec ITEMS =
            new TableSpec(
                    "o_items",
                    List.of(
                            new ColumnSpec("o_id", ColumnType.of(Kind.BIGINT), "o_id"),
                            new ColumnSpec("_idx", ColumnType.of(Kind.INT), "_idx"),
                            new ColumnSpec("sku", ColumnType.of(Kind.TEXT), "sku")),
                    2);

    static final TableSpec ORDERS =
            new TableSpec(
                    "o",
                    List.of(
                            new ColumnSpec("_id", ColumnType.of(Kind.BIGINT), "_id"),
                            new ColumnSpec("total", ColumnType.of(Kind.INT), "total")),
                    1,
                    List.of(ITEMS));

    static final Mapping MAPPING = new Mapping(Map.of("orders", ORDERS));

    /** Order {@code i}: {@code i % 5} items, order 7 has 60. */
    static RowChange order(long i) {
        int items = i == 7 ? 60 : (int) (i % 5);
        String[][] rows = new String[items][];
        for (int n = 0; n < items; n++) {
            rows[n] = new String[] {Long.toString(i), Integer.toString(n), "sku-" + i + "-" + n};
        }
        return RowChange.upsert(
                "orders",
                "o",
                "{\"$numberLong\": \"" + i + "\"}",
                100 + i,
                new String[] {Long.toString(i), Long.toString(i * 3)},
                new ChildRows[] {new ChildRows("o_items", rows)});
    }

    /** The keyed state of one subtask that owns every key, as a sorted map. */
    static final class MapEnv implements Sweep.Env {
        final TreeMap<String, KeyState> state = new TreeMap<>();
        final TreeSet<String> suspects = new TreeSet<>();

        @Override
        public List<Sweep.StateKey> stateKeys(int keyGroup, String after, int n) {
            List<Sweep.StateKey> out = new ArrayList<>();
            for (Map.Entry<String, KeyState> e :
                    (after == null ? state : state.tailMap(after, false)).entrySet()) {
                if (out.size() == n) {
                    break;
                }
                out.add(new Sweep.StateKey(0, e.getKey(), e.getValue()));
            }
            return out;
        }

        @Override
        public boolean owns(String routingKey) {
            return true;
        }

        @Override
        public KeyState state(String routingKey) {
            return state.get(routingKey);
        }

        @Override
        public java.util.Set<String> inSource(String collection, List<String> routingKeys) {
            return java.util.Set.of(); // no source here: every unknown key is suspect
        }

        @Override
        public void suspect(String routingKey) {
            suspects.add(KeyTexts.keyText(routingKey, ORDERS.columns.get(0).type));
        }
    }

    static String load(String name, int orders) throws Exception {
        String url = TestMySql.newDatabase(name);
        List<RowChange> changes = new ArrayList<>();
        for (long i = 1; i <= orders; i++) {
            changes.add(order(i));
        }
        try (Connection conn = TestMySql.connect(url)) {
            SchemaManager.createTables(conn, MAPPING);
            conn.setAutoCommit(false);
            new ChangeApplier(MAPPING).apply(conn, changes);
            conn.commit();
        }
        return url;
    }

    static MapEnv env(int orders) {
        MapEnv env = new MapEnv();
        for (long i = 1; i <= orders; i++) {
            RowChange c = order(i);
            env.state.put(
                    c.routingKey(),
                    new KeyState(
                            c.version, RowHasher.document(ORDERS, c.parent, c.children), (byte) 0));
        }
        return env;
    }

    @Test
    void pagesReadEveryRowOnceInKeyOrderWhateverThePageSize() throws Exception {
        String url = load("sweep_pages", 30);
        try (Connection c = TestMySql.connect(url);
                Statement st = c.createStatement()) {
            // Orphan child rows beyond the last order, more than a small page holds.
            for (int n = 0; n < 40; n++) {
                st.execute(
                        "INSERT INTO o_items (o_id, _idx, sku) VALUES (500, " + n + ", 'orphan')");
            }
            long total = 0;
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT (SELECT COUNT(*) FROM o) + (SELECT COUNT(*) FROM o_items)")) {
                rs.next();
                total = rs.getLong(1);
            }
            for (int pageSize : new int[] {1, 2, 3, 7, 1000}) {
                String after = null;
                long rows = 0;
                List<Long> keys = new ArrayList<>();
                Map<String, Integer> children = new HashMap<>();
                int pages = 0;
                do {
                    MySqlReadBack.Page page = MySqlReadBack.page(c, ORDERS, after, pageSize);
                    rows += page.rows;
                    for (Map.Entry<String, MySqlReadBack.Observed> e : page.keys.entrySet()) {
                        keys.add(Long.parseLong(e.getKey()));
                        children.merge(e.getKey(), e.getValue().childRows, Integer::sum);
                    }
                    after = page.last;
                    assertThat(++pages).isLessThan(1000);
                } while (after != null);
                assertThat(rows).as("page size " + pageSize + ": every row once").isEqualTo(total);
                assertThat(new TreeSet<>(keys)).hasSize(keys.size()).hasSize(31);
                assertThat(children.get("7")).as("a document larger than a page").isEqualTo(60);
                assertThat(children.get("500")).isEqualTo(40);
                // Keys per page come out in key order: numeric, not text (2 < 10).
                assertThat(keys.indexOf(2L)).isLessThan(keys.indexOf(10L));
            }
        }
    }

    @Test
    void aSweepNamesExactlyTheKeysThatDiffer() throws Exception {
        String url = load("sweep_pure", 30);
        MapEnv env = env(30);
        try (Connection c = TestMySql.connect(url);
                Statement st = c.createStatement()) {
            SweepCursor clean = new SweepCursor(0, 1, 0);
            Sweep sweep = new Sweep(MAPPING, 4);
            int steps = 0;
            while (!sweep.step(clean, c, env)) {
                steps++;
            }
            assertThat(env.suspects).as("equal: nothing suspect").isEmpty();
            assertThat(clean.consistent).isTrue();
            assertThat(clean.stateKeys).isEqualTo(30);
            assertThat(clean.mysqlKeys).isEqualTo(30);
            assertThat(steps).as("30 keys in pages of 4, twice").isGreaterThanOrEqualTo(15);

            st.execute("UPDATE o SET total = total + 1 WHERE _id = 3");
            st.execute("DELETE FROM o_items WHERE o_id = 4 AND _idx = 0");
            st.execute("DELETE FROM o_items WHERE o_id = 9");
            st.execute("DELETE FROM o WHERE _id = 9");
            st.execute("INSERT INTO o (_id, total, _src_version) VALUES (77, 1, 5)");
            st.execute("INSERT INTO o_items (o_id, _idx, sku) VALUES (88, 0, 'orphan')");
            st.execute("UPDATE o SET _src_version = _src_version + 1 WHERE _id = 21");
            SweepCursor cursor = new SweepCursor(0, 1, 0);
            while (!sweep.step(cursor, c, env)) {
                // a page per step
            }
            assertThat(env.suspects).containsExactly("21", "3", "4", "77", "88", "9");
            assertThat(cursor.consistent).isFalse();
            assertThat(cursor.idTypes("orders")).containsExactly("int64");
        }
    }
}
