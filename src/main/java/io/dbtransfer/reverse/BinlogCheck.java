package io.dbtransfer.reverse;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the reverse direction (MySQL → MongoDB, issue #17) needs from a MySQL/MariaDB server: a
 * binary log in ROW format with full row images, a server id, and a user that may read it. {@code
 * cutover} records a start point only when these hold; {@code reverse} refuses to run otherwise.
 * Every problem names the setting, the cause and the fix.
 */
public final class BinlogCheck {

    /** The server options a binlog reader needs (for the embedded MariaDB and a my.cnf). */
    public static final List<String> SERVER_OPTIONS =
            List.of(
                    "--log-bin=mysql-bin",
                    "--binlog-format=ROW",
                    "--binlog-row-image=FULL",
                    "--server-id=1");

    /** The fix for a server without a suitable binlog, as one line. */
    public static final String ENABLE_BINLOG =
            "start the server with log_bin (e.g. log-bin=mysql-bin), binlog_format=ROW,"
                    + " binlog_row_image=FULL and a server_id (MySQL 8: also gtid_mode=ON,"
                    + " enforce_gtid_consistency=ON recommended); a binlog only records writes"
                    + " made after it was enabled";

    private BinlogCheck() {}

    /** The server's binlog settings that stop a binlog reader; empty when they are fine. */
    public static List<String> settingProblems(Connection c) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT @@log_bin, @@binlog_format, @@binlog_row_image,"
                                        + " @@server_id")) {
            rs.next();
            if (!isOn(rs.getString(1))) {
                problems.add(
                        "log_bin is OFF: the server keeps no binary log, so there is no stream of"
                                + " MySQL's changes to read; "
                                + ENABLE_BINLOG);
                return problems;
            }
            String format = upper(rs.getString(2));
            if (!"ROW".equals(format)) {
                problems.add(
                        "binlog_format is "
                                + format
                                + ": statement-based events do not carry the changed rows; set"
                                + " binlog_format=ROW (SET GLOBAL binlog_format='ROW' and in the"
                                + " server's configuration)");
            }
            String image = upper(rs.getString(3));
            if (!"FULL".equals(image)) {
                problems.add(
                        "binlog_row_image is "
                                + image
                                + ": the events would lack columns the reverse job keys on; set"
                                + " binlog_row_image=FULL");
            }
            if (rs.getLong(4) == 0) {
                problems.add(
                        "server_id is 0: a server without a server id does not serve its binlog"
                                + " to replicas; set server_id to a unique non-zero number");
            }
        }
        return problems;
    }

    /**
     * The privileges the binlog reader lacks (SELECT, REPLICATION SLAVE, REPLICATION CLIENT — on
     * MariaDB the latter is shown as BINLOG MONITOR); empty when the user holds them.
     */
    public static List<String> privilegeProblems(Connection c) throws SQLException {
        StringBuilder grants = new StringBuilder();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW GRANTS FOR CURRENT_USER()")) {
            while (rs.next()) {
                String g = upper(rs.getString(1));
                if (g.contains(" ON *.* ")) {
                    grants.append(g).append('\n');
                }
            }
        }
        String g = grants.toString();
        if (g.contains("ALL PRIVILEGES")) {
            return List.of();
        }
        List<String> missing = new ArrayList<>();
        if (!g.contains("REPLICATION SLAVE") && !g.contains("REPLICATION REPLICA")) {
            missing.add("REPLICATION SLAVE");
        }
        if (!g.contains("REPLICATION CLIENT") && !g.contains("BINLOG MONITOR")) {
            missing.add("REPLICATION CLIENT");
        }
        if (missing.isEmpty()) {
            return List.of();
        }
        return List.of(
                "mysql.username: the user lacks "
                        + String.join(", ", missing)
                        + " ON *.* (holds: "
                        + g.strip().replace('\n', ';')
                        + "): a binlog reader needs SELECT, REPLICATION SLAVE and REPLICATION"
                        + " CLIENT; GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO"
                        + " the user");
    }

    /**
     * The server's current binlog position for the reverse job to start at, or {@code null} with
     * the reason in {@code why} (no binlog, not ROW/FULL, no privilege to read the position).
     */
    public static BinlogPosition startPoint(Connection c, List<String> why) {
        try {
            List<String> problems = settingProblems(c);
            if (!problems.isEmpty()) {
                why.addAll(problems);
                return null;
            }
            return BinlogPosition.current(c);
        } catch (SQLException e) {
            why.add("cannot read the binlog position: " + e.getMessage());
            return null;
        }
    }

    private static boolean isOn(String v) {
        return v != null && (v.equals("1") || v.equalsIgnoreCase("ON"));
    }

    private static String upper(String v) {
        return v == null ? "" : v.toUpperCase(Locale.ROOT);
    }
}
