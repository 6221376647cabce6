package io.dbtransfer.sink;

import io.dbtransfer.dialect.MySqlDialect;
import io.dbtransfer.dialect.TargetDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Proof of commit for two-phase branches (MySQL XA and PostgreSQL prepared transactions alike):
 * each non-empty branch writes one row {@code (xid, token)} into {@value #TABLE} before it is
 * prepared, so the row becomes visible exactly when the branch commits. A branch that the target no
 * longer lists as prepared is committed if and only if its row carries its token (the token tells a
 * branch from an earlier run's branch of the same name).
 */
public final class XaCommitMarkers {

    /** The marker table, in the target database. */
    public static final String TABLE = "_dbtransfer_xa_commit";

    private XaCommitMarkers() {}

    /** {@code CREATE TABLE IF NOT EXISTS} of the marker table on MySQL. */
    public static String createTable() {
        return MySqlDialect.INSTANCE.commitMarkerTableDdl(TABLE);
    }

    static void createTable(Connection conn, TargetDialect dialect) throws SQLException {
        if (dialect.type() == io.dbtransfer.model.TargetType.POSTGRESQL) {
            io.dbtransfer.dialect.SchemaManager.executePostgresDdl(
                    conn, java.util.List.of(dialect.commitMarkerTableDdl(TABLE)));
            return;
        }
        try (Statement s = conn.createStatement()) {
            s.execute(dialect.commitMarkerTableDdl(TABLE));
        }
    }

    /** Writes (or overwrites an older run's) marker of {@code xid}; call inside the branch. */
    static void write(Connection conn, TargetDialect dialect, XaTransactionId xid, long token)
            throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(dialect.commitMarkerUpsert(TABLE))) {
            ps.setString(1, key(xid));
            ps.setLong(2, token);
            ps.executeUpdate();
        }
    }

    /** True when the branch {@code xid} with {@code token} has committed. */
    static boolean isCommitted(
            Connection conn, TargetDialect dialect, XaTransactionId xid, long token)
            throws SQLException {
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT "
                                + dialect.quoteIdentifier("token")
                                + " FROM "
                                + dialect.quoteIdentifier(TABLE)
                                + " WHERE "
                                + dialect.quoteIdentifier("xid")
                                + " = ?")) {
            ps.setString(1, key(xid));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) == token;
            }
        }
    }

    /**
     * Deletes up to {@code limit} markers older than {@code retentionSeconds}; returns how many.
     */
    static int purge(Connection conn, TargetDialect dialect, long retentionSeconds, int limit)
            throws SQLException {
        try (PreparedStatement ps =
                conn.prepareStatement(dialect.commitMarkerPurge(TABLE, limit))) {
            ps.setLong(1, retentionSeconds);
            return ps.executeUpdate();
        }
    }

    static String key(XaTransactionId xid) {
        return xid.toString();
    }
}
