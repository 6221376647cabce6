package io.dbtransfer.sink;

import io.dbtransfer.dialect.MySqlDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Proof of commit for XA branches: each non-empty branch writes one row {@code (xid, token)} into
 * {@value #TABLE} before it is prepared, so the row becomes visible exactly when the branch
 * commits. A branch that {@code XA RECOVER} no longer lists is committed if and only if its row
 * carries its token (the token tells a branch from an earlier run's branch of the same name).
 */
public final class XaCommitMarkers {

    /** The marker table, in the target database. */
    public static final String TABLE = "_dbtransfer_xa_commit";

    private XaCommitMarkers() {}

    /** {@code CREATE TABLE IF NOT EXISTS} of the marker table. */
    public static String createTable() {
        return "CREATE TABLE IF NOT EXISTS "
                + MySqlDialect.quote(TABLE)
                + " (`xid` VARCHAR(190) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
                + " `token` BIGINT NOT NULL,"
                + " `created_at` TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
                + " PRIMARY KEY (`xid`), KEY `created_at` (`created_at`))"
                + " ENGINE=InnoDB";
    }

    static void createTable(Connection conn) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute(createTable());
        }
    }

    /** Writes (or overwrites an older run's) marker of {@code xid}; call inside the branch. */
    static void write(Connection conn, XaTransactionId xid, long token) throws SQLException {
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "INSERT INTO "
                                + MySqlDialect.quote(TABLE)
                                + " (`xid`, `token`) VALUES (?, ?) ON DUPLICATE KEY UPDATE"
                                + " `token` = VALUES(`token`),"
                                + " `created_at` = CURRENT_TIMESTAMP(3)")) {
            ps.setString(1, key(xid));
            ps.setLong(2, token);
            ps.executeUpdate();
        }
    }

    /** True when the branch {@code xid} with {@code token} has committed. */
    static boolean isCommitted(Connection conn, XaTransactionId xid, long token)
            throws SQLException {
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT `token` FROM " + MySqlDialect.quote(TABLE) + " WHERE `xid` = ?")) {
            ps.setString(1, key(xid));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) == token;
            }
        }
    }

    /**
     * Deletes up to {@code limit} markers older than {@code retentionSeconds}; returns how many.
     */
    static int purge(Connection conn, long retentionSeconds, int limit) throws SQLException {
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "DELETE FROM "
                                + MySqlDialect.quote(TABLE)
                                + " WHERE `created_at` < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND"
                                + " LIMIT "
                                + limit)) {
            ps.setLong(1, retentionSeconds);
            return ps.executeUpdate();
        }
    }

    static String key(XaTransactionId xid) {
        return xid.toString();
    }
}
