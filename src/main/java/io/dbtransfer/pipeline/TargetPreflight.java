package io.dbtransfer.pipeline;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.dialect.MismatchRows;
import io.dbtransfer.dialect.MySqlDialect;
import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.dialect.PostgresDialect;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.DeliveryGuarantee;
import io.dbtransfer.model.Redact;
import io.dbtransfer.model.TargetType;
import io.dbtransfer.verify.MappingRecord;

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
 * Checks, before any table is touched, that the target user may do what the sink will do: create
 * the missing tables, read and write every table, and (exactly-once) list prepared XA branches on
 * MySQL, prepare transactions on PostgreSQL.
 *
 * <p>Privileges are tested by the server itself rather than by parsing {@code SHOW GRANTS}: each
 * statement the sink needs is {@code PREPARE}d (never executed), and MySQL and MariaDB check table
 * privileges when they prepare CREATE TABLE, SELECT, INSERT, UPDATE and DELETE. That covers
 * database- and table-level grants, wildcards, roles and partial revokes alike. {@code XA RECOVER}
 * is run as it is (read-only): MySQL 8 refuses it without {@code XA_RECOVER_ADMIN}; MariaDB 11.4
 * allows it to every user and lists every branch.
 *
 * <p>On PostgreSQL the server answers the privilege questions itself ({@code has_schema_privilege},
 * {@code has_table_privilege}, which count role memberships and {@code PUBLIC}); the checks are the
 * server version (12 or later), a schema to create the tables in (the search path's first existing
 * schema, {@code current_schema()}), USAGE and, when a table is missing, CREATE on it, SELECT,
 * INSERT, UPDATE and DELETE on every existing table, and for exactly-once {@code
 * max_prepared_transactions} &gt; 0 (its default 0 disables {@code PREPARE TRANSACTION}).
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
        tables.add(MappingRecord.TABLE);
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
        if (MySqlReadBack.dialectOf(c).type() == TargetType.POSTGRESQL) {
            checkPostgres(c, tables, exactlyOnce, shown);
            return;
        }
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

    /** The oldest PostgreSQL the target checks accept ({@code server_version_num}). */
    static final int POSTGRES_MIN_VERSION_NUM = 120000;

    /** {@link #check(Connection, List, boolean, String)} on PostgreSQL. */
    private static void checkPostgres(
            Connection c, List<String> tables, boolean exactlyOnce, String shown)
            throws SQLException {
        int versionNum;
        String version;
        String user;
        String schema;
        int maxPrepared;
        try (Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT current_setting('server_version_num')::int,"
                                        + " current_setting('server_version'), current_user,"
                                        + " current_schema(),"
                                        + " current_setting('max_prepared_transactions')::int")) {
            rs.next();
            versionNum = rs.getInt(1);
            version = rs.getString(2);
            user = rs.getString(3);
            schema = rs.getString(4);
            maxPrepared = rs.getInt(5);
        }
        if (versionNum < POSTGRES_MIN_VERSION_NUM) {
            throw new ConfigException(
                    "mysql.url: PostgreSQL "
                            + version
                            + " at "
                            + shown
                            + " is older than 12, the oldest release DBtransfer's PostgreSQL"
                            + " target supports. Upgrade the server to PostgreSQL 12 or later, or"
                            + " point mysql.url at one.");
        }
        String role = PostgresDialect.quote(user);
        if (schema == null) {
            throw new ConfigException(
                    "mysql.url: no schema of the search_path of user "
                            + role
                            + " exists in the database at "
                            + shown
                            + ", so the sink has nowhere to create its tables. Create one (CREATE"
                            + " SCHEMA "
                            + role
                            + " AUTHORIZATION "
                            + role
                            + ";), or name an existing schema with currentSchema=NAME in"
                            + " mysql.url.");
        }
        String quotedSchema = PostgresDialect.quote(schema);
        List<String> missing = new ArrayList<>();
        Set<String> onSchema = new LinkedHashSet<>();
        if (!hasSchemaPrivilege(c, schema, "USAGE")) {
            onSchema.add("USAGE");
        }
        boolean anyMissing = false;
        Map<String, List<String>> missingByPrivileges = new LinkedHashMap<>();
        for (String table : tables) {
            if (!PostgresDialect.INSTANCE.tableExists(c, table)) {
                anyMissing = true;
                continue;
            }
            Set<String> lacks = new LinkedHashSet<>();
            for (String privilege : List.of("SELECT", "INSERT", "UPDATE", "DELETE")) {
                if (!hasTablePrivilege(
                        c, quotedSchema + "." + PostgresDialect.quote(table), privilege)) {
                    lacks.add(privilege);
                }
            }
            if (!lacks.isEmpty()) {
                missingByPrivileges
                        .computeIfAbsent(String.join(", ", lacks), k -> new ArrayList<>())
                        .add(PostgresDialect.quote(table));
            }
        }
        if (anyMissing && !hasSchemaPrivilege(c, schema, "CREATE")) {
            onSchema.add("CREATE");
        }
        if (!onSchema.isEmpty()) {
            missing.add(String.join(", ", onSchema) + " on schema " + quotedSchema);
        }
        missingByPrivileges.forEach((p, ts) -> missing.add(p + " on " + String.join(", ", ts)));
        if (!missing.isEmpty()) {
            throw new ConfigException(
                    "mysql.username: the PostgreSQL user "
                            + role
                            + " lacks "
                            + String.join("; ", missing)
                            + " at "
                            + shown
                            + "; the sink creates its tables and reads and writes them. Grant"
                            + " them: GRANT USAGE, CREATE ON SCHEMA "
                            + quotedSchema
                            + " TO "
                            + role
                            + "; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
                            + quotedSchema
                            + " TO "
                            + role
                            + "; (or connect as the tables' owner)");
        }
        if (exactlyOnce && maxPrepared <= 0) {
            throw new ConfigException(
                    "sink.delivery-guarantee: exactly-once prepares one transaction per sink"
                            + " subtask and checkpoint (PREPARE TRANSACTION), but"
                            + " max_prepared_transactions is "
                            + maxPrepared
                            + " on PostgreSQL "
                            + version
                            + " at "
                            + shown
                            + ", which disables prepared transactions. Set it in postgresql.conf"
                            + " (or ALTER SYSTEM SET max_prepared_transactions = 100;) to at least"
                            + " twice the sink parallelism of every job writing to the server,"
                            + " and restart the server (the setting takes effect only at start);"
                            + " or set sink.delivery-guarantee: idempotent, which needs no"
                            + " prepared transactions.");
        }
    }

    private static boolean hasSchemaPrivilege(Connection c, String schema, String privilege)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT has_schema_privilege(?, '" + privilege + "')")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static boolean hasTablePrivilege(Connection c, String table, String privilege)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT has_table_privilege(?, '" + privilege + "')")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
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
