package io.dbtransfer.dialect;

import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.TargetType;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The SQL the sink speaks to PostgreSQL (12+): double-quoted identifiers, {@code INSERT … ON
 * CONFLICT … DO UPDATE … WHERE} as the version guard, {@code numeric(20,0)} for the unsigned 64-bit
 * source versions, {@code COLLATE "C"} on text (binary comparison, as {@code utf8mb4_bin} on
 * MySQL), {@code jsonb} for JSON and {@code timestamp(3)} (UTC wall time, as the canonical values
 * are) for DATETIME. Parameters bind in the same order as {@link MySqlDialect}'s statements.
 */
public final class PostgresDialect implements TargetDialect {

    /** The one instance. */
    public static final PostgresDialect INSTANCE = new PostgresDialect();

    /** PostgreSQL's limit for names, in bytes (NAMEDATALEN - 1). */
    public static final int MAX_IDENTIFIER_BYTES = 63;

    /** Binary, no-pad comparison of text: what {@code utf8mb4_bin} / NO PAD give on MySQL. */
    static final String BINARY_COLLATION = " COLLATE \"C\"";

    /** The type of {@code _src_version}: all unsigned 64-bit values, compared as numbers. */
    static final String VERSION_TYPE = "numeric(20,0)";

    private static final String TOMB = quote(MySqlDialect.TOMBSTONE_TABLE);

    private PostgresDialect() {}

    /**
     * Quotes an identifier with double quotes, doubling embedded ones.
     *
     * @throws IllegalArgumentException for names PostgreSQL cannot store (empty, longer than 63
     *     bytes in UTF-8, U+0000)
     */
    public static String quote(String identifier) {
        if (identifier == null || identifier.isEmpty()) {
            throw new IllegalArgumentException("PostgreSQL identifiers must not be empty");
        }
        int bytes = identifier.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_IDENTIFIER_BYTES) {
            throw new IllegalArgumentException(
                    "PostgreSQL identifier '"
                            + identifier
                            + "' is "
                            + bytes
                            + " bytes long in UTF-8; PostgreSQL allows at most "
                            + MAX_IDENTIFIER_BYTES
                            + " (shorten the table or column name in the mapping)");
        }
        if (identifier.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException(
                    "PostgreSQL identifier '" + identifier + "' contains U+0000");
        }
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    @Override
    public TargetType type() {
        return TargetType.POSTGRESQL;
    }

    @Override
    public String currentSchema() {
        return "current_schema()";
    }

    /**
     * From {@code pg_catalog.pg_tables}: PostgreSQL's {@code information_schema.tables} shows only
     * the tables the user holds some privilege on, so a table without any would look missing.
     */
    @Override
    public boolean tableExists(Connection conn, String table) throws SQLException {
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
                                + " AND tablename = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public String productName() {
        return "PostgreSQL";
    }

    @Override
    public String quoteIdentifier(String identifier) {
        return quote(identifier);
    }

    @Override
    public String columnType(ColumnSpec column) {
        switch (column.type.kind) {
            case INT:
                return "integer";
            case BIGINT:
                return "bigint";
            case DOUBLE:
                return "double precision";
            case DECIMAL:
                return "numeric(" + column.type.length + "," + column.type.scale + ")";
            case BOOLEAN:
                return "boolean";
            case VARCHAR:
                return "varchar(" + column.type.length + ")" + BINARY_COLLATION;
            case CHAR:
                return "char(" + column.type.length + ")" + BINARY_COLLATION;
            case TEXT:
                return "text" + BINARY_COLLATION;
            case DATETIME:
                return "timestamp(3)";
            case JSON:
                return "jsonb";
            case BINARY:
                return "bytea";
            default:
                throw new IllegalArgumentException("Unknown column kind " + column.type.kind);
        }
    }

    @Override
    public List<String> tableDdl(TableSpec parent) {
        List<String> ddl = new ArrayList<>();
        ddl.add(createParentTable(parent));
        for (TableSpec child : MySqlDialect.descendants(parent)) {
            ddl.addAll(createChildTable(child, parent.keyColumns));
        }
        return ddl;
    }

