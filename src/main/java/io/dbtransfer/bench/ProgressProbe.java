package io.dbtransfer.bench;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.model.TargetType;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The harness's view of snapshot progress: how many rows of the parent table are visible in the
 * target, asked only when that can have changed, and asked cheaply, so that the probe does not take
 * the server's CPU from the job it measures (on InnoDB a {@code COUNT(*)} reads every row).
 *
 * <p>When. With exactly-once delivery on MySQL / MariaDB rows become visible only by {@code XA
 * COMMIT}: the probe polls the server's {@code Com_xa_commit} counter (a status read, no table
 * access) and counts after each change, twice (the counter moves when the statement starts, before
 * the commit is visible), and at least every 5 s. Otherwise (idempotent delivery, PostgreSQL) it
 * counts at most once per second.
 *
 * <p>How. Given the source's keys, the probe splits them into ranges of about {@value #RANGE_KEYS}
 * keys in the target's key order and counts range by range ({@code COUNT(*) … WHERE _id >= ? AND
 * _id < ?}, all ranges in one statement); a range that holds all of its source keys is not counted
 * again. A count then reads the rows of the ranges still filling instead of the whole table. It
 * does so only where the target orders keys as Java orders them (a binary collation and ASCII
 * keys); when all ranges are full it confirms the total with one whole-table count, and it falls
 * back to whole-table counts if a range ever holds more rows than source keys.
 */
final class ProgressProbe {

    /** Source keys per range. */
    static final int RANGE_KEYS = 4096;

    private static final long RECOUNT_NANOS = 5_000_000_000L;
    private static final long PLAIN_NANOS = 1_000_000_000L;

    private final Connection connection;
    private final String table;
    private final boolean onCommits;

    /** The lowest source key of each range, ascending; {@code null} for whole-table counts. */
    private String[] lower;

    private long[] expected;
    private boolean[] full;
    private long fullRows;
    private long expectedRows;

    private long lastXaCommits = -1;
    private int recounts;
    private long lastCountAt;
    private long visible;

    /** Counts made (each one statement). */
    long countQueries;

    /** Wall time spent in them (an upper bound of the server CPU they cost), nanoseconds. */
    long countNanos;

    /** Rows those counts read, summed over the counts (what they read in all). */
    long rowsCounted;

    /** Status reads ({@code SHOW GLOBAL STATUS LIKE 'Com_xa_commit'}) sent. */
    long statusQueries;

    /** Why the probe counts the whole table, or {@code null} when it counts by key range. */
    String wholeTableReason;

    /** A probe that counts the whole table on each count. */
    ProgressProbe(Connection connection, String table, boolean exactlyOnce) throws SQLException {
        this(connection, table, exactlyOnce, List.of());
    }

    /**
     * A probe that counts by ranges of {@code sourceKeys} (the parent table's keys, as the source
     * holds them before the job) where the target's key column allows it.
     */
    ProgressProbe(Connection connection, String table, boolean exactlyOnce, List<String> sourceKeys)
            throws SQLException {
        this.connection = connection;
        this.table = table;
        TargetType target = MySqlReadBack.dialectOf(connection).type();
        this.onCommits = exactlyOnce && target == TargetType.MYSQL;
        this.wholeTableReason = rangesUnusable(sourceKeys, target);
        if (wholeTableReason == null) {
            String[] keys = sourceKeys.toArray(new String[0]);
            Arrays.sort(keys);
            int ranges = (keys.length + RANGE_KEYS - 1) / RANGE_KEYS;
            lower = new String[ranges];
            expected = new long[ranges];
            full = new boolean[ranges];
            for (int i = 0; i < ranges; i++) {
                lower[i] = keys[i * RANGE_KEYS];
                expected[i] = Math.min(RANGE_KEYS, keys.length - (long) i * RANGE_KEYS);
            }
            expectedRows = keys.length;
        }
    }

    /** The rows of the table visible now, as of the latest count. */
    long visible() throws Exception {
        long now = System.nanoTime();
        boolean due;
        if (onCommits) {
            long xa = xaCommits();
            if (xa != lastXaCommits) {
                lastXaCommits = xa;
                recounts = 2;
            }
            due = recounts > 0 || now - lastCountAt >= RECOUNT_NANOS;
        } else {
            due = countQueries == 0 || now - lastCountAt >= PLAIN_NANOS;
        }
        if (due) {
            long n = count();
            countNanos += System.nanoTime() - now;
            lastCountAt = now;
            // One count fewer owed; a count that moved owes another (the count may still move).
            recounts = Math.max(recounts - 1, n != visible ? 1 : 0);
            visible = n;
        }
        return visible;
    }

