package io.dbtransfer.dialect;

import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.TargetType;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The SQL the sink speaks to MySQL 8 / MariaDB: quoting, DDL and the statements of a flush. The
 * static methods are the statements themselves; {@link #INSTANCE} offers them as a {@link
 * TargetDialect}.
 */
public final class MySqlDialect implements TargetDialect {

    /** This dialect as a {@link TargetDialect}. */
    public static final MySqlDialect INSTANCE = new MySqlDialect();

    /** MySQL's limit for table, column and index names, in characters. */
    public static final int MAX_IDENTIFIER_LENGTH = 64;

    /** Where deletes leave their version, so that replays of older changes cannot resurrect. */
    public static final String TOMBSTONE_TABLE = "_dbtransfer_tombstone";

    /** Length of the tombstone's encoded key column (ASCII, see {@link TombstoneKey}). */
    public static final int TOMBSTONE_PK_LENGTH = 768;

    /** Index on the document key of a child table whose primary key does not start with it. */
    static final String PARENT_KEY_INDEX = "ix_parent_key";

    /**
     * Hidden column of every parent row: the canonical Extended JSON of the {@code _id} the row
     * belongs to (compared by {@link io.dbtransfer.mapping.KeyIdentity#owner}); {@code NULL} in
     * rows written before it existed. The sink never overwrites or deletes a row owned by a
     * different {@code _id}.
     */
    public static final String SOURCE_KEY_COLUMN = "_src_key";

    /** Its type: canonical Extended JSON of an {@code _id}, compared byte for byte. */
    static final String SOURCE_KEY_TYPE = "TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";

    /**
     * Collation of text key columns on MariaDB: binary and NO PAD, so that {@code "a"} and {@code
     * "a "} are two keys (MariaDB's {@code utf8mb4_bin} is PAD SPACE: they would be one).
     */
    public static final String MARIADB_KEY_COLLATION = "utf8mb4_nopad_bin";

    /** The same on MySQL 8 ({@code utf8mb4_0900_bin}, binary and NO PAD). */
    public static final String MYSQL_KEY_COLLATION = "utf8mb4_0900_bin";

    private static final String TABLE_OPTIONS =
            " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

    private MySqlDialect() {}

    /**
     * Quotes an identifier with backticks, doubling embedded backticks.
     *
     * @throws IllegalArgumentException for names MySQL cannot store (empty, longer than 64
     *     characters, a trailing space, U+0000 or characters outside the BMP)
     */
    public static String quote(String identifier) {
        if (identifier == null || identifier.isEmpty()) {
            throw new IllegalArgumentException("MySQL identifiers must not be empty");
        }
        int length = identifier.codePointCount(0, identifier.length());
        if (length > MAX_IDENTIFIER_LENGTH) {
            throw new IllegalArgumentException(
                    "MySQL identifier '"
                            + identifier
                            + "' is "
                            + length
                            + " characters long; MySQL allows at most "
                            + MAX_IDENTIFIER_LENGTH
                            + " (shorten the table or column name in the mapping)");
        }
        if (identifier.endsWith(" ")) {
            throw new IllegalArgumentException(
                    "MySQL identifier '" + identifier + "' must not end with a space");
        }
        for (int i = 0; i < identifier.length(); i++) {
            char ch = identifier.charAt(i);
            if (ch == 0 || Character.isSurrogate(ch)) {
                throw new IllegalArgumentException(
                        "MySQL identifier '"
                                + identifier
                                + "' contains U+0000 or a character outside the Basic"
                                + " Multilingual Plane, which MySQL does not allow in names");
            }
        }
        return '`' + identifier.replace("`", "``") + '`';
    }

    /** The child tables below {@code parent}, depth first, parents before their children. */
    public static List<TableSpec> descendants(TableSpec parent) {
        List<TableSpec> out = new ArrayList<>();
        addDescendants(parent, out);
        return Collections.unmodifiableList(out);
    }

    private static void addDescendants(TableSpec table, List<TableSpec> out) {
        for (TableSpec child : table.children) {
            out.add(child);
            addDescendants(child, out);
        }
    }