    /** A parent table: its columns, {@code _src_version}, {@code _src_key}, primary key. */
    String createParentTable(TableSpec table) {
        for (ColumnSpec c : table.columns) {
            if (c.name.equalsIgnoreCase(TableSpec.VERSION_COLUMN)
                    || c.name.equalsIgnoreCase(MySqlDialect.SOURCE_KEY_COLUMN)) {
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
        appendColumns(sql, table);
        sql.append(", ").append(quote(TableSpec.VERSION_COLUMN)).append(' ');
        // DEFAULT 0 as on MySQL: application inserts after cutover need not know the column.
        sql.append(VERSION_TYPE).append(" NOT NULL DEFAULT 0");
        sql.append(", ").append(quote(MySqlDialect.SOURCE_KEY_COLUMN)).append(" text");
        sql.append(BINARY_COLLATION).append(" NULL");
        sql.append(", PRIMARY KEY (").append(columnList(table.keyColumnSpecs())).append("))");
        return sql.toString();
    }

    /**
     * A child table and, unless its primary key starts with the document key, an index on the
     * document key (index names are per schema in PostgreSQL: named after the table).
     */
    List<String> createChildTable(TableSpec child, int documentKeyColumns) {
        checkChild(child, documentKeyColumns);
        StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ");
        sql.append(quote(child.name)).append(" (");
        appendColumns(sql, child);
        sql.append(", PRIMARY KEY (").append(columnList(child.keyColumnSpecs())).append("))");
        List<String> out = new ArrayList<>();
        out.add(sql.toString());
        if (child.keyColumns < documentKeyColumns) {
            out.add(
                    "CREATE INDEX IF NOT EXISTS "
                            + quote(parentKeyIndex(child.name))
                            + " ON "
                            + quote(child.name)
                            + " ("
                            + columnList(child.columns.subList(0, documentKeyColumns))
                            + ")");
        }
        return out;
    }

    /** {@code ix_<table>}, or a shortened name with a hash when that would exceed 63 bytes. */
    static String parentKeyIndex(String table) {
        String name = "ix_" + table;
        if (name.getBytes(StandardCharsets.UTF_8).length <= MAX_IDENTIFIER_BYTES) {
            return name;
        }
        StringBuilder sb = new StringBuilder("ix_");
        for (int i = 0; i < table.length(); ) {
            int cp = table.codePointAt(i);
            String next = new String(Character.toChars(cp));
            if ((sb + next).getBytes(StandardCharsets.UTF_8).length > MAX_IDENTIFIER_BYTES - 9) {
                break;
            }
            sb.append(next);
            i += Character.charCount(cp);
        }
        return sb.append('_').append(String.format("%08x", table.hashCode())).toString();
    }

    @Override
    public String tombstoneTableDdl() {
        return "CREATE TABLE IF NOT EXISTS "
                + TOMB
                + " (\"tbl\" varchar(64)"
                + BINARY_COLLATION
                + " NOT NULL, \"pk\" varchar("
                + MySqlDialect.TOMBSTONE_PK_LENGTH
                + ")"
                + BINARY_COLLATION
                + " NOT NULL, \"version\" "
                + VERSION_TYPE
                + " NOT NULL, \"deleted_at\" timestamptz(3) NOT NULL DEFAULT now(),"
                + " \"src_key\" text"
                + BINARY_COLLATION
                + " NULL, PRIMARY KEY (\"tbl\", \"pk\"))";
    }

    /**
     * {@code INSERT … ON CONFLICT (key) DO UPDATE SET …}; guarded with {@code WHERE
     * excluded._src_version >= t._src_version}: an equal version is written again (as on MySQL,
     * where only an older change is stale), an older one leaves the row alone.
     */
    @Override
    public String parentUpsert(TableSpec table, boolean guarded) {
        StringBuilder sql = new StringBuilder("INSERT INTO ");
        sql.append(quote(table.name)).append(" AS t (").append(columnList(table.columns));
        sql.append(", ").append(quote(TableSpec.VERSION_COLUMN));
        sql.append(", ").append(quote(MySqlDialect.SOURCE_KEY_COLUMN)).append(") VALUES (");
        sql.append(placeholders(table.columns)).append(", ?, ?) ON CONFLICT (");
        sql.append(columnList(table.keyColumnSpecs())).append(") DO UPDATE SET ");
        StringJoiner updates = new StringJoiner(", ");
        for (ColumnSpec c : table.columns.subList(table.keyColumns, table.columns.size())) {
            updates.add(quote(c.name) + " = EXCLUDED." + quote(c.name));
        }
        String version = quote(TableSpec.VERSION_COLUMN);
        updates.add(version + " = EXCLUDED." + version);
        String owner = quote(MySqlDialect.SOURCE_KEY_COLUMN);
        updates.add(owner + " = EXCLUDED." + owner);
        sql.append(updates);
        if (guarded) {
            sql.append(" WHERE EXCLUDED.").append(version).append(" >= t.").append(version);
        }
        return sql.toString();
    }

    @Override
    public String parentDelete(TableSpec table) {
        return "DELETE FROM "
                + quote(table.name)
                + " WHERE "
                + keyPredicate(table.keyColumnSpecs());
    }

    @Override
    public String childrenDelete(TableSpec child, int documentKeyColumns, int keys) {
        checkChild(child, documentKeyColumns);
        if (keys < 1) {
            throw new IllegalArgumentException("keys must be >= 1, got " + keys);
        }
        return "DELETE FROM "
                + quote(child.name)
                + " WHERE "
                + keysPredicate(child.columns.subList(0, documentKeyColumns), keys);
    }

    @Override
    public String childInsert(TableSpec child) {
        return "INSERT INTO "
                + quote(child.name)
                + " ("
                + columnList(child.columns)
                + ") VALUES ("
                + placeholders(child.columns)
                + ")";
    }

    @Override
    public String versionsForUpdate(TableSpec table, int keys) {
        if (keys < 1) {
            throw new IllegalArgumentException("keys must be >= 1, got " + keys);
        }
        StringJoiner select = new StringJoiner(", ");
        for (ColumnSpec c : table.keyColumnSpecs()) {
            select.add(keyRead(c));
        }
        select.add(quote(TableSpec.VERSION_COLUMN));
        select.add(quote(MySqlDialect.SOURCE_KEY_COLUMN));
        return "SELECT "
                + select
                + " FROM "
                + quote(table.name)
                + " WHERE "
                + keysPredicate(table.keyColumnSpecs(), keys)
                + " FOR UPDATE";
    }

    @Override
    public String keyRead(ColumnSpec column) {
        String q = quote(column.name);
        switch (column.type.kind) {
            case BINARY:
                return "encode(" + q + ", 'hex')";
            case DATETIME:
                return "to_char(" + q + ", 'YYYY-MM-DD HH24:MI:SS.MS')";
            case BOOLEAN:
                return "CAST(" + q + " AS integer)";
            case CHAR:
                // char(n) is read back without its padding, as MySQL returns CHAR values.
                return "CAST(" + q + " AS text)";
            default:
                return q;
        }
    }

    @Override
    public String tombstonesForUpdate(int keys) {
        if (keys < 1) {
            throw new IllegalArgumentException("keys must be >= 1, got " + keys);
        }
        return "SELECT \"pk\", \"version\", \"src_key\" FROM "
                + TOMB
                + " WHERE \"tbl\" = ? AND \"pk\" IN ("
                + String.join(", ", Collections.nCopies(keys, "?"))
                + ") FOR UPDATE";
    }

    @Override
    public String tombstoneUpsert() {
        return "INSERT INTO "
                + TOMB
                + " (\"tbl\", \"pk\", \"version\", \"deleted_at\", \"src_key\")"
                + " VALUES (?, ?, ?, now(), ?)"
                + " ON CONFLICT (\"tbl\", \"pk\") DO UPDATE SET \"version\" = EXCLUDED.\"version\","
                + " \"deleted_at\" = EXCLUDED.\"deleted_at\", \"src_key\" = EXCLUDED.\"src_key\"";
    }

    @Override
    public String tombstoneDelete() {
        return "DELETE FROM " + TOMB + " WHERE \"tbl\" = ? AND \"pk\" = ?";
    }

    @Override
    public String tombstonePurge(int limit) {
        return purgeOlderThan(TOMB, "deleted_at", limit);
    }

    /** PostgreSQL's DELETE has no LIMIT: the rows are picked by ctid in a sub-select. */
    private static String purgeOlderThan(String table, String column, int limit) {
        return "DELETE FROM "
                + table
                + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM "
                + table
                + " WHERE "
                + quote(column)
                + " < now() - CAST(? AS double precision) * INTERVAL '1 second' LIMIT "
                + limit
                + "))";
    }

    /** DATETIME keys are bound as text and cast, as in the sink's statements. */
    @Override
    public String keyParameter(ColumnSpec column) {
        return placeholder(column);
    }

    /** Every kind as its type ({@link ValueCodec#bind}): PostgreSQL compares no text to numbers. */
    @Override
    public void bindKeyText(PreparedStatement ps, int index, ColumnSpec column, String keyText)
            throws SQLException {
        ValueCodec.bind(ps, index, column, keyText);
    }

    @Override
    public String limit(int rows) {
        return " LIMIT " + rows;
    }

    /** The driver fetches through a cursor in batches of this size (inside a transaction). */
    @Override
    public int streamingFetchSize() {
        return 1000;
    }

    @Override
    public String commitMarkerTableDdl(String table) {
        return "CREATE TABLE IF NOT EXISTS "
                + quote(table)
                + " (\"xid\" varchar(200)"
                + BINARY_COLLATION
                + " NOT NULL PRIMARY KEY, \"token\" bigint NOT NULL,"
                + " \"created_at\" timestamptz(3) NOT NULL DEFAULT now())";
    }

    @Override
    public String commitMarkerUpsert(String table) {
        return "INSERT INTO "
                + quote(table)
                + " (\"xid\", \"token\") VALUES (?, ?) ON CONFLICT (\"xid\") DO UPDATE SET"
                + " \"token\" = EXCLUDED.\"token\", \"created_at\" = now()";
    }

    @Override
    public String commitMarkerPurge(String table, int limit) {
        return purgeOlderThan(quote(table), "created_at", limit);
    }

    @Override
    public String deadLetterTableDdl() {
        return "CREATE TABLE IF NOT EXISTS "
                + quote(DeadLetterRows.TABLE)
                + " (\"id\" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                + " \"collection\" varchar(255) NOT NULL,"
                + " \"doc_key\" varchar(768) NOT NULL,"
                + " \"field_path\" varchar(512) NOT NULL,"
                + " \"value_excerpt\" text,"
                + " \"expected_type\" varchar(255),"
                + " \"reason\" text NOT NULL,"
                + " \"action\" varchar(64) NOT NULL,"
                + " \"src_version\" "
                + VERSION_TYPE
                + " NOT NULL,"
                + " \"recorded_at\" timestamp(3) NOT NULL,"
                + " \"dedup\" bytea NOT NULL UNIQUE)";
    }

    /**
     * The dedup hash as on MySQL (SHA-256 of collection, key, field path, version and reason),
     * joined by U+0001: PostgreSQL text cannot hold the U+0000 MySQL joins with.
     */
    private static final String DEDUP =
            "sha256(convert_to(concat_ws(chr(1), CAST(? AS text), CAST(? AS text),"
                    + " CAST(? AS text), CAST(? AS text), CAST(? AS text)), 'UTF8'))";

    @Override
    public String deadLetterInsert() {
        return "INSERT INTO "
                + quote(DeadLetterRows.TABLE)
                + " (\"collection\", \"doc_key\", \"field_path\", \"value_excerpt\","
                + " \"expected_type\", \"reason\", \"action\", \"src_version\", \"recorded_at\","
                + " \"dedup\") VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS numeric),"
                + " CAST(? AS timestamp(3)), "
                + DEDUP
                + ") ON CONFLICT (\"dedup\") DO NOTHING";
    }

    @Override
    public String deadLetterExists() {
        return "SELECT 1 FROM " + quote(DeadLetterRows.TABLE) + " WHERE \"dedup\" = " + DEDUP;
    }

    private static final String MISMATCH = quote(MismatchRows.TABLE);

    /**
     * The columns of MySQL's table in PostgreSQL's types ({@code mysql_version} keeps its name: the
     * target's version of the row, -1 when there is none), all from the start.
     */
    @Override
    public List<String> mismatchTableDdl() {
        return List.of(
                "CREATE TABLE IF NOT EXISTS "
                        + MISMATCH
                        + " (\"id\" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                        + " \"collection\" varchar(255) NOT NULL,"
                        + " \"tbl\" varchar(64) NOT NULL,"
                        + " \"doc_key\" varchar(768) NOT NULL,"
                        + " \"kind\" varchar(16) NOT NULL,"
                        + " \"differing_columns\" text,"
                        + " \"src_version\" "
                        + VERSION_TYPE
                        + " NOT NULL,"
                        + " \"mysql_version\" bigint NOT NULL,"
                        + " \"first_seen\" timestamp(3) NOT NULL,"
                        + " \"status\" varchar(16) NOT NULL,"
                        + " \"detected_by\" varchar(16) NOT NULL,"
                        + " \"repair_version\" "
                        + VERSION_TYPE
                        + " NULL,"
                        + " \"note\" text NULL,"
                        + " \"dedup\" bytea NOT NULL UNIQUE)",
                "CREATE INDEX IF NOT EXISTS "
                        + quote(MismatchRows.TABLE + "_ix_doc")
                        + " ON "
                        + MISMATCH
                        + " (\"collection\", \"doc_key\")");
    }

    @Override
    public Map<String, String> mismatchTableAddedColumns() {
        return Map.of();
    }

    /**
     * The dedup hash of the same values as on MySQL (collection, key, kind, source version, target
     * version, status unless open, repair version), joined by U+0001 as the dead letters' are.
     */
    @Override
    public String mismatchInsert() {
        return "INSERT INTO "
                + MISMATCH
                + " (\"collection\", \"tbl\", \"doc_key\", \"kind\", \"differing_columns\","
                + " \"src_version\", \"mysql_version\", \"first_seen\", \"status\","
                + " \"detected_by\", \"repair_version\", \"note\", \"dedup\")"
                + " VALUES (?, ?, ?, ?, ?, CAST(? AS numeric), ?, CAST(? AS timestamp(3)), ?, ?,"
                + " CAST(? AS numeric), ?, sha256(convert_to(concat_ws(chr(1), CAST(? AS text),"
                + " CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS text),"
                + " NULLIF(CAST(? AS text), 'open'), CAST(? AS text)), 'UTF8')))"
                + " ON CONFLICT (\"dedup\") DO NOTHING";
    }

    @Override
    public String lockTimeout(int seconds) {
        return "SET lock_timeout = '" + seconds + "s'";
    }

    /**
     * {@code char(n)} compares without trailing spaces; {@code varchar} and {@code text} do not.
     */
    @Override
    public boolean keyIgnoresTrailingSpaces(Connection conn, TableSpec table) throws SQLException {
        boolean pad = false;
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT data_type FROM information_schema.columns"
                                + " WHERE table_schema = current_schema() AND table_name = ?"
                                + " AND column_name = ?")) {
            for (ColumnSpec c : table.keyColumnSpecs()) {
                if (!MySqlDialect.isText(c)) {
                    continue;
                }
                ps.setString(1, table.name);
                ps.setString(2, c.name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        pad |= "character".equalsIgnoreCase(rs.getString(1));
                    }
                }
            }
        }
        return pad;
    }

    /** PostgreSQL's {@code text} and {@code jsonb} cannot hold U+0000. */
    @Override
    public boolean textHoldsNul() {
        return false;
    }

    /**
     * jsonb stores numbers as {@code numeric}, which has no negative zero and prints {@code
     * 1.0E300} as 301 digits: a double written as {@code -0.0} or with an exponent is written as
     * {@code {"$numberDouble": "…"}} instead (the same value when parsed as Extended JSON); all
     * other text is kept.
     */
    @Override
    public String jsonText(String canonicalJson) {
        return jsonbNumbers(canonicalJson);
    }

    /** See {@link #jsonText}. */
    static String jsonbNumbers(String json) {
        if (json.indexOf("-0") < 0 && json.indexOf('E') < 0 && json.indexOf('e') < 0) {
            return json;
        }
        StringBuilder out = null;
        boolean inString = false;
        int copied = 0;
        for (int i = 0; i < json.length(); i++) {
            char ch = json.charAt(i);
            if (inString) {
                if (ch == '\\') {
                    i++;
                } else if (ch == '"') {
                    inString = false;
                }
                continue;
            }
            if (ch == '"') {
                inString = true;
                continue;
            }
            if (ch != '-' && (ch < '0' || ch > '9')) {
                continue;
            }
            int end = i;
            while (end < json.length() && "+-.eE0123456789".indexOf(json.charAt(end)) >= 0) {
                end++;
            }
            String number = json.substring(i, end);
            boolean exponent = number.indexOf('e') >= 0 || number.indexOf('E') >= 0;
            boolean negativeZero = number.matches("-0(\\.0*)?");
            if (exponent || negativeZero) {
                if (out == null) {
                    out = new StringBuilder(json.length() + 32);
                }
                out.append(json, copied, i);
                out.append("{\"$numberDouble\": \"").append(number).append("\"}");
                copied = end;
            }
            i = end - 1;
        }
        if (out == null) {
            return json;
        }
        return out.append(json, copied, json.length()).toString();
    }

    /** What the sink's PostgreSQL user needs, named in privilege errors. */
    public static final String PRIVILEGE_HINT =
            "the sink's PostgreSQL user needs CREATE on the target schema and SELECT, INSERT,"
                    + " UPDATE and DELETE on its tables";

    @Override
    public String hint(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String message = String.valueOf(e.getMessage());
        if (state.equals("42501")) {
            return " (" + PRIVILEGE_HINT + ")";
        }
        if (state.equals("3D000")) {
            return " (create the database first)";
        }
        if (message.contains("prepared transactions are disabled")
                || message.contains("max_prepared_transactions")) {
            return " (exactly-once delivery needs PostgreSQL's two-phase commit: set"
                    + " max_prepared_transactions to at least the sink parallelism times two in"
                    + " postgresql.conf and restart the server, or use"
                    + " sink.delivery-guarantee: idempotent)";
        }
        return "";
    }

    /**
     * Serialization failure (40001), deadlock (40P01), lock timeout (55P03) or a lost connection
     * (08…).
     */
    @Override
    public boolean isTransient(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException) {
                String s = ((SQLException) t).getSQLState();
                if (s != null
                        && (s.equals("40001")
                                || s.equals("40P01")
                                || s.equals("55P03")
                                || s.startsWith("08"))) {
                    return true;
                }
            }
        }
        return false;
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

    private void appendColumns(StringBuilder sql, TableSpec table) {
        for (int i = 0; i < table.columns.size(); i++) {
            ColumnSpec c = table.columns.get(i);
            if (i < table.keyColumns && c.type.kind == io.dbtransfer.mapping.ColumnType.Kind.JSON) {
                throw new IllegalArgumentException(
                        "Key column "
                                + c.name
                                + " of table "
                                + table.name
                                + " has type JSON, which cannot be a primary key;"
                                + " map it to VARCHAR(n), CHAR(n), VARBINARY(n) or a number");
            }
            if (i > 0) {
                sql.append(", ");
            }
            sql.append(quote(c.name)).append(' ').append(columnType(c));
            sql.append(i < table.keyColumns ? " NOT NULL" : " NULL");
        }
    }

    /**
     * One placeholder per column; DATETIME and JSON values are bound as text and cast here, so that
     * no driver setting ({@code stringtype}) is needed.
     */
    static String placeholders(List<ColumnSpec> columns) {
        StringJoiner j = new StringJoiner(", ");
        for (ColumnSpec c : columns) {
            j.add(placeholder(c));
        }
        return j.toString();
    }

    static String placeholder(ColumnSpec c) {
        switch (c.type.kind) {
            case DATETIME:
                return "CAST(? AS timestamp(3))";
            case JSON:
                return "CAST(? AS jsonb)";
            default:
                return "?";
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
            j.add(quote(c.name) + " = " + placeholder(c));
        }
        return j.toString();
    }

    /** {@code k IN (?, …)} for one key column, {@code (k1 = ? AND k2 = ?) OR …} for several. */
    private static String keysPredicate(List<ColumnSpec> keyColumns, int keys) {
        if (keys == 1) {
            return keyPredicate(keyColumns);
        }
        if (keyColumns.size() == 1) {
            ColumnSpec c = keyColumns.get(0);
            return quote(c.name)
                    + " IN ("
                    + String.join(", ", Collections.nCopies(keys, placeholder(c)))
                    + ")";
        }
        String tuple = "(" + keyPredicate(keyColumns) + ")";
        return String.join(" OR ", Collections.nCopies(keys, tuple));
    }
}
