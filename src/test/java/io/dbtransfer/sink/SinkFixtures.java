package io.dbtransfer.sink;

import io.dbtransfer.dialect.MySqlDialect;
import io.dbtransfer.dialect.TombstoneKey;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.ColumnType.Kind;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.model.TargetType;
import io.dbtransfer.testing.TestTarget;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Test mapping, change generator, the expected state of a sequential replay, table readers. */
final class SinkFixtures {

    private SinkFixtures() {}

    static final String COLLECTION = "items";

    /** Versions above 2^63: bound as negative longs, compared unsigned. */
    static final long VERSION_BASE = 0x9000_0000_0000_0000L;

    static ColumnSpec col(String name, ColumnType type) {
        return new ColumnSpec(name, type, name);
    }

    static final TableSpec NOTES =
            new TableSpec(
                    "item_part_notes",
                    List.of(
                            col("item_id", ColumnType.varchar(40)),
                            col("_idx", ColumnType.of(Kind.INT)),
                            col("_idx2", ColumnType.of(Kind.INT)),
                            col("note", ColumnType.of(Kind.TEXT))),
                    3);

    static final TableSpec PARTS =
            new TableSpec(
                    "item_parts",
                    List.of(
                            col("item_id", ColumnType.varchar(40)),
                            col("_idx", ColumnType.of(Kind.INT)),
                            col("sku", ColumnType.varchar(32)),
                            col("weight", ColumnType.of(Kind.DOUBLE))),
                    2,
                    List.of(NOTES));

    static final TableSpec ITEMS =
            new TableSpec(
                    "items",
                    List.of(
                            col("_id", ColumnType.varchar(40)),
                            col("name", ColumnType.varchar(100)),
                            col("qty", ColumnType.of(Kind.INT)),
                            col("big", ColumnType.of(Kind.BIGINT)),
                            col("price", ColumnType.decimal(10, 2)),
                            col("active", ColumnType.of(Kind.BOOLEAN)),
                            col("payload", ColumnType.binary(16)),
                            col("updated", ColumnType.of(Kind.DATETIME)),
                            col("attrs", ColumnType.of(Kind.JSON))),
                    1,
                    List.of(PARTS));

    static final Mapping MAPPING = new Mapping(Map.of(COLLECTION, ITEMS));

    private static final String[] NAMES = {"plain", "quote's", "dq\"x", "naïve", "emoji 😀", ""};

