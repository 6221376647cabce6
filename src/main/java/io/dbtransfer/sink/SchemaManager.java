package io.dbtransfer.sink;

import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the sink's tables ({@code CREATE TABLE IF NOT EXISTS}) and checks that tables which
 * already exist have every column the mapping writes.
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
