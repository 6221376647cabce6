package io.dbtransfer.sink;

import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Creates the sink's tables ({@code CREATE TABLE IF NOT EXISTS}), adds mapped columns that existing
 * tables lack, and refuses existing columns whose type differs from the mapping.
 */
public final class SchemaManager {

    /** What the sink's MySQL user needs, named in privilege errors. */
    static final String PRIVILEGE_HINT =
            "the sink's MySQL user needs CREATE, SELECT, INSERT, UPDATE and DELETE on the target"
                    + " database (and XA_RECOVER_ADMIN on MySQL 8 for exactly-once delivery)";

    private SchemaManager() {}

    /**
     * Opens a connection (see {@link MySqlConnections#open}) and creates the tables of {@code
     * mapping} plus the tombstone table.
     *
     * @throws SQLException with a message naming the server, the table and what to do
     */
    public static void createTables(
            String jdbcUrl, String username, String password, Mapping mapping) throws SQLException {
        try (Connection conn = MySqlConnections.open(jdbcUrl, username, password, true)) {
            createTables(conn, mapping);
        }
    }

    /**
     * Creates every parent and child table of {@code mapping} and the tombstone table in the
     * connection's default database, skipping (but checking the columns of) those that exist.
     *
     * @throws SQLException with a message naming the table and what to do
     */
    public static void createTables(Connection conn, Mapping mapping) throws SQLException {
        String database = currentDatabase(conn);
        List<String[]> work = new ArrayList<>(); // {table name, create statement, probe}
        for (TableSpec parent : mapping.tables()) {
            List<String> ddl = MySqlDialect.createTables(parent);
            work.add(
                    new String[] {
                        parent.name, ddl.get(0), MySqlDialect.probeColumns(parent, true)
                    });
            List<TableSpec> children = MySqlDialect.descendants(parent);
            for (int i = 0; i < children.size(); i++) {
                TableSpec child = children.get(i);
                work.add(
                        new String[] {
                            child.name, ddl.get(i + 1), MySqlDialect.probeColumns(child, false)
                        });
            }
        }
        work.add(
                new String[] {
                    MySqlDialect.TOMBSTONE_TABLE,
                    MySqlDialect.createTombstoneTable(),
                    "SELECT `tbl`, `pk`, `version`, `deleted_at` FROM "
                            + MySqlDialect.quote(MySqlDialect.TOMBSTONE_TABLE)
                            + " WHERE 1 = 0"
                });
        for (String[] w : work) {
            // Existing tables are only probed: CREATE TABLE IF NOT EXISTS on an existing table can
            // wait for metadata locks that prepared XA branches of an earlier run still hold.
            if (!exists(conn, w[0])) {
                execute(conn, w[1], "create table " + MySqlDialect.quote(w[0]) + " in " + database);
            } else if (mapping.findTable(w[0]) != null) {
                evolve(conn, mapping.findTable(w[0]), database);
            }
            try (Statement s = conn.createStatement()) {
                s.executeQuery(w[2]).close();
            } catch (SQLException e) {
                throw new SQLException(
                        "Table "
                                + MySqlDialect.quote(w[0])
                                + " in "
                                + database
                                + " exists but does not match the mapping ("
                                + e.getMessage()
                                + "); drop it or fix the mapping",
                        e.getSQLState(),
                        e.getErrorCode(),
                        e);
            }
        }
    }

    /**
     * Brings an existing table up to the mapping: a mapped column the table lacks is added ({@code
     * ALTER TABLE … ADD COLUMN}, NULL for existing rows — a field added to the mapping between
     * restarts); a column whose type differs from the mapping is refused, naming the column, its
     * source field and both types, since changing it could lose data.
     */
    static void evolve(Connection conn, TableSpec table, String database) throws SQLException {
        Map<String, String> actual = new HashMap<>();
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS"
                                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?")) {
            ps.setString(1, table.name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    actual.put(rs.getString(1).toLowerCase(Locale.ROOT), rs.getString(2));
                }
            }
        }
        List<ColumnSpec> missing = new ArrayList<>();
        for (int i = 0; i < table.columns.size(); i++) {
            ColumnSpec c = table.columns.get(i);
            String type = actual.get(c.name.toLowerCase(Locale.ROOT));
            if (type == null) {
                if (i < table.keyColumns) {
                    continue; // the probe names it: key columns cannot be added
                }
                missing.add(c);
            } else if (!sameType(c.type, type)) {
                throw new SQLException(
                        "Table "
                                + MySqlDialect.quote(table.name)
                                + " in "
                                + database
                                + " exists but does not match the mapping: column "
                                + MySqlDialect.quote(c.name)
                                + " (field '"
                                + c.sourcePath
                                + "') is "
                                + type
                                + " in MySQL but the mapping says "
                                + c.type.toSql()
                                + ". Changing a column's type is refused (it could lose data):"
                                + " map the field to a new column name, or migrate the column"
                                + " yourself and restart");
            }
        }
        for (ColumnSpec c : missing) {
            execute(
                    conn,
                    "ALTER TABLE "
                            + MySqlDialect.quote(table.name)
                            + " ADD COLUMN "
                            + MySqlDialect.quote(c.name)
                            + " "
                            + c.type.toSql()
                            + " NULL",
                    "add column " + MySqlDialect.quote(c.name) + " to " + table.name);
        }
    }

    /** Whether MySQL's / MariaDB's {@code COLUMN_TYPE} is the type the mapping declares. */
    static boolean sameType(ColumnType mapped, String columnType) {
        String t = columnType.toLowerCase(Locale.ROOT).trim();
        if (!t.startsWith("tinyint(1)")) {
            t = t.replaceFirst("^(tinyint|smallint|mediumint|int|bigint)\\(\\d+\\)", "$1");
        }
        String want = mapped.toSql().toLowerCase(Locale.ROOT);
        switch (mapped.kind) {
            case BOOLEAN:
                return t.equals("tinyint(1)");
            case JSON:
                return t.equals("json") || t.equals("longtext");
            default:
                return t.equals(want);
        }
    }

    private static String currentDatabase(Connection conn) throws SQLException {
        try (Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SELECT DATABASE()")) {
            rs.next();
            String db = rs.getString(1);
            if (db == null) {
                throw new SQLException(
                        "The JDBC URL names no database; put it in the URL path,"
                                + " e.g. jdbc:mysql://host:3306/<database>");
            }
            return MySqlDialect.quote(db);
        }
    }

    private static boolean exists(Connection conn, String table) throws SQLException {
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT COUNT(*) FROM information_schema.TABLES"
                                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    private static void execute(Connection conn, String sql, String what) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new SQLException(
                    "Could not " + what + ": " + e.getMessage() + hint(e) + "\n  SQL: " + sql,
                    e.getSQLState(),
                    e.getErrorCode(),
                    e);
        }
    }

    /** An actionable addition to a MySQL error message, or an empty string. */
    static String hint(SQLException e) {
        switch (e.getErrorCode()) {
            case 1044: // ER_DBACCESS_DENIED_ERROR
            case 1045: // ER_ACCESS_DENIED_ERROR
            case 1142: // ER_TABLEACCESS_DENIED_ERROR
            case 1227: // ER_SPECIFIC_ACCESS_DENIED_ERROR
            case 1401: // ER_XAER_RMERR (no XA_RECOVER_ADMIN)
                return " (" + PRIVILEGE_HINT + ")";
            case 1049: // ER_BAD_DB_ERROR
                return " (create the database first)";
            default:
                return "";
        }
    }
}
