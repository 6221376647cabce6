package io.dbtransfer.reverse;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;

/**
 * A point in a MySQL/MariaDB binary log: file and byte position, plus the server's GTID set there
 * when it keeps one. The reverse direction (issue #17) starts from the point the cutover recorded.
 */
public record BinlogPosition(String file, long position, String gtidSet) {

    public BinlogPosition {
        Objects.requireNonNull(file, "file");
        if (file.isBlank() || position < 4) {
            throw new IllegalArgumentException(
                    "not a binlog position: file '" + file + "', position " + position);
        }
        gtidSet = gtidSet == null || gtidSet.isBlank() ? null : gtidSet;
    }

    /** {@code file:position}, the form {@link #parse} reads (the GTID set is not part of it). */
    public String text() {
        return file + ":" + position;
    }

    /** Reads {@code file:position}, e.g. {@code mysql-bin.000003:1234}. */
    public static BinlogPosition parse(String text) {
        int colon = text == null ? -1 : text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(
                    "binlog position '"
                            + text
                            + "' is not file:position (e.g. mysql-bin.000003:4)");
        }
        try {
            return new BinlogPosition(
                    text.substring(0, colon), Long.parseLong(text.substring(colon + 1)), null);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "binlog position '"
                            + text
                            + "': '"
                            + text.substring(colon + 1)
                            + "' is not a number",
                    e);
        }
    }

    /**
     * The server's current end of binlog. MariaDB (10.5.2+) answers {@code SHOW BINLOG STATUS},
     * MySQL 8.4 {@code SHOW BINARY LOG STATUS}, MySQL 8.0 {@code SHOW MASTER STATUS}; the first
     * that the server knows is used.
     *
     * @throws SQLException naming what the server must have (a binlog, the privilege to read it)
     */
    public static BinlogPosition current(Connection c) throws SQLException {
        SQLException last = null;
        for (String q :
                new String[] {
                    "SHOW BINLOG STATUS", "SHOW BINARY LOG STATUS", "SHOW MASTER STATUS"
                }) {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(q)) {
                if (!rs.next()) {
                    throw new SQLException(
                            "the server keeps no binary log ("
                                    + q
                                    + " returned no row): start it with --log-bin"
                                    + " --binlog-format=ROW --binlog-row-image=FULL");
                }
                String gtid = null;
                try {
                    gtid = rs.getString("Executed_Gtid_Set");
                } catch (SQLException mariaDbHasNoSuchColumn) {
                    gtid = null;
                }
                return new BinlogPosition(rs.getString("File"), rs.getLong("Position"), gtid);
            } catch (SQLException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("the server keeps no")) {
                    throw e;
                }
                last = e;
            }
        }
        throw new SQLException(
                "cannot read the binlog position (SHOW BINLOG STATUS / SHOW MASTER STATUS): "
                        + (last == null ? "" : last.getMessage())
                        + "; the user needs REPLICATION CLIENT (BINLOG MONITOR on MariaDB)",
                last);
    }
}
