package io.dbtransfer.bench;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.model.TargetType;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MariaDB's server-wide statement counters ({@code SHOW GLOBAL STATUS}): what a job or a ceiling
 * asked the server to do, as deltas between two readings.
 */
final class StatementCounters {

    /** The counters the report shows, in this order. */
    static final List<String> NAMES =
            List.of(
                    "Questions",
                    "Com_insert",
                    "Com_delete",
                    "Com_delete_multi",
                    "Com_select",
                    "Com_update",
                    "Com_xa_start",
                    "Com_xa_end",
                    "Com_xa_prepare",
                    "Com_xa_commit",
                    "Com_xa_rollback",
                    "Com_xa_recover",
                    "Com_set_option",
                    "Com_stmt_prepare",
                    "Com_stmt_execute",
                    "Connections",
                    "Handler_delete",
                    "Handler_write");

    private StatementCounters() {}

    /** The current values of {@link #NAMES}; zeros on a target that is not MySQL / MariaDB. */
    static Map<String, Long> take(Connection c) throws SQLException {
        Map<String, Long> all = new LinkedHashMap<>();
        if (MySqlReadBack.dialectOf(c).type() != TargetType.MYSQL) {
            return all;
        }
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS")) {
            while (rs.next()) {
                all.put(rs.getString(1), parse(rs.getString(2)));
            }
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (String n : NAMES) {
            out.put(n, all.getOrDefault(n, 0L));
        }
        return out;
    }

    /** {@code after - before} per counter. */
    static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String n : NAMES) {
            out.put(n, after.getOrDefault(n, 0L) - before.getOrDefault(n, 0L));
        }
        return out;
    }

    private static long parse(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0L;
        }
    }
}
