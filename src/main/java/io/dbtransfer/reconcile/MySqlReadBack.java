package io.dbtransfer.reconcile;

import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.sink.MySqlDialect;
import io.dbtransfer.sink.TombstoneKey;
import io.dbtransfer.sink.ValueCodec;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Predicate;

/**
 * Reads what MySQL holds for document keys, on its own (plain JDBC, no Flink): the parent row and
 * its version, every child row, the tombstone version; hashed with {@link RowHasher}.
 *
 * <p>Keys are the texts of the parent table's single key column ({@code _id}); every child table's
 * first column holds that document key.
 */
public final class MySqlReadBack {

    /** Keys per {@code SELECT … WHERE key IN (…)}. */
    public static final int BATCH = 500;

    private MySqlReadBack() {}

    /** What MySQL holds for one document key. */
    public static final class Observed {
        /** {@code _src_version} of the parent row, or {@code null} when there is none. */
        public Long version;

        /** Version of the key's tombstone, or {@code null}. */
        public Long tombstoneVersion;

        /** Sum of the row hashes of the parent and all child rows (zero when none). */
        public Hash128 hash = Hash128.ZERO;

        /** Parent row values (canonical; only kept by {@link #read}), or {@code null}. */
        public String[] parent;

        /** True when MySQL holds the parent row. */
        public boolean hasParent;

        /** Number of child rows. */
        public int childRows;

        /** True when MySQL holds any row (parent or child) for the key. */
        public boolean hasRows() {
            return hasParent || childRows > 0;
        }
    }

    /** Reads the given keys (batched); keys MySQL knows nothing of map to an empty Observed. */
    public static Map<String, Observed> read(
            Connection connection, TableSpec table, Collection<String> keys) throws SQLException {
        Map<String, Observed> out = new LinkedHashMap<>();
        for (String k : keys) {
            out.put(k, new Observed());
        }
        List<String> all = new ArrayList<>(keys);
        for (int from = 0; from < all.size(); from += BATCH) {
            List<String> batch = all.subList(from, Math.min(all.size(), from + BATCH));
            readParents(connection, table, batch, out);
            for (TableSpec child : RowHasher.descendants(table)) {
                readChildren(connection, child, batch, out);
            }
            readTombstones(connection, table, batch, out);
        }
        return out;
    }

