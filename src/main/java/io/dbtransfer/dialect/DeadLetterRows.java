package io.dbtransfer.dialect;

import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.model.DeadLetter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The dead-letter table's SQL ({@code io.dbtransfer.outputs.DeadLetterTable} writes it from its own
 * sink); here so that the change sink can record key collisions inside its transaction.
 */
public final class DeadLetterRows {

    public static final String TABLE = "_dbtransfer_dlq";

    public static final String DDL =
            "CREATE TABLE IF NOT EXISTS `"
                    + TABLE
                    + "` ("
                    + "`id` BIGINT NOT NULL AUTO_INCREMENT,"
                    + "`collection` VARCHAR(255) NOT NULL,"
                    + "`doc_key` VARCHAR(768) NOT NULL,"
                    + "`field_path` VARCHAR(512) NOT NULL,"
                    + "`value_excerpt` TEXT,"
                    + "`expected_type` VARCHAR(255),"
                    + "`reason` TEXT NOT NULL,"
                    + "`action` VARCHAR(64) NOT NULL,"
                    + "`src_version` BIGINT UNSIGNED NOT NULL,"
                    + "`recorded_at` DATETIME(3) NOT NULL COMMENT 'UTC',"
                    + "`dedup` BINARY(32) NOT NULL,"
                    + "PRIMARY KEY (`id`),"
                    + "UNIQUE KEY `uq_dedup` (`dedup`),"
                    + "KEY `ix_doc` (`collection`, `doc_key`(255))"
                    + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

    public static final String INSERT =
            "INSERT IGNORE INTO `"
                    + TABLE
                    + "` (`collection`, `doc_key`, `field_path`, `value_excerpt`,"
                    + " `expected_type`, `reason`, `action`, `src_version`, `recorded_at`, `dedup`)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, UNHEX(SHA2(CONCAT_WS("
                    + "CHAR(0), ?, ?, ?, ?, ?), 256)))";

    /** Whether a letter is recorded; binds the values {@link #INSERT}'s dedup hash is made of. */
    static final String EXISTS =
            "SELECT 1 FROM `"
                    + TABLE
                    + "` WHERE `dedup` = UNHEX(SHA2(CONCAT_WS(CHAR(0), ?, ?, ?, ?, ?), 256))";

    private DeadLetterRows() {}

    /** Creates the table if it does not exist. */
    public static void create(Connection connection) throws SQLException {
        create(connection, MySqlDialect.INSTANCE);
    }

    /** Creates the table of {@code dialect}'s target if it does not exist. */
    public static void create(Connection connection, TargetDialect dialect) throws SQLException {
        try (java.sql.Statement st = connection.createStatement()) {
            st.execute(dialect.deadLetterTableDdl());
        }
    }

    /**
     * Appends dead letters on {@code conn}, inside the caller's transaction (the change sink uses
     * it for key collisions, so that the letter commits together with the flush that refused the
     * change; replays of the same letter are ignored).
     */
    public static void insert(Connection conn, List<DeadLetter> letters) throws SQLException {
        insert(conn, MySqlDialect.INSTANCE, letters);
    }

    /** As {@link #insert(Connection, List)}, in {@code dialect}'s SQL. */
    public static void insert(Connection conn, TargetDialect dialect, List<DeadLetter> letters)
            throws SQLException {
        // Letters already recorded are skipped by a plain (non-locking) read first: INSERT IGNORE
        // of a duplicate would keep a shared next-key lock on the unique index until the
        // transaction commits — for the exactly-once sink, after the next checkpoint — and the
        // dead-letter sink of another operator inserting into that gap would wait for it.
        List<DeadLetter> fresh = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(dialect.deadLetterExists())) {
            for (DeadLetter d : letters) {
                ps.setString(1, d.collection);
                ps.setString(2, d.key);
                ps.setString(3, d.fieldPath == null ? "" : d.fieldPath);
                ps.setString(4, Long.toUnsignedString(d.version));
                ps.setString(5, text(d.reason));
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        fresh.add(d);
                    }
                }
            }
        }
        if (fresh.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = conn.prepareStatement(dialect.deadLetterInsert())) {
            for (DeadLetter d : fresh) {
                bind(ps, d);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Binds one letter to {@link #INSERT}. */
    public static void bind(PreparedStatement ps, DeadLetter d) throws SQLException {
        ps.setString(1, d.collection);
        ps.setString(2, d.key);
        ps.setString(3, d.fieldPath == null ? "" : d.fieldPath);
        ps.setString(4, text(d.valueExcerpt));
        ps.setString(5, d.expectedType);
        ps.setString(6, text(d.reason));
        ps.setString(7, d.action);
        ps.setString(8, Long.toUnsignedString(d.version));
        ps.setString(
                9,
                CanonicalValues.DATETIME.format(
                        LocalDateTime.ofInstant(
                                Instant.ofEpochMilli(d.timeMillis), ZoneOffset.UTC)));
        ps.setString(10, d.collection);
        ps.setString(11, d.key);
        ps.setString(12, d.fieldPath == null ? "" : d.fieldPath);
        ps.setString(13, Long.toUnsignedString(d.version));
        if (d.reason == null) {
            ps.setNull(14, Types.VARCHAR);
        } else {
            ps.setString(14, text(d.reason));
        }
    }

    /**
     * A letter's text with U+0000 written as {@code \u0000}: PostgreSQL's text cannot hold the
     * character, and the letter of a value that holds it must still be recorded (on every target
     * alike, so that a letter has one form).
     */
    static String text(String s) {
        return s == null || s.indexOf('\u0000') < 0 ? s : s.replace("\u0000", "\\u0000");
    }
}
