package io.dbtransfer.sink;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * XA through SQL ({@code XA START/END/PREPARE/COMMIT/ROLLBACK/RECOVER}), which MariaDB 10.x+ and
 * MySQL 8 both understand.
 *
 * <p>MariaDB rules this respects (see notes/mariadb-xa-sink.md): one connection per XA transaction;
 * commit or roll back a prepared branch only after its own session has gone, from an autocommit
 * connection.
 */
public final class XaOperations {

    /** {@code ER_XAER_NOTA}: unknown XID. */
    public static final int ER_XAER_NOTA = 1397;

    private XaOperations() {}

    public static void start(Connection conn, XaTransactionId xid) throws SQLException {
        execute(conn, "XA START " + xid.toSql());
    }

    public static void end(Connection conn, XaTransactionId xid) throws SQLException {
        execute(conn, "XA END " + xid.toSql());
    }

    public static void prepare(Connection conn, XaTransactionId xid) throws SQLException {
        execute(conn, "XA PREPARE " + xid.toSql());
    }

    public static void commit(Connection conn, XaTransactionId xid) throws SQLException {
        execute(conn, "XA COMMIT " + xid.toSql());
    }

    public static void rollback(Connection conn, XaTransactionId xid) throws SQLException {
        execute(conn, "XA ROLLBACK " + xid.toSql());
    }

    /** Every prepared branch on the server (of any session, live or gone). */
    public static List<XaTransactionId> recover(Connection conn) throws SQLException {
        List<XaTransactionId> out = new ArrayList<>();
        try (Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("XA RECOVER")) {
            while (rs.next()) {
                int formatId = rs.getInt(1);
                int gtridLength = rs.getInt(2);
                int bqualLength = rs.getInt(3);
                byte[] data = rs.getBytes(4);
                out.add(
                        new XaTransactionId(
                                formatId,
                                Arrays.copyOfRange(data, 0, gtridLength),
                                Arrays.copyOfRange(data, gtridLength, gtridLength + bqualLength)));
            }
        }
        return out;
    }

    /** True when MySQL does not know the XID (committed, rolled back, or another session's). */
    public static boolean isUnknownXid(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException
                    && (((SQLException) t).getErrorCode() == ER_XAER_NOTA
                            || String.valueOf(t.getMessage()).contains("XAER_NOTA"))) {
                return true;
            }
        }
        return false;
    }

    private static void execute(Connection conn, String sql) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute(sql);
        }
    }
}
