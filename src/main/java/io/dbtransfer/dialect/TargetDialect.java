package io.dbtransfer.dialect;

import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.TargetType;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything the change sink says differently to one kind of target database: identifier quoting,
 * DDL and type names, the version-guarded upsert, set-based child replace and delete, tombstones,
 * the commit-marker and dead-letter tables, key read-back and error explanations. {@link
 * MySqlDialect} (MySQL 8 / MariaDB) and {@link PostgresDialect} implement it; {@link #of} picks
 * one.
 *
 * <p>Statements bind the same parameters in the same order on every target, so the code that runs
 * them ({@code io.dbtransfer.sink.ChangeApplier}) is shared. Key values are bound through {@link
 * ValueCodec}; versions as unsigned 64-bit numbers ({@link ValueCodec#bindVersion}).
 */
public interface TargetDialect {

    /** The dialect of a target type. */
    static TargetDialect of(TargetType type) {
        return type == TargetType.POSTGRESQL ? PostgresDialect.INSTANCE : MySqlDialect.INSTANCE;
    }

    /** The dialect of the database a JDBC URL names ({@link TargetType#fromJdbcUrl}). */
    static TargetDialect forUrl(String jdbcUrl) {
        return of(TargetType.fromJdbcUrl(jdbcUrl));
    }

    /** Which target this dialect speaks to. */
    TargetType type();

    /** The product's name in messages ("MySQL", "PostgreSQL"). */
    String productName();

    /**
     * The identifier quoted for this target.
     *
     * @throws IllegalArgumentException for names the target cannot store
     */
    String quoteIdentifier(String identifier);

    /** The SQL type of a mapped column on this target (the README's type table). */
    String columnType(ColumnSpec column);

    /**
     * Every {@code CREATE TABLE IF NOT EXISTS} (and index) a parent table and its children need.
     */
    List<String> tableDdl(TableSpec parent);

    /** The tombstone table ({@link MySqlDialect#TOMBSTONE_TABLE}). */
    String tombstoneTableDdl();

    /**
     * Inserts a parent row or overwrites every non-key column, the version and the owner; binds the
     * table's columns in order, then {@code _src_version}, then {@code _src_key}. {@code guarded}:
     * an existing row with a newer version is left as it is (repairs pass {@code false}); where the
     * target has no such clause the caller's locked version read is the guard.
     */
    String parentUpsert(TableSpec table, boolean guarded);

    /** Deletes one parent row; binds the key columns. */
    String parentDelete(TableSpec table);

    /**
     * Deletes every row of up to {@code keys} documents in a child table; binds the document key of
     * each document in turn.
     */
    String childrenDelete(TableSpec child, int documentKeyColumns, int keys);

    /** Inserts one child row; binds all its columns. */
    String childInsert(TableSpec child);

    /**
     * Reads and locks the key columns (canonical text form), the version and the owner of up to
     * {@code keys} parent rows; binds the key columns of each key in turn.
     */
    String versionsForUpdate(TableSpec table, int keys);

    /**
     * Reads and locks tombstones (pk, version, owner) of up to {@code keys} keys; binds tbl, pks.
     */
    String tombstonesForUpdate(int keys);

    /** Writes or overwrites a tombstone; binds tbl, pk, version, owner. */
    String tombstoneUpsert();

    /** Removes a tombstone; binds tbl, pk. */
    String tombstoneDelete();

    /** Deletes up to {@code limit} tombstones older than a bound number of seconds. */
    String tombstonePurge(int limit);

    /** How a key column is selected so that {@link ValueCodec#readKey} gives its canonical text. */
    String keyRead(ColumnSpec column);

    /**
     * The placeholder a key text is compared through in the read-back ({@link MySqlReadBack}):
     * {@code ?}, or a cast where the target does not convert the bound text itself.
     */
    String keyParameter(ColumnSpec column);

    /**
     * Binds a key text (canonical form of {@code column}'s type) for an exact comparison with the
     * column in the read-back: integers as integers, and on targets with strict types every kind as
     * its type.
     */
    void bindKeyText(PreparedStatement ps, int index, ColumnSpec column, String keyText)
            throws SQLException;

    /** The clause that bounds a {@code SELECT} to its first {@code rows} rows. */
    String limit(int rows);

    /** The fetch size that streams a large result row by row instead of buffering it. */
    int streamingFetchSize();

    /** The commit-marker table of the exactly-once sink (xid, token, created_at). */
    String commitMarkerTableDdl(String table);

    /** Writes or overwrites one marker; binds xid, token. */
    String commitMarkerUpsert(String table);

    /** Deletes up to {@code limit} markers older than a bound number of seconds. */
    String commitMarkerPurge(String table, int limit);

    /** The dead-letter table ({@link DeadLetterRows#TABLE}). */
    String deadLetterTableDdl();

    /** Appends one dead letter unless recorded; binds as {@link DeadLetterRows#bind} does. */
    String deadLetterInsert();

    /** Whether a dead letter is recorded; binds collection, key, field path, version, reason. */
    String deadLetterExists();

    /**
     * The reconciliation mismatch table ({@link MismatchRows#TABLE}) and its index: every statement
     * that creates them if they do not exist.
     */
    List<String> mismatchTableDdl();

    /**
     * Columns later versions added to the mismatch table, in order: name → its {@code ADD COLUMN}
     * definition; empty where this target's table was created with them from the start.
     */
    java.util.Map<String, String> mismatchTableAddedColumns();

    /**
     * Appends one mismatch unless the same one (collection, key, kind, versions, repair) is
     * recorded; binds as {@link MismatchRows#bind} does.
     */
    String mismatchInsert();

    /** The statement that bounds this session's lock waits to {@code seconds}. */
    String lockTimeout(int seconds);

    /**
     * Whether a text key column of {@code table} ignores trailing spaces in comparisons ({@code
     * CHAR}, or a PAD SPACE collation), so that {@code 'a'} and {@code 'a '} are one row.
     */
    boolean keyIgnoresTrailingSpaces(Connection conn, TableSpec table) throws SQLException;

    /**
     * The SQL expression naming the schema unqualified table names resolve to: the connection's
     * database on MySQL ({@code DATABASE()}), the first existing schema of the search path on
     * PostgreSQL ({@code current_schema()}).
     */
    String currentSchema();

    /**
     * Whether {@code table} exists in the {@link #currentSchema()}, whatever the user may do on it.
     */
    default boolean tableExists(Connection conn, String table) throws SQLException {
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT 1 FROM information_schema.tables WHERE table_schema = "
                                + currentSchema()
                                + " AND table_name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The column names of {@code table} in the {@link #currentSchema()}; empty when it is gone. */
    default Set<String> columnNames(Connection conn, String table) throws SQLException {
        Set<String> out = new LinkedHashSet<>();
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                + currentSchema()
                                + " AND table_name = ? ORDER BY ordinal_position")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /**
     * Whether text and JSON columns of this target can hold U+0000 (MySQL's can; PostgreSQL's
     * {@code text} and {@code jsonb} refuse it). Where they cannot, the sink dead-letters a
     * document holding it instead of failing the statement.
     */
    default boolean textHoldsNul() {
        return true;
    }

    /**
     * The text a JSON column value (canonical relaxed Extended JSON) is written as, so that reading
     * it back gives the same values: the value itself where the target keeps JSON numbers as
     * written.
     */
    default String jsonText(String canonicalJson) {
        return canonicalJson;
    }

    /** An actionable addition to an error message of this target, or an empty string. */
    String hint(SQLException e);

    /** Deadlock, lock timeout, serialization failure or a lost connection: worth a retry. */
    boolean isTransient(SQLException e);
}