    /**
     * Streams whole tables (parent, then each child table) and returns, for every key accepted by
     * {@code filter}, what MySQL holds; child rows without a parent row appear with {@code version
     * == null}.
     */
    public static Map<String, Observed> scan(
            Connection connection, TableSpec table, Predicate<String> filter) throws SQLException {
        Map<String, Observed> out = new HashMap<>();
        String sql =
                "SELECT "
                        + columnList(table)
                        + ", "
                        + MySqlDialect.quote(TableSpec.VERSION_COLUMN)
                        + " FROM "
                        + MySqlDialect.quote(table.name);
        try (Statement st = streaming(connection);
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                String[] row = row(rs, table);
                if (filter.test(row[0])) {
                    Observed o = out.computeIfAbsent(row[0], k -> new Observed());
                    addParent(o, table, row, ValueCodec.readVersion(rs, table.columns.size() + 1));
                    o.parent = null; // a sweep keeps only version and hash per key
                }
            }
        }
        for (TableSpec child : RowHasher.descendants(table)) {
            String childSql =
                    "SELECT " + columnList(child) + " FROM " + MySqlDialect.quote(child.name);
            try (Statement st = streaming(connection);
                    ResultSet rs = st.executeQuery(childSql)) {
                while (rs.next()) {
                    String[] row = row(rs, child);
                    if (filter.test(row[0])) {
                        Observed o = out.computeIfAbsent(row[0], k -> new Observed());
                        o.hash = o.hash.plus(RowHasher.row(child, row));
                        o.childRows++;
                    }
                }
            }
        }
        return out;
    }

    /** Every row MySQL holds for one document key, with values. */
    public static final class Rows {
        /** The parent row, or {@code null}. */
        public String[] parent;

        /** Rows per child table name. */
        public final Map<String, List<String[]>> children = new LinkedHashMap<>();
    }

    /** Reads the parent row and every child row of one key (canonical values). */
    public static Rows rows(Connection connection, TableSpec table, String keyText)
            throws SQLException {
        Rows out = new Rows();
        List<String[]> parents = select(connection, table, keyText);
        out.parent = parents.isEmpty() ? null : parents.get(0);
        for (TableSpec child : RowHasher.descendants(table)) {
            out.children.put(child.name, select(connection, child, keyText));
        }
        return out;
    }

    private static List<String[]> select(Connection c, TableSpec table, String keyText)
            throws SQLException {
        String sql =
                "SELECT "
                        + columnList(table)
                        + " FROM "
                        + MySqlDialect.quote(table.name)
                        + " WHERE "
                        + MySqlDialect.quote(table.columns.get(0).name)
                        + " = ?";
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, keyText);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs, table));
                }
            }
        }
        return out;
    }

    private static Statement streaming(Connection connection) throws SQLException {
        Statement st =
                connection.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
        // MySQL Connector/J streams row by row with this fetch size instead of buffering the table.
        st.setFetchSize(Integer.MIN_VALUE);
        return st;
    }

    private static void readParents(
            Connection c, TableSpec table, List<String> batch, Map<String, Observed> out)
            throws SQLException {
        String sql =
                "SELECT "
                        + columnList(table)
                        + ", "
                        + MySqlDialect.quote(TableSpec.VERSION_COLUMN)
                        + " FROM "
                        + MySqlDialect.quote(table.name)
                        + " WHERE "
                        + MySqlDialect.quote(table.columns.get(0).name)
                        + " IN ("
                        + placeholders(batch.size())
                        + ")";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, batch);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] row = row(rs, table);
                    Observed o = out.get(row[0]);
                    if (o != null) {
                        addParent(
                                o,
                                table,
                                row,
                                ValueCodec.readVersion(rs, table.columns.size() + 1));
                    }
                }
            }
        }
    }

    private static void readChildren(
            Connection c, TableSpec child, List<String> batch, Map<String, Observed> out)
            throws SQLException {
        String sql =
                "SELECT "
                        + columnList(child)
                        + " FROM "
                        + MySqlDialect.quote(child.name)
                        + " WHERE "
                        + MySqlDialect.quote(child.columns.get(0).name)
                        + " IN ("
                        + placeholders(batch.size())
                        + ")";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, batch);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] row = row(rs, child);
                    Observed o = out.get(row[0]);
                    if (o != null) {
                        o.hash = o.hash.plus(RowHasher.row(child, row));
                        o.childRows++;
                    }
                }
            }
        }
    }

    private static void readTombstones(
            Connection c, TableSpec table, List<String> batch, Map<String, Observed> out)
            throws SQLException {
        Map<String, String> byEncoded = new HashMap<>();
        for (String k : batch) {
            byEncoded.put(TombstoneKey.encode(new String[] {k}, 1), k);
        }
        String sql =
                "SELECT `pk`, `version` FROM "
                        + MySqlDialect.quote(MySqlDialect.TOMBSTONE_TABLE)
                        + " WHERE `tbl` = ? AND `pk` IN ("
                        + placeholders(batch.size())
                        + ")";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, table.name);
            int i = 2;
            for (String encoded : byEncoded.keySet()) {
                ps.setString(i++, encoded);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String k = byEncoded.get(rs.getString(1));
                    if (k != null && out.get(k) != null) {
                        out.get(k).tombstoneVersion = ValueCodec.readVersion(rs, 2);
                    }
                }
            }
        }
    }

    private static void addParent(Observed o, TableSpec table, String[] row, long version) {
        o.parent = row;
        o.hasParent = true;
        o.version = version;
        o.hash = o.hash.plus(RowHasher.row(table, row));
    }

    private static String[] row(ResultSet rs, TableSpec table) throws SQLException {
        String[] values = new String[table.columns.size()];
        for (int i = 0; i < values.length; i++) {
            ColumnSpec c = table.columns.get(i);
            values[i] = CanonicalValues.fromJdbc(rs, i + 1, c.type);
        }
        return values;
    }

    private static void bind(PreparedStatement ps, List<String> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            ps.setString(i + 1, values.get(i));
        }
    }

    static String columnList(TableSpec table) {
        StringJoiner j = new StringJoiner(", ");
        for (ColumnSpec c : table.columns) {
            j.add(MySqlDialect.quote(c.name));
        }
        return j.toString();
    }

    private static String placeholders(int n) {
        StringJoiner j = new StringJoiner(", ");
        for (int i = 0; i < n; i++) {
            j.add("?");
        }
        return j.toString();
    }
}
