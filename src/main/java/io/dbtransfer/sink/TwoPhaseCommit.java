package io.dbtransfer.sink;

import io.dbtransfer.model.TargetType;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * A target's two-phase commit as the exactly-once writer ({@link XaChangeWriter}) and committer
 * ({@link XaCommitter}) use it: MySQL/MariaDB XA ({@link XaOperations}) or PostgreSQL's {@code
 * PREPARE TRANSACTION} ({@link PostgresTwoPhase}). Branches are named by {@link XaTransactionId} on
 * both; markers ({@link XaCommitMarkers}) prove commits on both.
 */
interface TwoPhaseCommit {

    /** The protocol of a target. */
    static TwoPhaseCommit of(TargetType type) {
        return type == TargetType.POSTGRESQL ? PostgresTwoPhase.INSTANCE : MySqlXa.INSTANCE;
    }

    /** Whether a branch's connection is opened in autocommit mode (XA) or not (PostgreSQL). */
    boolean branchAutoCommit();

    /** Starts a branch on a fresh connection. */
    void start(Connection conn, XaTransactionId xid) throws SQLException;

    /** Ends the branch's work and prepares it; the connection may then be closed. */
    void prepare(Connection conn, XaTransactionId xid) throws SQLException;

    /** Rolls back a branch that was started but not prepared (it wrote nothing worth keeping). */
    void abandon(Connection conn, XaTransactionId xid) throws SQLException;

    /** Commits a prepared branch by name from an autocommit connection. */
    void commit(Connection conn, XaTransactionId xid) throws SQLException;

    /** Rolls back a prepared branch by name from an autocommit connection. */
    void rollback(Connection conn, XaTransactionId xid) throws SQLException;

    /** Every prepared branch this connection could commit (any owner, live session or gone). */
    List<XaTransactionId> recover(Connection conn) throws SQLException;

    /**
     * True when the target does not know the branch (committed, rolled back, or never prepared).
     */
    boolean isUnknown(SQLException e);

    /** MySQL/MariaDB XA through SQL. */
    final class MySqlXa implements TwoPhaseCommit {
        static final MySqlXa INSTANCE = new MySqlXa();

        private MySqlXa() {}

        @Override
        public boolean branchAutoCommit() {
            return true;
        }

        @Override
        public void start(Connection conn, XaTransactionId xid) throws SQLException {
            XaOperations.start(conn, xid);
        }

        @Override
        public void prepare(Connection conn, XaTransactionId xid) throws SQLException {
            XaOperations.end(conn, xid);
            XaOperations.prepare(conn, xid);
        }

        @Override
        public void abandon(Connection conn, XaTransactionId xid) throws SQLException {
            XaOperations.end(conn, xid);
            XaOperations.rollback(conn, xid);
        }

        @Override
        public void commit(Connection conn, XaTransactionId xid) throws SQLException {
            XaOperations.commit(conn, xid);
        }

        @Override
        public void rollback(Connection conn, XaTransactionId xid) throws SQLException {
            XaOperations.rollback(conn, xid);
        }

        @Override
        public List<XaTransactionId> recover(Connection conn) throws SQLException {
            return XaOperations.recover(conn);
        }

        @Override
        public boolean isUnknown(SQLException e) {
            return XaOperations.isUnknownXid(e);
        }
    }
}
