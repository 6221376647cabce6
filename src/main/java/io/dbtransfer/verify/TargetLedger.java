package io.dbtransfer.verify;

import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.dialect.MismatchRows;
import io.dbtransfer.dialect.MySqlDialect;
import io.dbtransfer.dialect.ValueCodec;
import io.dbtransfer.hashing.KeyTexts;
import io.dbtransfer.hashing.RowHasher;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.RoutingKey;
import io.dbtransfer.outputs.DeadLetterTable;
import io.dbtransfer.outputs.MismatchTable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the job's bookkeeping in MySQL says, read with plain JDBC for {@code cutover}: the
 * high-water mark of applied source versions, open reconciliation mismatches ({@value
 * MismatchTable#TABLE}) and dead letters ({@value DeadLetterTable#TABLE}).
 */
public final class TargetLedger {

    /** At most this many open mismatches or dead letters are listed with their keys. */
    public static final int MAX_LISTED = 1000;

    private TargetLedger() {}

    /** One recorded entry about a document key. */
    public static final class Entry {
        public final String collection;
        public final String key;
        public final String detail;

        Entry(String collection, String key, String detail) {
            this.collection = collection;
            this.key = key;
            this.detail = detail;
        }
    }

    /** Counts per collection (every mapped collection present) and the first entries. */
    public static final class Entries {
        public final Map<String, Long> counts = new LinkedHashMap<>();
        public final List<Entry> listed = new ArrayList<>();

        public long total() {
            long n = 0;
            for (long c : counts.values()) {
                n += c;
            }
            return n;
        }
    }

    /**
     * The highest source version MySQL shows evidence of having applied: the largest {@code
     * _src_version} of the mapped parent tables, tombstone version of those tables, and {@code
     * src_version} of their collections' dead letters (a skipped document leaves no row). 0 when
     * there is none. Compare with {@link io.dbtransfer.model.SourceVersion#compare}.
     */
    public static long highWaterMark(Connection c, Mapping mapping) throws SQLException {
        long max = 0;
        List<String> tables = new ArrayList<>();
        for (TableSpec t : mapping.tables()) {
            tables.add(t.name);
            max =
                    maxVersion(
                            c,
                            "SELECT MAX("
                                    + MySqlDialect.quote(TableSpec.VERSION_COLUMN)
                                    + ") FROM "
                                    + MySqlDialect.quote(t.name),
                            List.of(),
                            max);
        }
        if (exists(c, MySqlDialect.TOMBSTONE_TABLE)) {
            max =
                    maxVersion(
                            c,
                            "SELECT MAX(`version`) FROM "
                                    + MySqlDialect.quote(MySqlDialect.TOMBSTONE_TABLE)
                                    + " WHERE `tbl` IN ("
                                    + placeholders(tables.size())
                                    + ")",
                            tables,
                            max);
        }
        if (exists(c, DeadLetterRows.TABLE)) {
            List<String> collections = new ArrayList<>(mapping.byCollection().keySet());
            max =
                    maxVersion(
                            c,
                            "SELECT MAX(`src_version`) FROM `"
                                    + DeadLetterRows.TABLE
                                    + "` WHERE `collection` IN ("
                                    + placeholders(collections.size())
                                    + ")",
                            collections,
                            max);
        }
        return max;
    }

    /** Rows in the mapped parent and child tables (a cheap sign that the target still moves). */
    public static long rowCount(Connection c, Mapping mapping) throws SQLException {
        long n = 0;
        try (Statement st = c.createStatement()) {
            for (TableSpec parent : mapping.tables()) {
                List<TableSpec> all = new ArrayList<>();
                all.add(parent);
                all.addAll(RowHasher.descendants(parent));
                for (TableSpec t : all) {
                    try (ResultSet rs =
                            st.executeQuery("SELECT COUNT(*) FROM " + MySqlDialect.quote(t.name))) {
                        rs.next();
                        n += rs.getLong(1);
                    }
                }
            }
        }
        return n;
    }

    /** Mismatches with status {@code open} of the mapped collections. */
    public static Entries openMismatches(Connection c, Mapping mapping) throws SQLException {
        return entries(
                c,
                mapping,
                MismatchRows.TABLE,
                "`status` = 'open'",
                "CONCAT(`kind`, IF(`differing_columns` IS NULL OR `differing_columns` = '', '',"
                        + " CONCAT(' (', `differing_columns`, ')')), ', found by ', `detected_by`,"
                        + " ' at ', `first_seen`)");
    }

    /** Every dead letter of the mapped collections (each is data the job did not move as is). */
    public static Entries deadLetters(Connection c, Mapping mapping) throws SQLException {
        return entries(
                c,
                mapping,
                DeadLetterRows.TABLE,
                "1 = 1",
                "CONCAT(`field_path`, ': ', `reason`, ' → ', `action`)");
    }

    private static Entries entries(
            Connection c, Mapping mapping, String table, String condition, String detail)
            throws SQLException {
        Entries out = new Entries();
        List<String> collections = new ArrayList<>(mapping.byCollection().keySet());
        for (String coll : collections) {
            out.counts.put(coll, 0L);
        }
        if (!exists(c, table) || collections.isEmpty()) {
            return out;
        }
        String in = " AND `collection` IN (" + placeholders(collections.size()) + ")";
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT `collection`, COUNT(*) FROM `"
                                + table
                                + "` WHERE "
                                + condition
                                + in
                                + " GROUP BY `collection`")) {
            bind(ps, collections);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT `collection`, `doc_key`, "
                                + detail
                                + " FROM `"
                                + table
                                + "` WHERE "
                                + condition
                                + in
                                + " ORDER BY `id` LIMIT "
                                + MAX_LISTED)) {
            bind(ps, collections);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String collection = rs.getString(1);
                    out.listed.add(
                            new Entry(
                                    collection,
                                    keyText(mapping, collection, rs.getString(2)),
                                    rs.getString(3)));
                }
            }
        }
        return out;
    }

    /**
     * The key column text of a recorded key: dead letters hold the canonical Extended JSON of the
     * {@code _id}, mismatches the column text already; shown like the sweep's keys.
     */
    private static String keyText(Mapping mapping, String collection, String recorded) {
        TableSpec table = mapping.tableFor(collection);
        if (table == null || recorded == null) {
            return recorded;
        }
        String text =
                KeyTexts.keyText(RoutingKey.of(collection, recorded), table.columns.get(0).type);
        return text == null ? recorded : text;
    }

    private static long maxVersion(Connection c, String sql, List<String> params, long max)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getString(1) != null) {
                    long v = ValueCodec.readVersion(rs, 1);
                    return Long.compareUnsigned(v, max) > 0 ? v : max;
                }
            }
        }
        return max;
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
                                + " AND TABLE_NAME = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void bind(PreparedStatement ps, List<String> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            ps.setString(i + 1, values.get(i));
        }
    }

    private static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(Math.max(1, n), "?"));
    }
}
