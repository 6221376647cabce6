package io.dbtransfer.dialect;

import io.dbtransfer.hashing.Hash128;
import io.dbtransfer.hashing.RowHasher;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.TargetType;

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
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Predicate;

/**
 * Reads what the target (MySQL or PostgreSQL) holds for document keys, on its own (plain JDBC, no
 * Flink): the parent row and its version, every child row, the tombstone version; hashed with
 * {@link RowHasher}. The SQL goes through the target's {@link TargetDialect} (quoting, key
 * parameters and their binding, {@code LIMIT}); the methods without a dialect take it from the
 * connection's URL.
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
        return read(dialectOf(connection), connection, table, keys);
    }

    /** {@link #read(Connection, TableSpec, Collection)} on the target of {@code d}. */
    public static Map<String, Observed> read(
            TargetDialect d, Connection connection, TableSpec table, Collection<String> keys)
            throws SQLException {
        Map<String, Observed> out = new LinkedHashMap<>();
        for (String k : keys) {
            out.put(k, new Observed());
        }
        // Each distinct key once: the statements bind one value per placeholder.
        List<String> all = new ArrayList<>(out.keySet());
        for (int from = 0; from < all.size(); from += BATCH) {
            List<String> batch = all.subList(from, Math.min(all.size(), from + BATCH));
            readParents(d, connection, table, batch, out);
            for (TableSpec child : TableSpec.descendants(table)) {
                readChildren(d, connection, child, batch, out);
            }
            readTombstones(d, connection, table, batch, out);
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
        TargetDialect d = dialectOf(connection);
        Map<String, Observed> out = new HashMap<>();
        String sql =
                "SELECT "
                        + columnList(d, table)
                        + ", "
                        + d.quoteIdentifier(TableSpec.VERSION_COLUMN)
                        + " FROM "
                        + d.quoteIdentifier(table.name);
        try (Statement st = streaming(d, connection);
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
        for (TableSpec child : TableSpec.descendants(table)) {
            String childSql =
                    "SELECT " + columnList(d, child) + " FROM " + d.quoteIdentifier(child.name);
            try (Statement st = streaming(d, connection);
                    ResultSet rs = st.executeQuery(childSql)) {
                while (rs.next()) {
                    String[] row = row(rs, child);
                    if (filter.test(row[0])) {
                        Observed o = out.computeIfAbsent(row[0], k -> new Observed());
                        o.hash = o.hash.plus(RowHasher.rowAsRead(child, row));
                        o.childRows++;
                    }
                }
            }
        }
        return out;
    }

    /** One page of a keyset-paged read: what MySQL holds per key text, in key order. */
    public static final class Page {
        /** Per key text (parent and child rows in the page's key range). */
        public final Map<String, Observed> keys = new LinkedHashMap<>();

        /**
         * The last key of the page's range (the next page starts after it), or {@code null}: the
         * page reached the end of every table.
         */
        public String last;

        /** Rows read (parent and child). */
        public long rows;
    }

    /**
     * Reads the keys after {@code after} ({@code null}: from the start) in the key column's order:
     * at most {@code pageSize} parent rows, and every child row whose document key falls in the
     * same range — at most {@code 16 × pageSize} per child table, the range shrinks when more are
     * there (so orphan child rows with keys beyond the last parent row are found as well, and no
     * page grows with the table). Memory is bounded by the page; every query is an index range scan
     * on the tables' leading key column.
     */
    public static Page page(Connection c, TableSpec table, String after, int pageSize)
            throws SQLException {
        return page(dialectOf(c), c, table, after, pageSize);
    }

    /** {@link #page(Connection, TableSpec, String, int)} on the target of {@code d}. */
    public static Page page(
            TargetDialect d, Connection c, TableSpec table, String after, int pageSize)
            throws SQLException {
        List<TableSpec> descendants = TableSpec.descendants(table);
        int childLimit = pageSize * 16;
        boolean[] unlimited = new boolean[descendants.size()];
        String hi = null;
        for (int attempt = 0; ; attempt++) {
            List<String[]> parents = new ArrayList<>();
            List<Long> versions = new ArrayList<>();
            String sql =
                    "SELECT "
                            + columnList(d, table)
                            + ", "
                            + d.quoteIdentifier(TableSpec.VERSION_COLUMN)
                            + " FROM "
                            + d.quoteIdentifier(table.name)
                            + range(d, table, after, hi != null)
                            + " ORDER BY "
                            + d.quoteIdentifier(table.columns.get(0).name)
                            + d.limit(pageSize);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bindRange(d, ps, table, after, hi);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        parents.add(row(rs, table));
                        versions.add(ValueCodec.readVersion(rs, table.columns.size() + 1));
                    }
                }
            }
            if (hi == null && parents.size() == pageSize) {
                hi = parents.get(parents.size() - 1)[0];
            }
            List<List<String[]>> children = new ArrayList<>();
            String narrowed = null;
            for (int t = 0; t < descendants.size(); t++) {
                boolean all = unlimited[t] || attempt >= 64;
                List<String[]> rows =
                        childRange(d, c, descendants.get(t), after, hi, all ? -1 : childLimit);
                if (!all && rows.size() == childLimit) {
                    // More child rows in the range than a page holds: end the range before the
                    // last key read (its rows may go on) — or, when the rows are all of one key,
                    // at that key, read whole.
                    String lastKey = rows.get(rows.size() - 1)[0];
                    for (int i = rows.size() - 1; i >= 0 && narrowed == null; i--) {
                        if (!rows.get(i)[0].equals(lastKey)) {
                            narrowed = rows.get(i)[0];
                        }
                    }
                    if (narrowed == null) {
                        narrowed = lastKey;
                        unlimited[t] = true;
                    }
                    break;
                }
                children.add(rows);
            }
            if (narrowed != null) {
                hi = narrowed;
                continue;
            }
            Page out = new Page();
            for (int i = 0; i < parents.size(); i++) {
                Observed o = out.keys.computeIfAbsent(parents.get(i)[0], k -> new Observed());
                addParent(o, table, parents.get(i), versions.get(i));
                o.parent = null; // a sweep keeps only version and hash per key
                out.rows++;
            }
            for (int t = 0; t < descendants.size(); t++) {
                for (String[] row : children.get(t)) {
                    Observed o = out.keys.computeIfAbsent(row[0], k -> new Observed());
                    o.hash = o.hash.plus(RowHasher.rowAsRead(descendants.get(t), row));
                    o.childRows++;
                    out.rows++;
                }
            }
            out.last = hi;
            return out;
        }
    }

    private static List<String[]> childRange(
            TargetDialect d, Connection c, TableSpec child, String after, String hi, int limit)
            throws SQLException {
        String sql =
                "SELECT "
                        + columnList(d, child)
                        + " FROM "
                        + d.quoteIdentifier(child.name)
                        + range(d, child, after, hi != null)
                        + " ORDER BY "
                        + d.quoteIdentifier(child.columns.get(0).name)
                        + (limit < 0 ? "" : d.limit(limit));
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bindRange(d, ps, child, after, hi);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs, child));
                }
            }
        }
        return out;
    }

    private static String range(TargetDialect d, TableSpec table, String after, boolean bounded) {
        ColumnSpec column = table.columns.get(0);
        String key = d.quoteIdentifier(column.name);
        StringJoiner where = new StringJoiner(" AND ", " WHERE ", "").setEmptyValue("");
        if (after != null) {
            where.add(key + " > " + d.keyParameter(column));
        }
        if (bounded) {
            where.add(key + " <= " + d.keyParameter(column));
        }
        return where.toString();
    }

    private static void bindRange(
            TargetDialect d, PreparedStatement ps, TableSpec table, String after, String hi)
            throws SQLException {
        int i = 1;
        if (after != null) {
            d.bindKeyText(ps, i++, table.columns.get(0), after);
        }
        if (hi != null) {
            d.bindKeyText(ps, i, table.columns.get(0), hi);
        }
    }

    /**
     * Binds a key text where the read-back has always bound text on MySQL (which converts it to the
     * column's type itself); other targets bind it in the column's type.
     */
    private static void bindText(
            TargetDialect d, PreparedStatement ps, int index, ColumnSpec column, String keyText)
            throws SQLException {
        if (d.type() == TargetType.MYSQL) {
            ps.setString(index, keyText);
        } else {
            d.bindKeyText(ps, index, column, keyText);
        }
    }

    /** The dialect of the database {@code c} is connected to (MySQL when the URL says nothing). */
    public static TargetDialect dialectOf(Connection c) throws SQLException {
        String url = c.getMetaData().getURL();
        return url != null && url.toLowerCase(Locale.ROOT).startsWith("jdbc:postgresql:")
                ? PostgresDialect.INSTANCE
                : MySqlDialect.INSTANCE;
    }

    /**
     * The first {@code limit} distinct document keys the target holds after {@code lower} (from the
     * first when null) over the parent and all child tables, in the target's order of the key
     * column: each table's first {@code limit} keys, merged and cut by the database, so a page
     * never holds more than {@code limit} keys however many rows the range has.
     */
    public static List<String> keyPage(
            TargetDialect d, Connection c, TableSpec table, String lower, int limit)
            throws SQLException {
        List<TableSpec> tables = new ArrayList<>();
        tables.add(table);
        tables.addAll(TableSpec.descendants(table));
        String k = d.quoteIdentifier("k");
        StringBuilder sql = new StringBuilder("SELECT " + k + " FROM (");
        for (int i = 0; i < tables.size(); i++) {
            TableSpec t = tables.get(i);
            String column = d.quoteIdentifier(t.columns.get(0).name);
            // Parenthesised members only in a UNION (older MySQL 8 refuse "((SELECT …)) t").
            boolean union = tables.size() > 1;
            sql.append(i == 0 ? "" : " UNION ")
                    .append(union ? "(" : "")
                    .append("SELECT DISTINCT ")
                    .append(column)
                    .append(" AS ")
                    .append(k)
                    .append(" FROM ")
                    .append(d.quoteIdentifier(t.name))
                    .append(" WHERE 1 = 1");
            if (lower != null) {
                sql.append(" AND ")
                        .append(column)
                        .append(" > ")
                        .append(d.keyParameter(t.columns.get(0)));
            }
            sql.append(" ORDER BY ").append(column).append(d.limit(limit));
            sql.append(union ? ")" : "");
        }
        sql.append(") ")
                .append(d.quoteIdentifier("page"))
                .append(" ORDER BY ")
                .append(k)
                .append(d.limit(limit));
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            for (TableSpec t : tables) {
                if (lower != null) {
                    bindText(d, ps, i++, t.columns.get(0), lower);
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(CanonicalValues.fromJdbc(rs, 1, table.columns.get(0).type));
                }
            }
        }
        return out;
    }

    /** The keys among {@code keys} that have a parent row in MySQL (batched). */
    public static java.util.Set<String> present(
            Connection c, TableSpec table, Collection<String> keys) throws SQLException {
        TargetDialect d = dialectOf(c);
        java.util.Set<String> out = new java.util.HashSet<>();
        List<String> all = new ArrayList<>(keys);
        for (int from = 0; from < all.size(); from += BATCH) {
            List<String> batch = all.subList(from, Math.min(all.size(), from + BATCH));
            String sql =
                    "SELECT "
                            + d.quoteIdentifier(table.columns.get(0).name)
                            + " FROM "
                            + d.quoteIdentifier(table.name)
                            + " WHERE "
                            + d.quoteIdentifier(table.columns.get(0).name)
                            + " IN ("
                            + placeholders(d, table.columns.get(0), batch.size())
                            + ")";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < batch.size(); i++) {
                    d.bindKeyText(ps, i + 1, table.columns.get(0), batch.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(CanonicalValues.fromJdbc(rs, 1, table.columns.get(0).type));
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
        return rows(dialectOf(connection), connection, table, keyText);
    }

    /** {@link #rows(Connection, TableSpec, String)} on the target of {@code d}. */
    public static Rows rows(TargetDialect d, Connection connection, TableSpec table, String keyText)
            throws SQLException {
        Rows out = new Rows();
        List<String[]> parents = select(d, connection, table, keyText);
        out.parent = parents.isEmpty() ? null : parents.get(0);
        for (TableSpec child : TableSpec.descendants(table)) {
            out.children.put(child.name, select(d, connection, child, keyText));
        }
        return out;
    }

    private static List<String[]> select(
            TargetDialect d, Connection c, TableSpec table, String keyText) throws SQLException {
        ColumnSpec key = table.columns.get(0);
        String sql =
                "SELECT "
                        + columnList(d, table)
                        + " FROM "
                        + d.quoteIdentifier(table.name)
                        + " WHERE "
                        + d.quoteIdentifier(key.name)
                        + " = "
                        + d.keyParameter(key);
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bindText(d, ps, 1, key, keyText);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs, table));
                }
            }
        }
        return out;
    }

    private static Statement streaming(TargetDialect d, Connection connection) throws SQLException {
        Statement st =
                connection.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
        // Streams instead of buffering the table (MySQL Connector/J: row by row).
        st.setFetchSize(d.streamingFetchSize());
        return st;
    }

    private static void readParents(
            TargetDialect d,
            Connection c,
            TableSpec table,
            List<String> batch,
            Map<String, Observed> out)
            throws SQLException {
        String sql =
                "SELECT "
                        + columnList(d, table)
                        + ", "
                        + d.quoteIdentifier(TableSpec.VERSION_COLUMN)
                        + " FROM "
                        + d.quoteIdentifier(table.name)
                        + " WHERE "
                        + d.quoteIdentifier(table.columns.get(0).name)
                        + " IN ("
                        + placeholders(d, table.columns.get(0), batch.size())
                        + ")";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(d, ps, table.columns.get(0), batch);
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
            TargetDialect d,
            Connection c,
            TableSpec child,
            List<String> batch,
            Map<String, Observed> out)
            throws SQLException {
        String sql =
                "SELECT "
                        + columnList(d, child)
                        + " FROM "
                        + d.quoteIdentifier(child.name)
                        + " WHERE "
                        + d.quoteIdentifier(child.columns.get(0).name)
                        + " IN ("
                        + placeholders(d, child.columns.get(0), batch.size())
                        + ")";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(d, ps, child.columns.get(0), batch);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] row = row(rs, child);
                    Observed o = out.get(row[0]);
                    if (o != null) {
                        o.hash = o.hash.plus(RowHasher.rowAsRead(child, row));
                        o.childRows++;
                    }
                }
            }
        }
    }

    private static void readTombstones(
            TargetDialect d,
            Connection c,
            TableSpec table,
            List<String> batch,
            Map<String, Observed> out)
            throws SQLException {
        Map<String, String> byEncoded = new HashMap<>();
        for (String k : batch) {
            byEncoded.put(TombstoneKey.encode(new String[] {k}, 1), k);
        }
        String sql =
                "SELECT "
                        + d.quoteIdentifier("pk")
                        + ", "
                        + d.quoteIdentifier("version")
                        + " FROM "
                        + d.quoteIdentifier(MySqlDialect.TOMBSTONE_TABLE)
                        + " WHERE "
                        + d.quoteIdentifier("tbl")
                        + " = ? AND "
                        + d.quoteIdentifier("pk")
                        + " IN ("
                        + placeholders(byEncoded.size())
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
        o.hash = o.hash.plus(RowHasher.rowAsRead(table, row));
    }

    private static String[] row(ResultSet rs, TableSpec table) throws SQLException {
        String[] values = new String[table.columns.size()];
        for (int i = 0; i < values.length; i++) {
            ColumnSpec c = table.columns.get(i);
            values[i] = CanonicalValues.fromJdbc(rs, i + 1, c.type);
        }
        return values;
    }

    private static void bind(
            TargetDialect d, PreparedStatement ps, ColumnSpec column, List<String> values)
            throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            bindText(d, ps, i + 1, column, values.get(i));
        }
    }

    static String columnList(TargetDialect d, TableSpec table) {
        StringJoiner j = new StringJoiner(", ");
        for (ColumnSpec c : table.columns) {
            j.add(d.quoteIdentifier(c.name));
        }
        return j.toString();
    }

    private static String placeholders(TargetDialect d, ColumnSpec column, int n) {
        StringJoiner j = new StringJoiner(", ");
        for (int i = 0; i < n; i++) {
            j.add(d.keyParameter(column));
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