    /**
     * Every {@code CREATE TABLE IF NOT EXISTS} a parent table needs: the parent itself, then its
     * descendants.
     */
    public static List<String> createTables(TableSpec parent) {
        return createTables(parent, null);
    }

    /**
     * As {@link #createTables(TableSpec)}, with text key columns in {@code keyCollation} ({@code
     * null}: the table's default collation).
     */
    public static List<String> createTables(TableSpec parent, String keyCollation) {
        List<String> ddl = new ArrayList<>();
        ddl.add(createParentTable(parent, keyCollation));
        for (TableSpec child : descendants(parent)) {
            ddl.add(createChildTable(child, parent.keyColumns, keyCollation));
        }
        return ddl;
    }

    /** A parent table with the table's default collation on its key column. */
    public static String createParentTable(TableSpec table) {
        return createParentTable(table, null);
    }

    /**
     * A parent table: its columns (text key columns in {@code keyCollation} unless {@code null}),
     * {@code _src_version}, {@code _src_key}, primary key on the key columns.
     */
    public static String createParentTable(TableSpec table, String keyCollation) {
        for (ColumnSpec c : table.columns) {
            if (c.name.equalsIgnoreCase(TableSpec.VERSION_COLUMN)
                    || c.name.equalsIgnoreCase(SOURCE_KEY_COLUMN)) {
                throw new IllegalArgumentException(
                        "Table "
                                + table.name
                                + " maps a column named "
                                + c.name
                                + ", which the sink reserves for the source version and key");
            }
        }
        StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ");
        sql.append(quote(table.name)).append(" (");
        appendColumns(sql, table, keyCollation);
        // DEFAULT 0 (older than every source version): after cutover the application inserts
        // rows with plain SQL that knows nothing of this column.
        sql.append(", ")
                .append(quote(TableSpec.VERSION_COLUMN))
                .append(" BIGINT UNSIGNED NOT NULL DEFAULT 0");
        sql.append(", ").append(quote(SOURCE_KEY_COLUMN)).append(' ').append(SOURCE_KEY_TYPE);
        sql.append(" NULL");
        sql.append(", PRIMARY KEY (").append(columnList(table.keyColumnSpecs())).append("))");
        return sql.append(TABLE_OPTIONS).toString();
    }

    /**
     * A child table: its columns, primary key on its key columns, and an index on the document key
     * (its first {@code documentKeyColumns} columns) unless the primary key already starts with it.
     */
    public static String createChildTable(TableSpec child, int documentKeyColumns) {
        return createChildTable(child, documentKeyColumns, null);
    }

    /** As {@link #createChildTable(TableSpec, int)}, text key columns in {@code keyCollation}. */
    public static String createChildTable(
            TableSpec child, int documentKeyColumns, String keyCollation) {
        checkChild(child, documentKeyColumns);
        StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ");
        sql.append(quote(child.name)).append(" (");
        appendColumns(sql, child, keyCollation);
        sql.append(", PRIMARY KEY (").append(columnList(child.keyColumnSpecs())).append(")");
        if (child.keyColumns < documentKeyColumns) {
            sql.append(", KEY ")
                    .append(quote(PARENT_KEY_INDEX))
                    .append(" (")
                    .append(columnList(child.columns.subList(0, documentKeyColumns)))
                    .append(")");
        }
        return sql.append(")").append(TABLE_OPTIONS).toString();
    }

    /** The tombstone table: one row per deleted document key, holding the delete's version. */
    public static String createTombstoneTable() {
        return "CREATE TABLE IF NOT EXISTS "
                + quote(TOMBSTONE_TABLE)
                + " (`tbl` VARCHAR(64) NOT NULL,"
                + " `pk` VARCHAR("
                + TOMBSTONE_PK_LENGTH
                + ") CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
                + " `version` BIGINT UNSIGNED NOT NULL,"
                + " `deleted_at` TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
                + " `src_key` "
                + SOURCE_KEY_TYPE
                + " NULL,"
                + " PRIMARY KEY (`tbl`, `pk`))"
                + TABLE_OPTIONS;
    }

