package io.dbtransfer.dialect;

import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.model.MismatchRecord;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;

/**
 * The table {@value #TABLE} of reconciliation mismatches: MySQL's DDL and insert (a unique key on a
 * hash of collection, key, kind, versions and repair makes replays harmless; {@link
 * TargetDialect#mismatchInsert} is each target's), creation, upgrade and counts on either target.
 */
public final class MismatchRows {

    public static final String TABLE = "_dbtransfer_mismatch";

    static final String REPAIR_VERSION_DDL =
            "`repair_version` BIGINT UNSIGNED NULL COMMENT 'status repaired: _src_version written'";

    static final String NOTE_DDL = "`note` TEXT NULL";

    public static final String DDL =
            "CREATE TABLE IF NOT EXISTS `"
                    + TABLE
                    + "` ("
                    + "`id` BIGINT NOT NULL AUTO_INCREMENT,"
                    + "`collection` VARCHAR(255) NOT NULL,"
                    + "`tbl` VARCHAR(64) NOT NULL,"
                    + "`doc_key` VARCHAR(768) NOT NULL,"
                    + "`kind` VARCHAR(16) NOT NULL,"
                    + "`differing_columns` TEXT,"
                    + "`src_version` BIGINT UNSIGNED NOT NULL,"
                    + "`mysql_version` BIGINT NOT NULL COMMENT '-1: no parent row',"
                    + "`first_seen` DATETIME(3) NOT NULL COMMENT 'UTC',"
                    + "`status` VARCHAR(16) NOT NULL,"
                    + "`detected_by` VARCHAR(16) NOT NULL,"
                    + REPAIR_VERSION_DDL
                    + ","
                    + NOTE_DDL
                    + ","
                    + "`dedup` BINARY(32) NOT NULL,"
                    + "PRIMARY KEY (`id`),"
                    + "UNIQUE KEY `uq_dedup` (`dedup`),"
                    + "KEY `ix_doc` (`collection`, `doc_key`(255))"
                    + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

    public static final String INSERT =
            "INSERT IGNORE INTO `"
                    + TABLE
                    + "` (`collection`, `tbl`, `doc_key`, `kind`, `differing_columns`,"
                    + " `src_version`, `mysql_version`, `first_seen`, `status`, `detected_by`,"
                    + " `repair_version`, `note`, `dedup`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                    + " ?, ?, UNHEX(SHA2(CONCAT_WS(CHAR(0), ?, ?, ?, ?, ?, NULLIF(?, 'open'), ?),"
                    + " 256)))";

    private MismatchRows() {}

    /**
     * Creates the MySQL table, or adds the repair columns to a table an older version created.
     *
     * @throws SQLException when MySQL refuses
     */
    public static void create(Connection connection) throws SQLException {
        create(connection, MySqlDialect.INSTANCE);
    }

    /**
     * Creates the table on {@code dialect}'s target, or adds the columns later versions added to a
     * table an older version created.
     *
     * @throws SQLException when the target refuses
     */
    public static void create(Connection connection, TargetDialect dialect) throws SQLException {
        try (Statement st = connection.createStatement()) {
            for (String ddl : dialect.mismatchTableDdl()) {
                st.execute(ddl);
            }
            Set<String> existing = dialect.columnNames(connection, TABLE);
            for (Map.Entry<String, String> column :
                    dialect.mismatchTableAddedColumns().entrySet()) {
                if (existing.contains(column.getKey())) {
                    continue;
                }
                st.execute(
                        "ALTER TABLE "
                                + dialect.quoteIdentifier(TABLE)
                                + " ADD COLUMN "
                                + column.getValue());
            }
        }
    }

    /** Open mismatches recorded so far on MySQL; 0 when the table does not exist (yet). */
    public static long countOpen(Connection connection) throws SQLException {
        return countOpen(connection, MySqlDialect.INSTANCE);
    }

    /**
     * Open mismatches recorded so far on {@code dialect}'s target; 0 when the table does not exist
     * (yet).
     */
    public static long countOpen(Connection connection, TargetDialect dialect) throws SQLException {
        if (!dialect.tableExists(connection, TABLE)) {
            return 0;
        }
        try (Statement st = connection.createStatement()) {
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT COUNT(*) FROM "
                                    + dialect.quoteIdentifier(TABLE)
                                    + " WHERE "
                                    + dialect.quoteIdentifier("status")
                                    + " = 'open'")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Binds one mismatch to {@link #INSERT} (or another target's {@link
     * TargetDialect#mismatchInsert}).
     */
    public static void bind(PreparedStatement ps, MismatchRecord m) throws SQLException {
        ps.setString(1, m.collection);
        ps.setString(2, m.table);
        ps.setString(3, m.key);
        ps.setString(4, m.kind);
        ps.setString(5, m.differingColumns);
        ps.setString(6, Long.toUnsignedString(m.sourceVersion));
        ps.setLong(7, m.mysqlVersion);
        ps.setString(
                8,
                CanonicalValues.DATETIME.format(
                        LocalDateTime.ofInstant(
                                Instant.ofEpochMilli(m.firstSeenMillis), ZoneOffset.UTC)));
        ps.setString(9, m.status);
        ps.setString(10, m.detectedBy);
        ps.setString(11, m.repairVersion < 0 ? null : Long.toUnsignedString(m.repairVersion));
        ps.setString(12, m.note);
        ps.setString(13, m.collection);
        ps.setString(14, m.key);
        ps.setString(15, m.kind);
        ps.setString(16, Long.toUnsignedString(m.sourceVersion));
        ps.setString(17, Long.toString(m.mysqlVersion));
        // Open records hash as before; a repair differs from an open record.
        ps.setString(18, m.status);
        ps.setString(19, m.repairVersion < 0 ? null : Long.toUnsignedString(m.repairVersion));
    }
}