    private long count() throws Exception {
        if (lower == null || fullRows == expectedRows) {
            return wholeTable();
        }
        List<Integer> filling = new ArrayList<>();
        for (int i = 0; i < lower.length; i++) {
            if (!full[i]) {
                filling.add(i);
            }
        }
        long[] counts = countRanges(filling);
        long total = fullRows;
        for (int j = 0; j < filling.size(); j++) {
            int i = filling.get(j);
            rowsCounted += counts[j];
            if (counts[j] > expected[i]) {
                giveUpRanges(
                        String.format(
                                Locale.ROOT,
                                "key range %d held %,d rows for %,d source keys",
                                i,
                                counts[j],
                                expected[i]));
                return wholeTable();
            }
            if (counts[j] == expected[i]) {
                full[i] = true;
                fullRows += counts[j];
            }
            total += counts[j];
        }
        if (fullRows == expectedRows) {
            // Every range is full: one whole-table count confirms the ranges' total.
            long n = wholeTable();
            if (n != expectedRows) {
                giveUpRanges(
                        String.format(
                                Locale.ROOT,
                                "the ranges held %,d rows, the table %,d",
                                expectedRows,
                                n));
            }
            return n;
        }
        return total;
    }

    /**
     * One statement: {@code SELECT j, COUNT(*) … WHERE range UNION ALL …}, one row per range; the
     * counts in the order of {@code ranges}.
     */
    private long[] countRanges(List<Integer> ranges) throws SQLException {
        TargetDialect d = MySqlReadBack.dialectOf(connection);
        String from = " FROM " + d.quoteIdentifier(table) + " WHERE ";
        String key = d.quoteIdentifier("_id");
        StringBuilder sql = new StringBuilder();
        List<String> params = new ArrayList<>();
        for (int j = 0; j < ranges.size(); j++) {
            int i = ranges.get(j);
            if (j > 0) {
                sql.append(" UNION ALL ");
            }
            sql.append("SELECT ").append(j).append(", COUNT(*)").append(from);
            if (i > 0) {
                sql.append(key).append(" >= ?");
                params.add(lower[i]);
            }
            if (i + 1 < lower.length) {
                sql.append(i > 0 ? " AND " : "").append(key).append(" < ?");
                params.add(lower[i + 1]);
            }
            if (lower.length == 1) {
                sql.append("1 = 1");
            }
        }
        long[] out = new long[ranges.size()];
        try (PreparedStatement ps = connection.prepareStatement(sql.toString())) {
            for (int p = 0; p < params.size(); p++) {
                ps.setString(p + 1, params.get(p));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out[rs.getInt(1)] = rs.getLong(2);
                }
            }
        }
        countQueries++;
        return out;
    }

    private long wholeTable() throws Exception {
        long n = JobRun.count(connection, table);
        countQueries++;
        rowsCounted += n;
        return n;
    }

    private void giveUpRanges(String why) {
        wholeTableReason = "whole-table counts after " + why;
        lower = null;
        System.err.println("progress probe: " + wholeTableReason);
    }

    /**
     * Why range counts would not match the target's key order, or {@code null} when they do: ASCII
     * keys sort alike in Java and under the binary, NO PAD key collation the job gives text keys on
     * MySQL / MariaDB ({@code utf8mb4_nopad_bin}, {@code utf8mb4_0900_bin}), checked on the table.
     */
    private String rangesUnusable(List<String> keys, TargetType target) throws SQLException {
        if (keys.isEmpty()) {
            return "no source keys given";
        }
        if (target != TargetType.MYSQL) {
            return "range counts are only used on MySQL / MariaDB";
        }
        for (String k : keys) {
            for (int i = 0; i < k.length(); i++) {
                if (k.charAt(i) > 0x7f) {
                    return "a source key is not ASCII";
                }
            }
        }
        try (PreparedStatement ps =
                connection.prepareStatement(
                        "SELECT COLLATION_NAME FROM information_schema.COLUMNS"
                                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
                                + " AND COLUMN_NAME = '_id'")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                String collation =
                        rs.next() ? String.valueOf(rs.getString(1)).toLowerCase(Locale.ROOT) : "";
                if (!collation.endsWith("_bin")
                        || !(collation.contains("nopad") || collation.contains("0900"))) {
                    return "the key column's collation is '" + collation + "', not binary NO PAD";
                }
            }
        }
        return null;
    }

    private long xaCommits() throws SQLException {
        statusQueries++;
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE 'Com_xa_commit'")) {
            return rs.next() ? Long.parseLong(rs.getString(2)) : 0L;
        }
    }
}