    /**
     * Inserts a parent row, or on a duplicate key overwrites every non-key column, the version and
     * the owner. Binds the table's columns in order, then {@code _src_version}, then {@code
     * _src_key}.
     */
    public static String upsertParent(TableSpec table) {
        StringBuilder sql = new StringBuilder("INSERT INTO ");
        sql.append(quote(table.name)).append(" (").append(columnList(table.columns));
        sql.append(", ").append(quote(TableSpec.VERSION_COLUMN));
        sql.append(", ").append(quote(SOURCE_KEY_COLUMN)).append(") VALUES (");
        sql.append(placeholders(table.columns.size() + 2)).append(") ON DUPLICATE KEY UPDATE ");
        StringJoiner updates = new StringJoiner(", ");
        for (ColumnSpec c : table.columns.subList(table.keyColumns, table.columns.size())) {
            updates.add(quote(c.name) + " = VALUES(" + quote(c.name) + ")");
        }
        String version = quote(TableSpec.VERSION_COLUMN);
        updates.add(version + " = VALUES(" + version + ")");
        String owner = quote(SOURCE_KEY_COLUMN);
        updates.add(owner + " = VALUES(" + owner + ")");
        return sql.append(updates).toString();
    }

    /** Deletes one parent row; binds the key columns. */
    public static String deleteParent(TableSpec table) {
        return "DELETE FROM "
                + quote(table.name)
                + " WHERE "
                + keyPredicate(table.keyColumnSpecs());
    }

    /**
     * Deletes every row of one document in a child table; binds the document key.
     *
     * <p>The index is forced (multi-table syntax, the only DELETE taking index hints): a table scan
     * would wait for rows other subtasks' prepared branches hold locked until their commit.
     */
    public static String deleteChildren(TableSpec child, int documentKeyColumns) {
        return deleteChildren(child, documentKeyColumns, 1);
    }

    /**
     * Deletes every row of up to {@code keys} documents in a child table in one statement; binds
     * the document key of each document in turn: {@code key IN (?, …)}, for a compound document key
     * {@code (k1 = ? AND k2 = ?) OR …} (the form {@link #selectVersionsForUpdate} uses, which
     * MariaDB turns into range reads on the index).
     *
     * <p>It deletes exactly the union of the rows {@code keys} single-key deletes would: each
     * predicate compares the key columns with the columns' own collation, as {@code =} does.
     */
    public static String deleteChildren(TableSpec child, int documentKeyColumns, int keys) {
        checkChild(child, documentKeyColumns);
        if (keys < 1) {
            throw new IllegalArgumentException("keys must be >= 1, got " + keys);
        }
        String index = child.keyColumns >= documentKeyColumns ? "PRIMARY" : quote(PARENT_KEY_INDEX);
        List<ColumnSpec> keyColumns = child.columns.subList(0, documentKeyColumns);
        String where;
        if (keys == 1) {
            where = keyPredicate(keyColumns);
        } else if (documentKeyColumns == 1) {
            where = quote(keyColumns.get(0).name) + " IN (" + placeholders(keys) + ")";
        } else {
            String tuple = "(" + keyPredicate(keyColumns) + ")";
            where = String.join(" OR ", Collections.nCopies(keys, tuple));
        }
        return "DELETE "
                + quote(child.name)
                + " FROM "
                + quote(child.name)
                + " FORCE INDEX ("
                + index
                + ") WHERE "
                + where;
    }

    /** Inserts one child row; binds all its columns. */
    public static String insertChild(TableSpec child) {
        return "INSERT INTO "
                + quote(child.name)
                + " ("
                + columnList(child.columns)
                + ") VALUES ("
                + placeholders(child.columns.size())
                + ")";
    }

