package io.dbtransfer.dialect;

import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p>Tables that exist already (created by hand, by another tool or by an earlier DBtransfer) are
 * checked before the job starts for what the sink relies on: the primary key on the key columns, a
 * binary collation on text key columns, {@code _src_version BIGINT UNSIGNED}, the index child
 * deletes use, and the tombstone table's key. A mismatch is one line naming the table, what is
 * wrong and the fix — not a lock wait, a silent overwrite or a failing statement at runtime. The
 * hidden owner column {@code _src_key} (see {@link io.dbtransfer.mapping.KeyIdentity}) is added to
 * tables of earlier versions that lack it.
 */
public final class SchemaManager {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaManager.class);

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
    public static void createTables(Connection conn, Mapping mapping, TargetDialect dialect)
            throws SQLException {
        if (dialect.type() == io.dbtransfer.model.TargetType.POSTGRESQL) {
            createPostgresTables(conn, mapping, (PostgresDialect) dialect);
        } else {
            createTables(conn, mapping);
        }
    }

    /**
     * The tables of {@code mapping}, the tombstone and the dead-letter table on PostgreSQL, in the
     * connection's current schema: {@code CREATE TABLE IF NOT EXISTS}, then a probe of every
     * expected column. Existing tables are not yet checked further (primary key, collation, version
     * type) nor evolved, as they are on MySQL.
     */
    static void createPostgresTables(Connection conn, Mapping mapping, PostgresDialect dialect)
            throws SQLException {
        List<String[]> probes = new ArrayList<>(); // {table, probe}
        List<String> ddl = new ArrayList<>();
        for (TableSpec parent : mapping.tables()) {
            ddl.addAll(dialect.tableDdl(parent));
            probes.add(new String[] {parent.name, probe(dialect, parent, true)});
            for (TableSpec child : MySqlDialect.descendants(parent)) {
                probes.add(new String[] {child.name, probe(dialect, child, false)});
            }
        }
        ddl.add(dialect.tombstoneTableDdl());
        ddl.add(dialect.deadLetterTableDdl());
        executePostgresDdl(conn, ddl);
        for (String[] p : probes) {
            try (Statement s = conn.createStatement()) {
                s.executeQuery(p[1]).close();
            } catch (SQLException e) {
                throw new SQLException(
                        "Table "
                                + dialect.quoteIdentifier(p[0])
                                + " exists but does not match the mapping ("
                                + e.getMessage()
                                + "); drop it or fix the mapping",
                        e.getSQLState(),
                        e.getErrorCode(),
                        e);
            }
        }
    }

    /** Session-level advisory lock that serializes the sink's DDL on one PostgreSQL database. */
    static final long POSTGRES_DDL_LOCK = 0x4442_5446_4444_4c00L; // "DBTFDDL\0"

    /**
     * Runs {@code CREATE … IF NOT EXISTS} statements on PostgreSQL under {@link
     * #POSTGRES_DDL_LOCK}: two sessions creating one table at once fail there ({@code duplicate key
     * value violates unique constraint "pg_type_typname_nsp_index"}), and every sink subtask
     * creates the tables at start.
     */
    public static void executePostgresDdl(Connection conn, List<String> ddl) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + POSTGRES_DDL_LOCK + ")");
        }
        try {
            for (String sql : ddl) {
                execute(conn, sql, "create a table on PostgreSQL");
            }
        } finally {
            try (Statement s = conn.createStatement()) {
                s.execute("SELECT pg_advisory_unlock(" + POSTGRES_DDL_LOCK + ")");
            }
        }
    }

    private static String probe(TargetDialect dialect, TableSpec table, boolean parent) {
        List<String> names = new ArrayList<>();
        for (ColumnSpec c : table.columns) {
            names.add(dialect.quoteIdentifier(c.name));
        }
        if (parent) {
            names.add(dialect.quoteIdentifier(TableSpec.VERSION_COLUMN));
            names.add(dialect.quoteIdentifier(MySqlDialect.SOURCE_KEY_COLUMN));
        }
        return "SELECT "
                + String.join(", ", names)
                + " FROM "
                + dialect.quoteIdentifier(table.name)
                + " WHERE 1 = 0";
    }

    /** As {@link #createTables(Connection, Mapping, TargetDialect)} on MySQL / MariaDB. */
    public static void createTables(Connection conn, Mapping mapping) throws SQLException {
        String database = currentDatabase(conn);
        String keyCollation = keyCollation(conn);
        List<String[]> work = new ArrayList<>(); // {table name, create statement, probe}
        for (TableSpec parent : mapping.tables()) {
            List<String> ddl = MySqlDialect.createTables(parent, keyCollation);
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
                    "SELECT `tbl`, `pk`, `version`, `deleted_at`, `src_key` FROM "
                            + MySqlDialect.quote(MySqlDialect.TOMBSTONE_TABLE)
                            + " WHERE 1 = 0"
                });
        work.add(
                new String[] {
                    DeadLetterRows.TABLE,
                    DeadLetterRows.DDL,
                    "SELECT `collection`, `doc_key`, `reason`, `dedup` FROM "
                            + MySqlDialect.quote(DeadLetterRows.TABLE)
                            + " WHERE 1 = 0"
                });
        for (String[] w : work) {
            // Existing tables are only probed: CREATE TABLE IF NOT EXISTS on an existing table can
            // wait for metadata locks that prepared XA branches of an earlier run still hold.
            if (!exists(conn, w[0])) {
                execute(conn, w[1], "create table " + MySqlDialect.quote(w[0]) + " in " + database);
            } else {
                if (mapping.findTable(w[0]) != null) {
                    evolve(conn, mapping.findTable(w[0]), database);
                }
                check(conn, mapping, w[0], database, keyCollation);
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
            alter(
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

    /**
     * The collation new text key columns get: binary and NO PAD ({@value
     * MySqlDialect#MARIADB_KEY_COLLATION} on MariaDB, {@value MySqlDialect#MYSQL_KEY_COLLATION} on
     * MySQL 8), so that keys differing only in trailing spaces stay two rows; {@code null} (the
     * table's {@code utf8mb4_bin}, PAD SPACE) on a server that has neither — there such keys
     * collide and the sink dead-letters the second one.
     */
    static String keyCollation(Connection conn) throws SQLException {
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT COLLATION_NAME FROM information_schema.COLLATIONS"
                                + " WHERE COLLATION_NAME IN (?, ?)")) {
            ps.setString(1, MySqlDialect.MARIADB_KEY_COLLATION);
            ps.setString(2, MySqlDialect.MYSQL_KEY_COLLATION);
            List<String> found = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1).toLowerCase(Locale.ROOT));
                }
            }
            if (found.contains(MySqlDialect.MARIADB_KEY_COLLATION)) {
                return MySqlDialect.MARIADB_KEY_COLLATION;
            }
            if (found.contains(MySqlDialect.MYSQL_KEY_COLLATION)) {
                return MySqlDialect.MYSQL_KEY_COLLATION;
            }
            LOG.warn(
                    "The MySQL server has no binary NO PAD collation ({} or {}): text keys that"
                            + " differ only in trailing spaces collide, and the sink dead-letters"
                            + " the second one",
                    MySqlDialect.MARIADB_KEY_COLLATION,
                    MySqlDialect.MYSQL_KEY_COLLATION);
            return null;
        }
    }

    /**
     * Checks an existing table the sink is about to use: primary key, key column collations, {@code
     * _src_version}, the child-delete index, the tombstone table's key; adds the owner columns
     * ({@code _src_key}, tombstones' {@code src_key}) that tables of earlier versions lack.
     *
     * @throws SQLException one line: the table, what is wrong, the fix
     */
    static void check(
            Connection conn, Mapping mapping, String table, String database, String keyCollation)
            throws SQLException {
        Map<String, String[]> columns = columns(conn, table); // lower name → {type, collation}
        List<String> primaryKey = index(conn, table, "PRIMARY");
        String where = "Table " + MySqlDialect.quote(table) + " in " + database;
        if (table.equals(MySqlDialect.TOMBSTONE_TABLE)) {
            expectKey(where, table, primaryKey, List.of("tbl", "pk"));
            expectVersion(where, table, columns, "version");
            expectBinary(
                    where,
                    table,
                    columns,
                    "pk",
                    "VARCHAR("
                            + MySqlDialect.TOMBSTONE_PK_LENGTH
                            + ") CHARACTER SET ascii COLLATE ascii_bin NOT NULL",
                    true);
            addIfMissing(conn, table, columns, "src_key");
            return;
        }
        TableSpec spec = mapping.findTable(table);
        if (spec == null) {
            return; // the dead-letter table: the probe checks its columns
        }
        TableSpec parent = parentOf(mapping, spec);
        List<String> keyNames = new ArrayList<>();
        for (ColumnSpec c : spec.keyColumnSpecs()) {
            keyNames.add(c.name);
        }
        expectKey(where, table, primaryKey, keyNames);
        for (ColumnSpec c : spec.keyColumnSpecs()) {
            if (MySqlDialect.isText(c) && columns.containsKey(lower(c.name))) {
                expectBinary(
                        where,
                        table,
                        columns,
                        c.name,
                        c.type.toSql()
                                + " CHARACTER SET utf8mb4 COLLATE "
                                + (keyCollation == null ? "utf8mb4_bin" : keyCollation)
                                + " NOT NULL",
                        false);
            }
        }
        if (spec == parent) {
            expectVersion(where, table, columns, TableSpec.VERSION_COLUMN);
            addIfMissing(conn, table, columns, MySqlDialect.SOURCE_KEY_COLUMN);
            return;
        }
        // A child table: deletes of a document's rows use the primary key or ix_parent_key.
        int documentKey = parent.keyColumns;
        if (spec.keyColumns < documentKey) {
            List<String> want = new ArrayList<>();
            for (ColumnSpec c : spec.columns.subList(0, documentKey)) {
                want.add(c.name);
            }
            List<String> ix = index(conn, table, MySqlDialect.PARENT_KEY_INDEX);
            if (ix.size() < want.size()
                    || !lowerAll(ix.subList(0, want.size())).equals(lowerAll(want))) {
                throw new SQLException(
                        where
                                + " lacks the index "
                                + MySqlDialect.PARENT_KEY_INDEX
                                + " on "
                                + want
                                + " that the sink's child deletes use; fix: ALTER TABLE "
                                + MySqlDialect.quote(table)
                                + " ADD KEY "
                                + MySqlDialect.quote(MySqlDialect.PARENT_KEY_INDEX)
                                + " ("
                                + String.join(", ", quoteAll(want))
                                + "), or drop the table");
            }
        }
    }

    private static TableSpec parentOf(Mapping mapping, TableSpec spec) {
        for (TableSpec parent : mapping.tables()) {
            if (parent == spec || MySqlDialect.descendants(parent).contains(spec)) {
                return parent;
            }
        }
        return spec;
    }

    private static void expectKey(
            String where, String table, List<String> primaryKey, List<String> want)
            throws SQLException {
        if (!lowerAll(primaryKey).equals(lowerAll(want))) {
            throw new SQLException(
                    where
                            + (primaryKey.isEmpty()
                                    ? " has no primary key"
                                    : " has the primary key " + primaryKey)
                            + " but the sink needs PRIMARY KEY "
                            + want
                            + " (one row per document key, or upserts would add rows instead of"
                            + " replacing them); fix: ALTER TABLE "
                            + MySqlDialect.quote(table)
                            + (primaryKey.isEmpty() ? "" : " DROP PRIMARY KEY,")
                            + " ADD PRIMARY KEY ("
                            + String.join(", ", quoteAll(want))
                            + "), or drop the table and let the job create it");
        }
    }

    private static void expectVersion(
            String where, String table, Map<String, String[]> columns, String column)
            throws SQLException {
        String[] c = columns.get(lower(column));
        String type = c == null ? null : c[0].toLowerCase(Locale.ROOT);
        if (type == null || !type.matches("bigint(\\(\\d+\\))? unsigned")) {
            throw new SQLException(
                    where
                            + (type == null
                                    ? " has no column " + MySqlDialect.quote(column)
                                    : " has " + MySqlDialect.quote(column) + " " + type)
                            + " but the sink stores source versions there as BIGINT UNSIGNED"
                            + " (they exceed the signed range); fix: ALTER TABLE "
                            + MySqlDialect.quote(table)
                            + (type == null ? " ADD " : " MODIFY ")
                            + MySqlDialect.quote(column)
                            + " BIGINT UNSIGNED NOT NULL, or drop the table");
        }
    }

    /**
     * A text key column must compare byte for byte: a case- or accent-insensitive collation makes
     * different {@code _id}s ({@code "a"}, {@code "A"}) one row. {@code utf8mb4_bin} (PAD SPACE) is
     * accepted: keys differing only in trailing spaces then collide and are dead-lettered.
     */
    private static void expectBinary(
            String where,
            String table,
            Map<String, String[]> columns,
            String column,
            String fix,
            boolean ascii)
            throws SQLException {
        String[] c = columns.get(lower(column));
        String collation = c == null || c[1] == null ? null : c[1].toLowerCase(Locale.ROOT);
        if (collation == null) {
            return; // not a text column (e.g. a numeric key): nothing to compare
        }
        boolean binary = collation.endsWith("_bin");
        // The tombstone key is ASCII by construction (TombstoneKey); document keys are any string.
        boolean fullUnicode = collation.startsWith(ascii ? "ascii_" : "utf8mb4_");
        if (!binary || !fullUnicode) {
            throw new SQLException(
                    where
                            + ": key column "
                            + MySqlDialect.quote(column)
                            + " has collation "
                            + collation
                            + ", which "
                            + (binary
                                    ? "cannot hold every MongoDB string"
                                    : "treats different _ids as equal (e.g. 'a' and 'A')")
                            + "; fix: ALTER TABLE "
                            + MySqlDialect.quote(table)
                            + " MODIFY "
                            + MySqlDialect.quote(column)
                            + " "
                            + fix
                            + ", or drop the table");
        }
        if (!ascii && !collation.contains("nopad") && !collation.contains("0900")) {
            LOG.warn(
                    "{}: key column {} has the PAD SPACE collation {}: _ids that differ only in"
                            + " trailing spaces collide there and the second one is dead-lettered;"
                            + " ALTER TABLE {} MODIFY {} {} keeps them apart",
                    where,
                    MySqlDialect.quote(column),
                    collation,
                    MySqlDialect.quote(table),
                    MySqlDialect.quote(column),
                    fix);
        }
    }

    /**
     * Adds a hidden owner column ({@code _src_key} / {@code src_key}) a table of an earlier version
     * lacks.
     */
    private static void addIfMissing(
            Connection conn, String table, Map<String, String[]> columns, String column)
            throws SQLException {
        if (!columns.containsKey(lower(column))) {
            alter(
                    conn,
                    "ALTER TABLE "
                            + MySqlDialect.quote(table)
                            + " ADD COLUMN "
                            + MySqlDialect.quote(column)
                            + " "
                            + MySqlDialect.SOURCE_KEY_TYPE
                            + " NULL",
                    "add the owner column " + MySqlDialect.quote(column) + " to " + table);
        }
    }

    /** lower-case column name → {COLUMN_TYPE, COLLATION_NAME}. */
    private static Map<String, String[]> columns(Connection conn, String table)
            throws SQLException {
        Map<String, String[]> out = new HashMap<>();
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT COLUMN_NAME, COLUMN_TYPE, COLLATION_NAME"
                                + " FROM information_schema.COLUMNS"
                                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(
                            lower(rs.getString(1)),
                            new String[] {rs.getString(2), rs.getString(3)});
                }
            }
        }
        return out;
    }

    /** The columns of an index, in order; empty when the table has no such index. */
    private static List<String> index(Connection conn, String table, String index)
            throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT COLUMN_NAME FROM information_schema.STATISTICS"
                                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
                                + " AND INDEX_NAME = ? ORDER BY SEQ_IN_INDEX")) {
            ps.setString(1, table);
            ps.setString(2, index);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static List<String> lowerAll(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            out.add(lower(n));
        }
        return out;
    }

    private static List<String> quoteAll(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            out.add(MySqlDialect.quote(n));
        }
        return out;
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

    /** Seconds an {@code ALTER TABLE} waits for a metadata lock before it gives up. */
    static final int ALTER_LOCK_WAIT_S = 30;

    /**
     * Runs an {@code ALTER TABLE} waiting at most {@value #ALTER_LOCK_WAIT_S} s for the table's
     * metadata lock (MySQL's default is a year): prepared XA branches of a previous run keep it
     * until they are committed or rolled back, which would otherwise hang the job's start.
     */
    private static void alter(Connection conn, String sql, String what) throws SQLException {
        long previous;
        try (Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SELECT @@SESSION.lock_wait_timeout")) {
            rs.next();
            previous = rs.getLong(1);
        }
        try (Statement s = conn.createStatement()) {
            s.execute("SET SESSION lock_wait_timeout = " + ALTER_LOCK_WAIT_S);
            s.execute(sql);
        } catch (SQLException e) {
            String why =
                    e.getErrorCode() == 1205
                            ? " (another session holds the table's metadata lock: most likely"
                                    + " prepared XA branches of the previous run, listed by XA"
                                    + " RECOVER; let the previous version commit them — restore"
                                    + " it and stop it with a savepoint — then start again)"
                            : MySqlConnections.hint(e);
            throw new SQLException(
                    "Could not " + what + ": " + e.getMessage() + why + "\n  SQL: " + sql,
                    e.getSQLState(),
                    e.getErrorCode(),
                    e);
        } finally {
            try (Statement s = conn.createStatement()) {
                s.execute("SET SESSION lock_wait_timeout = " + previous);
            }
        }
    }

    private static void execute(Connection conn, String sql, String what) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new SQLException(
                    "Could not "
                            + what
                            + ": "
                            + e.getMessage()
                            + MySqlConnections.hint(e)
                            + "\n  SQL: "
                            + sql,
                    e.getSQLState(),
                    e.getErrorCode(),
                    e);
        }
    }
}
