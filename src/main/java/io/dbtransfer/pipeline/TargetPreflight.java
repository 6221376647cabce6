package io.dbtransfer.pipeline;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.dialect.MismatchRows;
import io.dbtransfer.dialect.MySqlDialect;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.DeliveryGuarantee;
import io.dbtransfer.model.Redact;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks, before any table is touched, that the MySQL user may do what the sink will do: create the
 * missing tables, read and write every table, and (exactly-once) list prepared XA branches.
 *
 * <p>Privileges are tested by the server itself rather than by parsing {@code SHOW GRANTS}: each
 * statement the sink needs is {@code PREPARE}d (never executed), and MySQL and MariaDB check table
 * privileges when they prepare CREATE TABLE, SELECT, INSERT, UPDATE and DELETE. That covers
 * database- and table-level grants, wildcards, roles and partial revokes alike. {@code XA RECOVER}
 * is run as it is (read-only): MySQL 8 refuses it without {@code XA_RECOVER_ADMIN}; MariaDB 11.4
 * allows it to every user and lists every branch.
 */
public final class TargetPreflight {
    private static final Logger LOG = LoggerFactory.getLogger(TargetPreflight.class);

    /** Errors that mean "the user lacks a privilege" (database, table, column, specific). */
    private static final Set<Integer> DENIED = Set.of(1044, 1142, 1143, 1227);

    private TargetPreflight() {}

    /**
     * Runs the checks for the job's target.
     *
     * @throws ConfigException one line naming the setting, what is missing and the grant to run
     */
    public static void check(JobConfig config) {
        String url = config.get(JobOptions.MYSQL_URL);
        List<String> tables = new ArrayList<>();
        for (TableSpec t : config.mapping().tables()) {
            addAll(t, tables);
        }
        tables.add(MySqlDialect.TOMBSTONE_TABLE);
        tables.add(DeadLetterRows.TABLE);
        if (config.get(JobOptions.RECONCILE_ENABLED)) {
            tables.add(MismatchRows.TABLE);
        }
        boolean exactlyOnce =
                config.get(JobOptions.SINK_DELIVERY) == DeliveryGuarantee.EXACTLY_ONCE;
        try (Connection c =
                MySqlConnections.open(
                        url, config.get(JobOptions.MYSQL_USERNAME), config.mysqlPassword())) {
            check(c, tables, exactlyOnce, Redact.uri(url));
        } catch (SQLException e) {
            throw MySqlConnections.explain(url, e);
        }
    }

    /** The checks on an open connection whose default database is the target. */
    static void check(Connection c, List<String> tables, boolean exactlyOnce, String shown)
            throws SQLException {
        String version;
        String user;
        String database;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT VERSION(), CURRENT_USER(), DATABASE()")) {
            rs.next();
            version = rs.getString(1);
            user = account(rs.getString(2));
            database = rs.getString(3);
        }
        if (database == null) {
            return; // the URL names no database: the table creation reports that
        }
        boolean mariaDb = version.toLowerCase(Locale.ROOT).contains("mariadb");
        // the privileges missing on a table -> the tables that miss exactly these
        Map<String, List<String>> missingByPrivileges = new LinkedHashMap<>();
        for (String table : tables) {
            String t = MySqlDialect.quote(database) + "." + MySqlDialect.quote(table);
            Set<String> lacks = new LinkedHashSet<>();
            if (!exists(c, table)) {
                probe(c, "CREATE TABLE " + t + " (`_dbtransfer_preflight` INT)", "CREATE", lacks);
            }
            probe(c, "SELECT 1 FROM " + t + " LIMIT 0", "SELECT", lacks);
            probe(c, "INSERT INTO " + t + " (`_dbtransfer_preflight`) VALUES (1)", "INSERT", lacks);
            probe(
                    c,
                    "UPDATE " + t + " SET `_dbtransfer_preflight` = 1 WHERE 1 = 0",
                    "UPDATE",
                    lacks);
            probe(c, "DELETE FROM " + t + " WHERE 1 = 0", "DELETE", lacks);
            if (!lacks.isEmpty()) {
                missingByPrivileges
                        .computeIfAbsent(String.join(", ", lacks), k -> new ArrayList<>())
                        .add(MySqlDialect.quote(table));
            }
        }
        List<String> missing = new ArrayList<>();
        missingByPrivileges.forEach((p, ts) -> missing.add(p + " on " + String.join(", ", ts)));
        if (!missing.isEmpty()) {
            throw new ConfigException(
                    "mysql.username: the MySQL user "
                            + user
                            + " lacks "
                            + String.join("; ", missing)
                            + " at "
                            + shown
                            + "; the sink creates its tables and reads and writes them. Grant"
                            + " them: GRANT CREATE, ALTER, SELECT, INSERT, UPDATE, DELETE ON "
                            + MySqlDialect.quote(database)
                            + ".* TO "
                            + user
                            + ";");
        }
        if (exactlyOnce) {
            checkXaRecover(c, user, mariaDb, version, shown);
        }
    }

    /**
     * Exactly-once recovery lists the prepared branches with {@code XA RECOVER} after a restart.
     */
    private static void checkXaRecover(
            Connection c, String user, boolean mariaDb, String version, String shown) {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("XA RECOVER")) {
            while (rs.next()) {
                // only whether it may be run matters
            }
        } catch (SQLException e) {
            String fix =
                    mariaDb
                            ? "MariaDB 11.4 allows XA RECOVER to every user; check the server's"
                                    + " configuration, or"
                            : "grant it: GRANT XA_RECOVER_ADMIN ON *.* TO " + user + "; or";
            throw new ConfigException(
                    "sink.delivery-guarantee: exactly-once needs XA RECOVER to find the prepared"
                            + " transactions of a restarted job, but "
                            + (mariaDb ? "MariaDB " : "MySQL ")
                            + version
                            + " at "
                            + shown
                            + " refused it for "
                            + user
                            + " ("
                            + e.getMessage()
                            + (mariaDb ? "); " : "; MySQL 8 requires XA_RECOVER_ADMIN); ")
                            + fix
                            + " set sink.delivery-guarantee: idempotent.",
                    e);
        }
    }

    /**
     * PREPAREs {@code sql} (never executed) and records {@code privilege} as missing when the
     * server denies it; other errors (no such table or column) mean the privilege check passed.
     */
    private static void probe(Connection c, String sql, String privilege, Set<String> missing)
            throws SQLException {
        try (PreparedStatement set = c.prepareStatement("SET @dbtransfer_preflight = ?")) {
            set.setString(1, sql);
            set.execute();
        }
        try (Statement st = c.createStatement()) {
            st.execute("PREPARE dbtransfer_preflight FROM @dbtransfer_preflight");
            st.execute("DEALLOCATE PREPARE dbtransfer_preflight");
        } catch (SQLException e) {
            if (DENIED.contains(e.getErrorCode())) {
                missing.add(privilege);
                LOG.debug("Privilege probe '{}' denied: {}", sql, e.getMessage());
            } else {
                LOG.debug("Privilege probe '{}' passed the privilege check: {}", sql, e.toString());
            }
        }
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT 1 FROM information_schema.TABLES"
                                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** {@code user@host} as {@code 'user'@'host'}. */
    private static String account(String currentUser) {
        int at = currentUser.lastIndexOf('@');
        if (at < 0) {
            return "'" + currentUser + "'";
        }
        return "'" + currentUser.substring(0, at) + "'@'" + currentUser.substring(at + 1) + "'";
    }

    private static void addAll(TableSpec t, List<String> out) {
        out.add(t.name);
        for (TableSpec child : t.children) {
            addAll(child, out);
        }
    }
}
