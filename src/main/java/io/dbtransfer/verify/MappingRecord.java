package io.dbtransfer.verify;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.MismatchPolicy;
import io.dbtransfer.model.TargetType;

import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The mapping a job applies, recorded in the target ({@value #TABLE}: one row per collection, the
 * table spec as canonical JSON), so that {@code verify} and {@code cutover} check with the job's
 * mapping instead of assuming one. The job writes it when it prepares the target; a savepoint
 * upgrade that changes a collection's mapping rewrites that row and raises its revision.
 */
public final class MappingRecord {

    /** The metadata table. */
    public static final String TABLE = "_dbtransfer_mapping";

    /** Version of the JSON format in {@code mapping_json}; readers refuse other versions. */
    public static final int FORMAT_VERSION = 1;

    static final String DDL =
            "CREATE TABLE IF NOT EXISTS `"
                    + TABLE
                    + "` (collection_name VARCHAR(255) NOT NULL PRIMARY KEY,"
                    + " source_database VARCHAR(255) NOT NULL,"
                    + " format_version INT NOT NULL,"
                    + " revision INT NOT NULL,"
                    + " mapping_json LONGTEXT NOT NULL,"
                    + " on_type_mismatch VARCHAR(32) NOT NULL,"
                    + " recorded_at DATETIME(3) NOT NULL,"
                    + " recorded_by VARCHAR(255) NOT NULL)"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

    /** The table on PostgreSQL: the same columns, binary-collated text. */
    static final String POSTGRES_DDL =
            "CREATE TABLE IF NOT EXISTS \""
                    + TABLE
                    + "\" (collection_name varchar(255) COLLATE \"C\" NOT NULL PRIMARY KEY,"
                    + " source_database varchar(255) NOT NULL,"
                    + " format_version integer NOT NULL,"
                    + " revision integer NOT NULL,"
                    + " mapping_json text NOT NULL,"
                    + " on_type_mismatch varchar(32) NOT NULL,"
                    + " recorded_at timestamp(3) NOT NULL,"
                    + " recorded_by varchar(255) NOT NULL)";

    /** Whether the old row's mapping equals the new one (PostgreSQL's upsert). */
    private static final String SAME =
            "t.mapping_json = EXCLUDED.mapping_json"
                    + " AND t.on_type_mismatch = EXCLUDED.on_type_mismatch"
                    + " AND t.source_database = EXCLUDED.source_database"
                    + " AND t.format_version = EXCLUDED.format_version";

    /** {@link #write}'s upsert on PostgreSQL: every right-hand side sees the old row. */
    static final String POSTGRES_UPSERT =
            "INSERT INTO \""
                    + TABLE
                    + "\" AS t (collection_name, source_database, format_version, revision,"
                    + " mapping_json, on_type_mismatch, recorded_at, recorded_by)"
                    + " VALUES (?, ?, ?, 1, ?, ?, ?, ?) ON CONFLICT (collection_name) DO UPDATE SET"
                    + " revision = CASE WHEN "
                    + SAME
                    + " THEN t.revision ELSE t.revision + 1 END,"
                    + " recorded_at = CASE WHEN "
                    + SAME
                    + " THEN t.recorded_at ELSE EXCLUDED.recorded_at END,"
                    + " recorded_by = CASE WHEN "
                    + SAME
                    + " THEN t.recorded_by ELSE EXCLUDED.recorded_by END,"
                    + " source_database = EXCLUDED.source_database,"
                    + " format_version = EXCLUDED.format_version,"
                    + " mapping_json = EXCLUDED.mapping_json,"
                    + " on_type_mismatch = EXCLUDED.on_type_mismatch";

    private static final JsonWriterSettings JSON =
            JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    private MappingRecord() {}

    /** One recorded collection. */
    public record Entry(
            String collection,
            String database,
            int formatVersion,
            int revision,
            TableSpec table,
            MismatchPolicy policy,
            Timestamp recordedAt,
            String recordedBy) {

        /** Where the entry came from, for messages. */
        public String describe() {
            return "revision "
                    + revision
                    + ", recorded "
                    + recordedAt.toInstant()
                    + " by "
                    + recordedBy;
        }
    }

    /**
     * Records the mapping of {@code collections} (idempotent: an unchanged mapping keeps its row
     * and revision; a changed one is rewritten with the next revision). Rows of other collections
     * are left alone: another job may write them to the same database.
     */
    public static void write(
            Connection c,
            String database,
            Mapping mapping,
            List<String> collections,
            MismatchPolicy policy,
            String recordedBy)
            throws SQLException {
        boolean postgres = MySqlReadBack.dialectOf(c).type() == TargetType.POSTGRESQL;
        if (postgres) {
            // Under the sink's DDL lock: two jobs starting at once on one PostgreSQL database
            // would otherwise fail creating the table together.
            SchemaManager.executePostgresDdl(c, List.of(POSTGRES_DDL));
        } else {
            try (Statement st = c.createStatement()) {
                st.execute(DDL);
            }
        }
        // MySQL evaluates the assignments left to right: revision compares the old values.
        String mysql =
                "INSERT INTO `"
                        + TABLE
                        + "` (collection_name, source_database, format_version, revision,"
                        + " mapping_json, on_type_mismatch, recorded_at, recorded_by)"
                        + " VALUES (?, ?, ?, 1, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                        + " revision = IF(mapping_json = VALUES(mapping_json)"
                        + " AND on_type_mismatch = VALUES(on_type_mismatch)"
                        + " AND source_database = VALUES(source_database)"
                        + " AND format_version = VALUES(format_version), revision, revision + 1),"
                        + " recorded_at = IF(mapping_json = VALUES(mapping_json)"
                        + " AND on_type_mismatch = VALUES(on_type_mismatch)"
                        + " AND source_database = VALUES(source_database)"
                        + " AND format_version = VALUES(format_version), recorded_at,"
                        + " VALUES(recorded_at)),"
                        + " recorded_by = IF(recorded_at = VALUES(recorded_at), VALUES(recorded_by),"
                        + " recorded_by),"
                        + " source_database = VALUES(source_database),"
                        + " format_version = VALUES(format_version),"
                        + " mapping_json = VALUES(mapping_json),"
                        + " on_type_mismatch = VALUES(on_type_mismatch)";
        String sql = postgres ? POSTGRES_UPSERT : mysql;
        Timestamp now = new Timestamp(System.currentTimeMillis());
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (String collection : collections) {
                TableSpec table = mapping.tableFor(collection);
                if (table == null) {
                    continue;
                }
                ps.setString(1, collection);
                ps.setString(2, database);
                ps.setInt(3, FORMAT_VERSION);
                ps.setString(4, toJson(table));
                ps.setString(5, policy.name());
                ps.setTimestamp(6, now);
                ps.setString(7, truncate(recordedBy, 255));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The recorded collections in name order; {@code null} when the target has no record table. */
    public static Map<String, Entry> read(Connection c) throws SQLException {
        if (!exists(c)) {
            return null;
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT collection_name, source_database, format_version,"
                                        + " revision, mapping_json, on_type_mismatch,"
                                        + " recorded_at, recorded_by FROM "
                                        + MySqlReadBack.dialectOf(c).quoteIdentifier(TABLE)
                                        + " ORDER BY collection_name")) {
            while (rs.next()) {
                String collection = rs.getString(1);
                int format = rs.getInt(3);
                if (format != FORMAT_VERSION) {
                    throw new IllegalStateException(
                            TABLE
                                    + ": the mapping of collection '"
                                    + collection
                                    + "' is recorded in format version "
                                    + format
                                    + "; this DBtransfer reads version "
                                    + FORMAT_VERSION
                                    + ". Use the DBtransfer version of the job, or pass the job"
                                    + " file with --config.");
                }
                out.put(
                        collection,
                        new Entry(
                                collection,
                                rs.getString(2),
                                format,
                                rs.getInt(4),
                                fromJson(rs.getString(5)),
                                MismatchPolicy.valueOf(rs.getString(6)),
                                rs.getTimestamp(7),
                                rs.getString(8)));
            }
        }
        return out;
    }

    /** The canonical JSON of a table spec (fixed key order, children recursively). */
    public static String toJson(TableSpec table) {
        return document(table).toJson(JSON);
    }

    /** Parses {@link #toJson}. */
    public static TableSpec fromJson(String json) {
        return table(BsonDocument.parse(json));
    }

    /**
     * What differs between a recorded and a given table spec, one readable line each (empty when
     * equal).
     */
    public static List<String> differences(TableSpec recorded, TableSpec given) {
        List<String> out = new ArrayList<>();
        compare(recorded, given, out);
        return out;
    }

    private static void compare(TableSpec rec, TableSpec giv, List<String> out) {
        String where = "table " + rec.name;
        if (!rec.name.equals(giv.name)) {
            out.add("table: '" + rec.name + "' recorded, '" + giv.name + "' given");
            return;
        }
        if (!Objects.equals(rec.arrayPath, giv.arrayPath)) {
            out.add(
                    where
                            + ": array path "
                            + rec.arrayPath
                            + " recorded, "
                            + giv.arrayPath
                            + " given");
        }
        if (rec.keyColumns != giv.keyColumns) {
            out.add(
                    where
                            + ": "
                            + rec.keyColumns
                            + " key column(s) recorded, "
                            + giv.keyColumns
                            + " given");
        }
        Map<String, ColumnSpec> r = columns(rec);
        Map<String, ColumnSpec> g = columns(giv);
        for (ColumnSpec c : rec.columns) {
            ColumnSpec other = g.get(c.name);
            if (other == null) {
                out.add(
                        where
                                + ": column "
                                + c.name
                                + " ("
                                + c.type
                                + " <- "
                                + c.sourcePath
                                + ") recorded, not in the given mapping");
            } else {
                if (!c.type.equals(other.type)) {
                    out.add(
                            where
                                    + ": column "
                                    + c.name
                                    + " is "
                                    + c.type
                                    + " recorded, "
                                    + other.type
                                    + " given");
                }
                if (!c.sourcePath.equals(other.sourcePath)) {
                    out.add(
                            where
                                    + ": column "
                                    + c.name
                                    + " reads path "
                                    + c.sourcePath
                                    + " recorded, "
                                    + other.sourcePath
                                    + " given");
                }
            }
        }
        for (ColumnSpec c : giv.columns) {
            if (!r.containsKey(c.name)) {
                out.add(
                        where
                                + ": column "
                                + c.name
                                + " ("
                                + c.type
                                + " <- "
                                + c.sourcePath
                                + ") given, not recorded");
            }
        }
        if (out.isEmpty() && !rec.columns.equals(giv.columns)) {
            out.add(where + ": column order " + r.keySet() + " recorded, " + g.keySet() + " given");
        }
        if (!rec.ignoredPaths.equals(giv.ignoredPaths)) {
            out.add(
                    where
                            + ": ignored paths "
                            + rec.ignoredPaths
                            + " recorded, "
                            + giv.ignoredPaths
                            + " given");
        }
        Map<String, TableSpec> rc = children(rec);
        Map<String, TableSpec> gc = children(giv);
        for (TableSpec child : rec.children) {
            TableSpec other = gc.get(child.name);
            if (other == null) {
                out.add(
                        where
                                + ": child table "
                                + child.name
                                + " recorded, not in the given mapping");
            } else {
                compare(child, other, out);
            }
        }
        for (TableSpec child : giv.children) {
            if (!rc.containsKey(child.name)) {
                out.add(where + ": child table " + child.name + " given, not recorded");
            }
        }
    }

    private static Map<String, ColumnSpec> columns(TableSpec t) {
        Map<String, ColumnSpec> m = new LinkedHashMap<>();
        for (ColumnSpec c : t.columns) {
            m.put(c.name, c);
        }
        return m;
    }

    private static Map<String, TableSpec> children(TableSpec t) {
        Map<String, TableSpec> m = new LinkedHashMap<>();
        for (TableSpec c : t.children) {
            m.put(c.name, c);
        }
        return m;
    }

    private static BsonDocument document(TableSpec t) {
        BsonDocument d = new BsonDocument();
        d.put("table", new BsonString(t.name));
        d.put("keyColumns", new BsonInt32(t.keyColumns));
        BsonArray columns = new BsonArray();
        for (ColumnSpec c : t.columns) {
            columns.add(
                    new BsonDocument("name", new BsonString(c.name))
                            .append("type", new BsonString(c.type.toString()))
                            .append("path", new BsonString(c.sourcePath)));
        }
        d.put("columns", columns);
        if (t.arrayPath != null) {
            d.put("arrayPath", new BsonString(t.arrayPath));
        }
        BsonArray ignored = new BsonArray();
        for (String p : t.ignoredPaths) {
            ignored.add(new BsonString(p));
        }
        d.put("ignore", ignored);
        BsonArray children = new BsonArray();
        for (TableSpec c : t.children) {
            children.add(document(c));
        }
        d.put("children", children);
        return d;
    }

    private static TableSpec table(BsonDocument d) {
        List<ColumnSpec> columns = new ArrayList<>();
        for (BsonValue v : d.getArray("columns")) {
            BsonDocument c = v.asDocument();
            columns.add(
                    new ColumnSpec(
                            c.getString("name").getValue(),
                            ColumnType.parse(c.getString("type").getValue()),
                            c.getString("path").getValue()));
        }
        List<String> ignored = new ArrayList<>();
        for (BsonValue v : d.getArray("ignore")) {
            ignored.add(v.asString().getValue());
        }
        List<TableSpec> children = new ArrayList<>();
        for (BsonValue v : d.getArray("children")) {
            children.add(table(v.asDocument()));
        }
        return new TableSpec(
                d.getString("table").getValue(),
                columns,
                d.getInt32("keyColumns").getValue(),
                children,
                d.containsKey("arrayPath") ? d.getString("arrayPath").getValue() : null,
                ignored);
    }

    private static boolean exists(Connection c) throws SQLException {
        return MySqlReadBack.dialectOf(c).tableExists(c, TABLE);
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
