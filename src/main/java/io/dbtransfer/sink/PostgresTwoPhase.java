package io.dbtransfer.sink;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL's two-phase commit: a branch is an ordinary transaction on a connection with
 * autocommit off, ended by {@code PREPARE TRANSACTION 'gid'}; any session of the same database
 * finishes it with {@code COMMIT PREPARED} / {@code ROLLBACK PREPARED}, and {@code
 * pg_prepared_xacts} lists what is prepared. The gid is the branch's gtrid ({@code
 * <prefix>:<subtask>:<checkpoint>}, at most 200 bytes).
 *
 * <p>Unlike MariaDB XA, a prepared transaction is detached from its session at once, so the
 * committer never waits for the writer's session to end. Prepared transactions can only be finished
 * from the database they were prepared in, so {@link #recover} lists only the current database's.
 * The server needs {@code max_prepared_transactions} &gt; 0 (0 by default).
 */
final class PostgresTwoPhase implements TwoPhaseCommit {

    static final PostgresTwoPhase INSTANCE = new PostgresTwoPhase();

    /** PostgreSQL's limit for a gid, in bytes (GIDSIZE - 1). */
    static final int MAX_GID_BYTES = 199;

    /** {@code undefined_object}: "prepared transaction with identifier … does not exist". */
    static final String UNDEFINED_OBJECT = "42704";

    private PostgresTwoPhase() {}

    /** The gid of one of the sink's branches. */
    static String gid(XaTransactionId xid) {
        String gid = new String(xid.gtrid(), StandardCharsets.US_ASCII);
        if (gid.length() > MAX_GID_BYTES) {
            throw new IllegalArgumentException(
                    "Transaction name '" + gid + "' exceeds PostgreSQL's 199-byte gid limit");
        }
        return gid;
    }

    /** The gid as a string literal (PREPARE TRANSACTION takes no parameters). */
    static String literal(XaTransactionId xid) {
        return "'" + gid(xid).replace("'", "''") + "'";
    }

    @Override
    public boolean branchAutoCommit() {
        return false;
    }

    @Override
    public void start(Connection conn, XaTransactionId xid) {
        // The transaction begins with the first statement (autocommit off).
    }

    @Override
    public void prepare(Connection conn, XaTransactionId xid) throws SQLException {
        execute(conn, "PREPARE TRANSACTION " + literal(xid));
    }

    @Override
    public void abandon(Connection conn, XaTransactionId xid) throws SQLException {
        conn.rollback();
    }

    @Override
    public void commit(Connection conn, XaTransactionId xid) throws SQLException {
        execute(conn, "COMMIT PREPARED " + literal(xid));
    }

    @Override
    public void rollback(Connection conn, XaTransactionId xid) throws SQLException {
        execute(conn, "ROLLBACK PREPARED " + literal(xid));
    }

    @Override
    public List<XaTransactionId> recover(Connection conn) throws SQLException {
        List<XaTransactionId> out = new ArrayList<>();
        try (PreparedStatement ps =
                        conn.prepareStatement(
                                "SELECT gid FROM pg_prepared_xacts"
                                        + " WHERE database = current_database() ORDER BY prepared");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(
                        new XaTransactionId(
                                XaTransactionId.FORMAT_ID,
                                rs.getString(1).getBytes(StandardCharsets.UTF_8),
                                XaTransactionId.BRANCH.getBytes(StandardCharsets.US_ASCII)));
            }
        }
        return out;
    }

    @Override
    public boolean isUnknown(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException
                    && UNDEFINED_OBJECT.equals(((SQLException) t).getSQLState())) {
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