    /** An upsert of {@code id} with {@code parts} parts, values derived from {@code seed}. */
    static RowChange upsert(String id, long version, int parts, long seed) {
        Random r = new Random(seed);
        String[] parent = {
            id,
            NAMES[r.nextInt(NAMES.length)] + "-" + seed,
            r.nextInt(5) == 0 ? null : Integer.toString(r.nextInt(2000) - 1000),
            Long.toString(r.nextLong()),
            BigDecimal.valueOf(r.nextInt(10_000_000) - 5_000_000, 2).toPlainString(),
            r.nextBoolean() ? "1" : "0",
            r.nextInt(4) == 0 ? null : HexFormat.of().formatHex(bytes(r, r.nextInt(16))),
            String.format(
                    "2024-%02d-%02d %02d:%02d:%02d.%03d",
                    1 + r.nextInt(12),
                    1 + r.nextInt(28),
                    r.nextInt(24),
                    r.nextInt(60),
                    r.nextInt(60),
                    r.nextInt(1000)),
            "[" + r.nextInt(100) + "]"
        };
        List<String[]> partRows = new ArrayList<>();
        List<String[]> noteRows = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            partRows.add(
                    new String[] {
                        id,
                        Integer.toString(p),
                        "sku-" + r.nextInt(1000),
                        Double.toString(r.nextInt(100_000) / 8.0)
                    });
            int notes = r.nextInt(3);
            for (int n = 0; n < notes; n++) {
                noteRows.add(
                        new String[] {
                            id, Integer.toString(p), Integer.toString(n), "note " + r.nextLong()
                        });
            }
        }
        return RowChange.upsert(
                COLLECTION,
                ITEMS.name,
                id,
                version,
                parent,
                new ChildRows[] {
                    new ChildRows(PARTS.name, partRows.toArray(new String[0][])),
                    new ChildRows(NOTES.name, noteRows.toArray(new String[0][]))
                });
    }

    static RowChange delete(String id, long version) {
        return RowChange.delete(COLLECTION, ITEMS.name, id, version, new String[] {id});
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /**
     * Operation {@code i} of a workload over {@code keys} keys: about 9 % deletes, upserts with 0
     * to 3 parts; versions grow with {@code i}.
     */
    static RowChange workloadOp(long i, int keys) {
        Random r = new Random(0x5eedL * 1_000_003L + i);
        String id = "key-" + r.nextInt(keys);
        long version = VERSION_BASE + i;
        if (r.nextInt(100) < 9) {
            return delete(id, version);
        }
        return upsert(id, version, r.nextInt(4), r.nextLong());
    }

    /**
     * What a sequential replay under the version guard leaves behind: per key the change with the
     * highest version (the later one on a tie).
     */
    static Map<String, RowChange> replay(List<RowChange> ops) {
        Map<String, RowChange> last = new LinkedHashMap<>();
        for (RowChange c : ops) {
            last.merge(
                    c.key,
                    c,
                    (old, neu) -> Long.compareUnsigned(neu.version, old.version) >= 0 ? neu : old);
        }
        return last;
    }

    /** The rows every table should hold after {@code last}. */
    static Map<String, List<List<String>>> expectedTables(Map<String, RowChange> last) {
        List<List<String>> items = new ArrayList<>();
        List<List<String>> parts = new ArrayList<>();
        List<List<String>> notes = new ArrayList<>();
        List<List<String>> tombstones = new ArrayList<>();
        for (RowChange c : last.values()) {
            if (c.delete) {
                tombstones.add(
                        List.of(
                                ITEMS.name,
                                TombstoneKey.encode(c.parent, 1),
                                Long.toUnsignedString(c.version)));
                continue;
            }
            List<String> row = new ArrayList<>(Arrays.asList(c.parent));
            row.add(Long.toUnsignedString(c.version));
            items.add(row);
            for (ChildRows cr : c.children) {
                List<List<String>> target = cr.table.equals(PARTS.name) ? parts : notes;
                for (String[] childRow : cr.rows) {
                    target.add(new ArrayList<>(Arrays.asList(childRow)));
                }
            }
        }
        Map<String, List<List<String>>> out = new LinkedHashMap<>();
        out.put(ITEMS.name, sorted(items));
        out.put(PARTS.name, sorted(parts));
        out.put(NOTES.name, sorted(notes));
        out.put(MySqlDialect.TOMBSTONE_TABLE, sorted(tombstones));
        return out;
    }

    /** Every table of {@link #MAPPING} plus the tombstones, read with plain JDBC. */
    static Map<String, List<List<String>>> actualTables(Connection conn) throws SQLException {
        Map<String, List<List<String>>> out = new LinkedHashMap<>();
        out.put(ITEMS.name, readTable(conn, ITEMS, true));
        out.put(PARTS.name, readTable(conn, PARTS, false));
        out.put(NOTES.name, readTable(conn, NOTES, false));
        out.put(
                MySqlDialect.TOMBSTONE_TABLE,
                query(
                        conn,
                        "SELECT tbl, pk, CAST(version AS "
                                + (TestTarget.isPostgres(conn) ? "text" : "CHAR")
                                + ") FROM _dbtransfer_tombstone",
                        3));
        return out;
    }

    /**
     * All rows of a table as canonical strings (independent of the sink's own reading code),
     * sorted; parent rows end with their version.
     */
    static List<List<String>> readTable(Connection conn, TableSpec table, boolean parent)
            throws SQLException {
        if (TestTarget.isPostgres(conn)) {
            return readPostgresTable(conn, table, parent);
        }
        List<String> select = new ArrayList<>();
        for (ColumnSpec c : table.columns) {
            String q = MySqlDialect.quote(c.name);
            switch (c.type.kind) {
                case BINARY:
                    select.add("LOWER(HEX(" + q + "))");
                    break;
                case DATETIME:
                    select.add("LEFT(DATE_FORMAT(" + q + ", '%Y-%m-%d %H:%i:%s.%f'), 23)");
                    break;
                case BOOLEAN:
                case INT:
                case BIGINT:
                case DECIMAL:
                    select.add("CAST(" + q + " AS CHAR)");
                    break;
                default:
                    select.add(q);
            }
        }
        if (parent) {
            select.add("CAST(`_src_version` AS CHAR)");
        }
        String sql =
                "SELECT " + String.join(", ", select) + " FROM " + MySqlDialect.quote(table.name);
        return readRows(conn, table, sql, select.size());
    }

    /** As {@link #readTable} on PostgreSQL, in its own SQL (not the dialect's). */
    private static List<List<String>> readPostgresTable(
            Connection conn, TableSpec table, boolean parent) throws SQLException {
        List<String> select = new ArrayList<>();
        for (ColumnSpec c : table.columns) {
            String q = "\"" + c.name.replace("\"", "\"\"") + "\"";
            switch (c.type.kind) {
                case BINARY:
                    select.add("encode(" + q + ", 'hex')");
                    break;
                case DATETIME:
                    select.add("to_char(" + q + ", 'YYYY-MM-DD HH24:MI:SS.MS')");
                    break;
                case BOOLEAN:
                    select.add("CAST(CAST(" + q + " AS integer) AS text)");
                    break;
                case INT:
                case BIGINT:
                case DECIMAL:
                    select.add("CAST(" + q + " AS text)");
                    break;
                default:
                    select.add(q);
            }
        }
        if (parent) {
            select.add("CAST(\"_src_version\" AS text)");
        }
        String sql =
                "SELECT "
                        + String.join(", ", select)
                        + " FROM \""
                        + table.name.replace("\"", "\"\"")
                        + "\"";
        return readRows(conn, table, sql, select.size());
    }

    private static List<List<String>> readRows(
            Connection conn, TableSpec table, String sql, int columns) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 0; i < columns; i++) {
                    if (i < table.columns.size() && table.columns.get(i).type.kind == Kind.DOUBLE) {
                        double d = rs.getDouble(i + 1);
                        row.add(rs.wasNull() ? null : Double.toString(d));
                    } else {
                        row.add(rs.getString(i + 1));
                    }
                }
                rows.add(row);
            }
        }
        return sorted(rows);
    }

    static List<List<String>> query(Connection conn, String sql, int columns) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        return sorted(rows);
    }

    static List<List<String>> sorted(List<List<String>> rows) {
        List<List<String>> copy = new ArrayList<>(rows);
        copy.sort(Comparator.comparing(Object::toString));
        return copy;
    }

    /** The two-phase commit of the target {@code conn} is connected to. */
    static TwoPhaseCommit twoPhase(Connection conn) throws SQLException {
        return TwoPhaseCommit.of(
                TestTarget.isPostgres(conn) ? TargetType.POSTGRESQL : TargetType.MYSQL);
    }

    /** Every prepared branch the target lists ({@code XA RECOVER}, {@code pg_prepared_xacts}). */
    static List<XaTransactionId> recover(Connection conn) throws SQLException {
        return twoPhase(conn).recover(conn);
    }

    /** Prepared branches of this prefix, as gtrid strings. */
    static List<String> preparedBranches(Connection conn, String prefix) throws SQLException {
        List<String> out = new ArrayList<>();
        for (XaTransactionId xid : recover(conn)) {
            if (xid.subtaskIndex(prefix) >= 0) {
                out.add(xid.toString());
            }
        }
        return out;
    }
}
