package io.dbtransfer.verify;

import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.dialect.MismatchRows;
import io.dbtransfer.dialect.MySqlDialect;
import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.dialect.ValueCodec;
import io.dbtransfer.hashing.KeyTexts;
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
import java.util.Set;

/**
 * What the job's bookkeeping in the target (MySQL or PostgreSQL) says, read with plain JDBC for
 * {@code cutover}: the high-water mark of applied source versions, open reconciliation mismatches
 * ({@value MismatchTable#TABLE}) and dead letters ({@value DeadLetterTable#TABLE}). The statements
 * are standard SQL with the target's identifier quoting.
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
     * The highest source version the target shows evidence of having applied: the largest {@code
     * _src_version} of the mapped parent tables, tombstone version of those tables, and {@code
     * src_version} of their collections' dead letters (a skipped document leaves no row). 0 when
     * there is none. Compare with {@link io.dbtransfer.model.SourceVersion#compare}.
     */
    public static long highWaterMark(Connection c, Mapping mapping) throws SQLException {
        TargetDialect d = MySqlReadBack.dialectOf(c);
        long max = 0;
        List<String> tables = new ArrayList<>();
        for (TableSpec t : mapping.tables()) {
            tables.add(t.name);
            max =
                    maxVersion(
                            c,
                            "SELECT MAX("
                                    + d.quoteIdentifier(TableSpec.VERSION_COLUMN)
                                    + ") FROM "
                                    + d.quoteIdentifier(t.name),
                            List.of(),
                            max);
        }
        if (d.tableExists(c, MySqlDialect.TOMBSTONE_TABLE)) {
            max =
                    maxVersion(
                            c,
                            "SELECT MAX("
                                    + d.quoteIdentifier("version")
                                    + ") FROM "
                                    + d.quoteIdentifier(MySqlDialect.TOMBSTONE_TABLE)
                                    + " WHERE "
                                    + d.quoteIdentifier("tbl")
                                    + " IN ("
                                    + placeholders(tables.size())
                                    + ")",
                            tables,
                            max);
        }
        if (d.tableExists(c, DeadLetterRows.TABLE)) {
            List<String> collections = new ArrayList<>(mapping.byCollection().keySet());
            max =
                    maxVersion(
                            c,
                            "SELECT MAX("
                                    + d.quoteIdentifier("src_version")
                                    + ") FROM "
                                    + d.quoteIdentifier(DeadLetterRows.TABLE)
                                    + " WHERE "
                                    + d.quoteIdentifier("collection")
                                    + " IN ("
                                    + placeholders(collections.size())
                                    + ")",
                            collections,
                            max);
        }
        return max;
    }

    /** Rows in the mapped parent and child tables (a cheap sign that the target still moves). */
    public static long rowCount(Connection c, Mapping mapping) throws SQLException {
        TargetDialect d = MySqlReadBack.dialectOf(c);
        long n = 0;
        try (Statement st = c.createStatement()) {
            for (TableSpec parent : mapping.tables()) {
                List<TableSpec> all = new ArrayList<>();
                all.add(parent);
                all.addAll(TableSpec.descendants(parent));
                for (TableSpec t : all) {
                    try (ResultSet rs =
                            st.executeQuery("SELECT COUNT(*) FROM " + d.quoteIdentifier(t.name))) {
                        rs.next();
                        n += rs.getLong(1);
                    }
                }
            }
        }
        return n;
    }

    /**
     * Mismatches with status {@code open} of the mapped collections. Only {@code collection},
     * {@code doc_key}, {@code kind} and {@code status} are required; the detail names the differing
     * columns, the detector and the time where the table has those columns.
     */
    public static Entries openMismatches(Connection c, Mapping mapping) throws SQLException {
        TargetDialect d = MySqlReadBack.dialectOf(c);
        Set<String> columns = d.columnNames(c, MismatchRows.TABLE);
        List<String> parts = new ArrayList<>();
        parts.add(d.quoteIdentifier("kind"));
        if (columns.contains("differing_columns")) {
            String dc = d.quoteIdentifier("differing_columns");
            parts.add(
                    "CASE WHEN "
                            + dc
                            + " IS NULL OR "
                            + dc
                            + " = '' THEN '' ELSE CONCAT(' (', "
                            + dc
                            + ", ')') END");
        }
        if (columns.contains("detected_by")) {
            parts.add("', found by '");
            parts.add(d.quoteIdentifier("detected_by"));
        }
        if (columns.contains("first_seen")) {
            parts.add("' at '");
            parts.add(d.quoteIdentifier("first_seen"));
        }
        return entries(
                c,
                d,
                columns,
                mapping,
                MismatchRows.TABLE,
                d.quoteIdentifier("status") + " = 'open'",
                "CONCAT(" + String.join(", ", parts) + ")");
    }

    /** Every dead letter of the mapped collections (each is data the job did not move as is). */
    public static Entries deadLetters(Connection c, Mapping mapping) throws SQLException {
        TargetDialect d = MySqlReadBack.dialectOf(c);
        return entries(
                c,
                d,
                d.columnNames(c, DeadLetterRows.TABLE),
                mapping,
                DeadLetterRows.TABLE,
                "1 = 1",
                "CONCAT("
                        + d.quoteIdentifier("field_path")
                        + ", ': ', "
                        + d.quoteIdentifier("reason")
                        + ", ' → ', "
                        + d.quoteIdentifier("action")
                        + ")");
    }

    /**
     * Counts and lists the rows of {@code table} (whose {@code columns} are given; none: it does
     * not exist, which counts as none) that meet {@code condition}, in recording order ({@code id})
     * where the table has one.
     */
    private static Entries entries(
            Connection c,
            TargetDialect d,
            Set<String> columns,
            Mapping mapping,
            String table,
            String condition,
            String detail)
            throws SQLException {
        Entries out = new Entries();
        List<String> collections = new ArrayList<>(mapping.byCollection().keySet());
        for (String coll : collections) {
            out.counts.put(coll, 0L);
        }
        if (columns.isEmpty() || collections.isEmpty()) {
            return out;
        }
        String collection = d.quoteIdentifier("collection");
        String in = " AND " + collection + " IN (" + placeholders(collections.size()) + ")";
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + collection
                                + ", COUNT(*) FROM "
                                + d.quoteIdentifier(table)
                                + " WHERE "
                                + condition
                                + in
                                + " GROUP BY "
                                + collection)) {
            bind(ps, collections);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        String order =
                columns.contains("id")
                        ? d.quoteIdentifier("id")
                        : collection + ", " + d.quoteIdentifier("doc_key");
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + collection
                                + ", "
                                + d.quoteIdentifier("doc_key")
                                + ", "
                                + detail
                                + " FROM "
                                + d.quoteIdentifier(table)
                                + " WHERE "
                                + condition
                                + in
                                + " ORDER BY "
                                + order
                                + d.limit(MAX_LISTED))) {
            bind(ps, collections);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String coll = rs.getString(1);
                    out.listed.add(
                            new Entry(
                                    coll,
                                    keyText(mapping, coll, rs.getString(2)),
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

    private static void bind(PreparedStatement ps, List<String> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            ps.setString(i + 1, values.get(i));
        }
    }

    private static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(Math.max(1, n), "?"));
    }
}
