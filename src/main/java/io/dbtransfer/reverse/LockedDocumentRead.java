package io.dbtransfer.reverse;

import io.dbtransfer.dialect.MySqlDialect;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.TableSpec;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Reads one document's rows (parent row and every child row) from MySQL in one transaction with
 * locking reads ({@code LOCK IN SHARE MODE}), canonical values as {@link
 * io.dbtransfer.mapping.RowsToDocument} takes them. Plain JDBC, no Flink.
 *
 * <p>Why locking reads: MySQL and MariaDB write a transaction to the binlog before its changes are
 * visible in the engine, so a plain read right after the binlog event may still see the state
 * before it. A locking read waits for the row locks the committing transaction holds and then reads
 * the latest committed rows, which include that transaction.
 */
public final class LockedDocumentRead {

    /** What MySQL holds for one document key. */
    public static final class Rows {
        /** The parent row (aligned with the parent table's columns), or {@code null}. */
        public String[] parent;

        /** The rows per child table name (each aligned with its table's columns). */
        public final Map<String, String[][]> children = new LinkedHashMap<>();

        /** True when some child table holds rows for the key. */
        public boolean hasChildRows() {
            for (String[][] rows : children.values()) {
                if (rows.length > 0) {
                    return true;
                }
            }
            return false;
        }
    }

    private LockedDocumentRead() {}

    /**
     * Reads the rows of {@code keyText} in one transaction on {@code c} (auto-commit is switched
     * off for it and restored after). Deadlocks and lock-wait timeouts are thrown to the caller,
     * which retries.
     */
    public static Rows read(Connection c, TableSpec parent, String keyText) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        boolean done = false;
        try {
            Rows out = new Rows();
            List<String[]> parents = select(c, parent, keyText);
            out.parent = parents.isEmpty() ? null : parents.get(0);
            for (TableSpec child : TableSpec.descendants(parent)) {
                out.children.put(child.name, select(c, child, keyText).toArray(new String[0][]));
            }
            c.commit();
            done = true;
            return out;
        } finally {
            if (!done) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection may be gone; the caller sees the first error
                }
            }
            c.setAutoCommit(auto);
        }
    }

    private static List<String[]> select(Connection c, TableSpec table, String keyText)
            throws SQLException {
        MySqlDialect d = MySqlDialect.INSTANCE;
        StringJoiner cols = new StringJoiner(", ");
        for (ColumnSpec col : table.columns) {
            cols.add(d.quoteIdentifier(col.name));
        }
        ColumnSpec key = table.columns.get(0);
        String sql =
                "SELECT "
                        + cols
                        + " FROM "
                        + d.quoteIdentifier(table.name)
                        + " WHERE "
                        + d.quoteIdentifier(key.name)
                        + " = "
                        + d.keyParameter(key)
                        + " LOCK IN SHARE MODE";
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            d.bindKeyText(ps, 1, key, keyText);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] row = new String[table.columns.size()];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = CanonicalValues.fromJdbc(rs, i + 1, table.columns.get(i).type);
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }

    /** True for errors a retry can cure: deadlock (1213) and lock-wait timeout (1205). */
    public static boolean retryable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s
                    && (s.getErrorCode() == 1213
                            || s.getErrorCode() == 1205
                            || "40001".equals(s.getSQLState()))) {
                return true;
            }
        }
        return false;
    }
}