    /**
     * Reads and locks the key columns (in their canonical text form, see {@link
     * #keyReadExpression}), the version and the owner ({@code _src_key}) of up to {@code keys}
     * parent rows; binds the key columns of each key in turn.
     *
     * <p>Point lookups on the primary key only (forced): a locking scan would wait for rows that
     * other subtasks' prepared branches keep locked until their checkpoint completes.
     */
    public static String selectVersionsForUpdate(TableSpec table, int keys) {
        if (keys < 1) {
            throw new IllegalArgumentException("keys must be >= 1, got " + keys);
        }
        List<ColumnSpec> keyColumns = table.keyColumnSpecs();
        StringJoiner select = new StringJoiner(", ");
        for (ColumnSpec c : keyColumns) {
            select.add(keyReadExpression(c));
        }
        select.add(quote(TableSpec.VERSION_COLUMN));
        select.add(quote(SOURCE_KEY_COLUMN));
        StringBuilder sql = new StringBuilder("SELECT ").append(select);
        sql.append(" FROM ").append(quote(table.name)).append(" FORCE INDEX (PRIMARY) WHERE ");
        if (keyColumns.size() == 1) {
            sql.append(quote(keyColumns.get(0).name)).append(" IN (");
            sql.append(placeholders(keys)).append(")");
        } else {
            String tuple = "(" + keyPredicate(keyColumns) + ")";
            sql.append(String.join(" OR ", Collections.nCopies(keys, tuple)));
        }
        return sql.append(" FOR UPDATE").toString();
    }

    /**
     * How a key column is read back so that it compares equal to its canonical string: hex for
     * binaries, millisecond text for datetimes, the column itself otherwise (normalised by {@link
     * ValueCodec#readKey}).
     */
    public static String keyReadExpression(ColumnSpec column) {
        String q = quote(column.name);
        switch (column.type.kind) {
            case BINARY:
                return "LOWER(HEX(" + q + "))";
            case DATETIME:
                return "LEFT(DATE_FORMAT(" + q + ", '%Y-%m-%d %H:%i:%s.%f'), 23)";
            default:
                return q;
        }
    }

    /**
     * Reads and locks the tombstones (pk, version, owner) of up to {@code keys} keys of one table;
     * binds tbl, pks.
     */
    public static String selectTombstonesForUpdate(int keys) {
        if (keys < 1) {
            throw new IllegalArgumentException("keys must be >= 1, got " + keys);
        }
        return "SELECT `pk`, `version`, `src_key` FROM "
                + quote(TOMBSTONE_TABLE)
                + " FORCE INDEX (PRIMARY) WHERE `tbl` = ? AND `pk` IN ("
                + placeholders(keys)
                + ") FOR UPDATE";
    }

    /** Writes or overwrites a tombstone; binds tbl, pk, version, owner ({@code src_key}). */
    public static String upsertTombstone() {
        return "INSERT INTO "
                + quote(TOMBSTONE_TABLE)
                + " (`tbl`, `pk`, `version`, `deleted_at`, `src_key`)"
                + " VALUES (?, ?, ?, CURRENT_TIMESTAMP(3), ?)"
                + " ON DUPLICATE KEY UPDATE `version` = VALUES(`version`),"
                + " `deleted_at` = VALUES(`deleted_at`), `src_key` = VALUES(`src_key`)";
    }

    /** Removes a tombstone; binds tbl, pk. */
    public static String deleteTombstone() {
        return "DELETE FROM " + quote(TOMBSTONE_TABLE) + " WHERE `tbl` = ? AND `pk` = ?";
    }

    /** Deletes up to {@code limit} tombstones older than a bound number of seconds. */
    public static String purgeTombstones(int limit) {
        return "DELETE FROM "
                + quote(TOMBSTONE_TABLE)
                + " WHERE `deleted_at` < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT "
                + limit;
    }

    /** {@code SELECT} of all expected columns that returns no rows: checks an existing table. */
    public static String probeColumns(TableSpec table, boolean parent) {
        List<String> names = new ArrayList<>();
        for (ColumnSpec c : table.columns) {
            names.add(quote(c.name));
        }
        if (parent) {
            names.add(quote(TableSpec.VERSION_COLUMN));
            names.add(quote(SOURCE_KEY_COLUMN));
        }
        return "SELECT " + String.join(", ", names) + " FROM " + quote(table.name) + " WHERE 1 = 0";
    }

    private static void checkChild(TableSpec child, int documentKeyColumns) {
        if (documentKeyColumns < 1 || child.columns.size() < documentKeyColumns) {
            throw new IllegalArgumentException(
                    "Child table "
                            + child.name
                            + " must start with the "
                            + documentKeyColumns
                            + " document key column(s) of its parent");
        }
    }

    private static void appendColumns(StringBuilder sql, TableSpec table, String keyCollation) {
        for (int i = 0; i < table.columns.size(); i++) {
            ColumnSpec c = table.columns.get(i);
            if (i < table.keyColumns && !indexable(c)) {
                throw new IllegalArgumentException(
                        "Key column "
                                + c.name
                                + " of table "
                                + table.name
                                + " has type "
                                + c.type.toSql()
                                + ", which MySQL cannot use in a primary key;"
                                + " map it to VARCHAR(n), CHAR(n), VARBINARY(n) or a number");
            }
            if (i > 0) {
                sql.append(", ");
            }
            sql.append(quote(c.name)).append(' ').append(c.type.toSql());
            if (i < table.keyColumns && keyCollation != null && isText(c)) {
                sql.append(" COLLATE ").append(keyCollation);
            }
            sql.append(i < table.keyColumns ? " NOT NULL" : " NULL");
        }
    }

    /** Whether a column holds text, so that its collation decides which values are equal. */
    public static boolean isText(ColumnSpec c) {
        return c.type.kind == ColumnType.Kind.VARCHAR || c.type.kind == ColumnType.Kind.CHAR;
    }

    private static boolean indexable(ColumnSpec c) {
        switch (c.type.kind) {
            case TEXT:
            case JSON:
                return false;
            case BINARY:
                return c.type.length > 0;
            default:
                return true;
        }
    }

    private static String columnList(List<ColumnSpec> columns) {
        StringJoiner j = new StringJoiner(", ");
        for (ColumnSpec c : columns) {
            j.add(quote(c.name));
        }
        return j.toString();
    }

    private static String keyPredicate(List<ColumnSpec> columns) {
        StringJoiner j = new StringJoiner(" AND ");
        for (ColumnSpec c : columns) {
            j.add(quote(c.name) + " = ?");
        }
        return j.toString();
    }

    private static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    // ---- TargetDialect: the statements above, unchanged, plus what the sink ran inline before.

    @Override
    public TargetType type() {
        return TargetType.MYSQL;
    }

    @Override
    public String currentSchema() {
        return "DATABASE()";
    }

    @Override
    public String productName() {
        return "MySQL";
    }

    @Override
    public String quoteIdentifier(String identifier) {
        return quote(identifier);
    }

    @Override
    public String columnType(ColumnSpec column) {
        return column.type.toSql();
    }

    @Override
    public List<String> tableDdl(TableSpec parent) {
        return createTables(parent);
    }

    @Override
    public String tombstoneTableDdl() {
        return createTombstoneTable();
    }

    /** MySQL has no guard clause on {@code ON DUPLICATE KEY UPDATE}: the locked read guards. */
    @Override
    public String parentUpsert(TableSpec table, boolean guarded) {
        return upsertParent(table);
    }

    @Override
    public String parentDelete(TableSpec table) {
        return deleteParent(table);
    }

    @Override
    public String childrenDelete(TableSpec child, int documentKeyColumns, int keys) {
        return deleteChildren(child, documentKeyColumns, keys);
    }

    @Override
    public String childInsert(TableSpec child) {
        return insertChild(child);
    }

    @Override
    public String versionsForUpdate(TableSpec table, int keys) {
        return selectVersionsForUpdate(table, keys);
    }

    @Override
    public String tombstonesForUpdate(int keys) {
        return selectTombstonesForUpdate(keys);
    }

    @Override
    public String tombstoneUpsert() {
        return upsertTombstone();
    }

    @Override
    public String tombstoneDelete() {
        return deleteTombstone();
    }

    @Override
    public String tombstonePurge(int limit) {
        return purgeTombstones(limit);
    }

    @Override
    public String keyRead(ColumnSpec column) {
        return keyReadExpression(column);
    }

    /** A plain {@code ?}: MySQL converts the bound text to the column's type. */
    @Override
    public String keyParameter(ColumnSpec column) {
        return "?";
    }

    /** Integer kinds as numbers (exact beyond 2^53), everything else as text. */
    @Override
    public void bindKeyText(PreparedStatement ps, int index, ColumnSpec column, String keyText)
            throws SQLException {
        switch (column.type.kind) {
            case INT:
            case BIGINT:
                ps.setLong(index, Long.parseLong(keyText));
                break;
            default:
                ps.setString(index, keyText);
        }
    }

    @Override
    public String limit(int rows) {
        return " LIMIT " + rows;
    }

    /** Connector/J streams row by row with {@code Integer.MIN_VALUE}. */
    @Override
    public int streamingFetchSize() {
        return Integer.MIN_VALUE;
    }

    @Override
    public String commitMarkerTableDdl(String table) {
        return "CREATE TABLE IF NOT EXISTS "
                + quote(table)
                + " (`xid` VARCHAR(190) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
                + " `token` BIGINT NOT NULL,"
                + " `created_at` TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
                + " PRIMARY KEY (`xid`), KEY `created_at` (`created_at`))"
                + " ENGINE=InnoDB";
    }

    @Override
    public String commitMarkerUpsert(String table) {
        return "INSERT INTO "
                + quote(table)
                + " (`xid`, `token`) VALUES (?, ?) ON DUPLICATE KEY UPDATE"
                + " `token` = VALUES(`token`),"
                + " `created_at` = CURRENT_TIMESTAMP(3)";
    }

    @Override
    public String commitMarkerPurge(String table, int limit) {
        return "DELETE FROM "
                + quote(table)
                + " WHERE `created_at` < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND"
                + " LIMIT "
                + limit;
    }

    @Override
    public String deadLetterTableDdl() {
        return DeadLetterRows.DDL;
    }

    @Override
    public String deadLetterInsert() {
        return DeadLetterRows.INSERT;
    }

    @Override
    public String deadLetterExists() {
        return DeadLetterRows.EXISTS;
    }

    @Override
    public List<String> mismatchTableDdl() {
        return List.of(MismatchRows.DDL);
    }

    /** {@code repair_version} and {@code note} came after the first version of the table. */
    @Override
    public Map<String, String> mismatchTableAddedColumns() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("repair_version", MismatchRows.REPAIR_VERSION_DDL);
        out.put("note", MismatchRows.NOTE_DDL);
        return out;
    }

    @Override
    public String mismatchInsert() {
        return MismatchRows.INSERT;
    }

    @Override
    public String lockTimeout(int seconds) {
        return "SET SESSION innodb_lock_wait_timeout = " + seconds;
    }

    /**
     * {@code CHAR} always ignores trailing spaces, {@code VARCHAR} under a PAD SPACE collation
     * ({@code utf8mb4_bin}: tables of earlier versions, servers without a NO PAD binary collation).
     */
    @Override
    public boolean keyIgnoresTrailingSpaces(Connection conn, TableSpec table) throws SQLException {
        boolean pad = false;
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT DATA_TYPE, COLLATION_NAME FROM information_schema.COLUMNS"
                                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
                                + " AND COLUMN_NAME = ?")) {
            for (ColumnSpec c : table.keyColumnSpecs()) {
                if (!isText(c)) {
                    continue;
                }
                ps.setString(1, table.name);
                ps.setString(2, c.name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        String type = rs.getString(1).toLowerCase(java.util.Locale.ROOT);
                        String collation =
                                String.valueOf(rs.getString(2)).toLowerCase(java.util.Locale.ROOT);
                        pad |=
                                type.equals("char")
                                        || !(collation.contains("nopad")
                                                || collation.contains("0900"));
                    }
                }
            }
        }
        return pad;
    }

    @Override
    public String hint(SQLException e) {
        return MySqlConnections.hint(e);
    }

    @Override
    public boolean isTransient(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException) {
                SQLException s = (SQLException) t;
                if (s.getErrorCode() == 1213 // ER_LOCK_DEADLOCK
                        || s.getErrorCode() == 1205 // ER_LOCK_WAIT_TIMEOUT
                        || "40001".equals(s.getSQLState())
                        || (s.getSQLState() != null && s.getSQLState().startsWith("08"))) {
                    return true;
                }
            }
        }
        return false;
    }
}
