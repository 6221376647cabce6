package io.dbtransfer.sink;

import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.ColumnType.Kind;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.testing.TestMySql;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.dbtransfer.sink.SinkFixtures.MAPPING;
import static io.dbtransfer.sink.SinkFixtures.col;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ChangeApplier} deletes old child rows set-based (one statement per child table and {@link
 * ChangeApplier#SELECT_CHUNK} documents): across chunk boundaries, for compound document keys and
 * for keys that differ only in trailing spaces, exactly the rows of the changed documents go.
 */
class ChildDeleteChunksITCase {

    private static Connection fresh(String name, Mapping mapping) throws Exception {
        String url = TestMySql.newDatabase(name);
        SchemaManager.createTables(url, null, null, mapping);
        Connection conn = TestMySql.connect(url);
        conn.setAutoCommit(false);
        return conn;
    }

    private static void apply(Connection conn, Mapping mapping, List<RowChange> changes)
            throws Exception {
        new ChangeApplier(mapping).apply(conn, changes);
        conn.commit();
    }

    @Test
    void eachDocumentOfAFlushLargerThanTwoChunksEndsWithExactlyTheChildRowsOfItsLastChange()
            throws Exception {
        int docs = 2 * ChangeApplier.SELECT_CHUNK + 201;
        try (Connection conn = fresh("child_chunks", MAPPING)) {
            List<RowChange> first = new ArrayList<>();
            for (int i = 0; i < docs + 50; i++) {
                first.add(SinkFixtures.upsert(String.format("k%05d", i), 1, 1 + i % 3, i));
            }
            apply(conn, MAPPING, first);
            // Documents k00000 … k01200 change (fewer, more or no parts; every seventh deleted);
            // the 50 documents after them are not in the flush and keep theirs.
            List<RowChange> second = new ArrayList<>();
            Map<String, RowChange> last = new LinkedHashMap<>();
            for (RowChange c : first) {
                last.put(c.key, c);
            }
            for (int i = 0; i < docs; i++) {
                String id = String.format("k%05d", i);
                RowChange c =
                        i % 7 == 0
                                ? SinkFixtures.delete(id, 2)
                                : SinkFixtures.upsert(id, 2, i % 4, 10_000 + i);
                second.add(c);
                last.put(id, c);
            }
            apply(conn, MAPPING, second);
            assertThat(SinkFixtures.actualTables(conn))
                    .isEqualTo(SinkFixtures.expectedTables(last));
        }
    }

    @Test
    void keysDifferingOnlyInTrailingSpacesKeepTheirOwnChildRows() throws Exception {
        try (Connection conn = fresh("child_pad", MAPPING)) {
            // Under the NO PAD key collation "a" and "a " are two documents.
            RowChange a = SinkFixtures.upsert("a", 1, 2, 1);
            RowChange aSpace = SinkFixtures.upsert("a ", 1, 3, 2);
            apply(conn, MAPPING, List.of(a, aSpace));
            RowChange aAgain = SinkFixtures.upsert("a", 2, 0, 3);
            apply(conn, MAPPING, List.of(aAgain));
            assertThat(
                            SinkFixtures.query(
                                    conn,
                                    "SELECT CONCAT('[', item_id, ']'), COUNT(*) FROM item_parts"
                                            + " GROUP BY item_id ORDER BY item_id",
                                    2))
                    .containsExactly(List.of("[a ]", "3"));
        }
    }

    /** A parent keyed by two columns with one child table (document key = both columns). */
    private static final TableSpec LINES =
            new TableSpec(
                    "order_lines",
                    List.of(
                            col("region", ColumnType.varchar(8)),
                            col("no", ColumnType.of(Kind.INT)),
                            col("_idx", ColumnType.of(Kind.INT)),
                            col("sku", ColumnType.varchar(16))),
                    3);

    private static final TableSpec ORDERS =
            new TableSpec(
                    "orders",
                    List.of(
                            col("region", ColumnType.varchar(8)),
                            col("no", ColumnType.of(Kind.INT)),
                            col("total", ColumnType.of(Kind.INT))),
                    2,
                    List.of(LINES));

    private static final Mapping COMPOUND = new Mapping(Map.of("orders", ORDERS));

    private static RowChange order(String region, int no, long version, int lines) {
        String[][] rows = new String[lines][];
        for (int l = 0; l < lines; l++) {
            rows[l] =
                    new String[] {
                        region, Integer.toString(no), Integer.toString(l), "sku-" + version + l
                    };
        }
        return RowChange.upsert(
                "orders",
                ORDERS.name,
                "{\"r\": \"" + region + "\", \"n\": " + no + "}",
                version,
                new String[] {region, Integer.toString(no), Integer.toString(lines)},
                new ChildRows[] {new ChildRows(LINES.name, rows)});
    }

    @Test
    void compoundDocumentKeysDeleteOnlyTheRowsOfTheirOwnDocument() throws Exception {
        try (Connection conn = fresh("child_compound", COMPOUND)) {
            List<RowChange> first = new ArrayList<>();
            // (eu, n) and (us, n) share each column value with other documents, never both.
            for (int n = 0; n < ChangeApplier.SELECT_CHUNK + 20; n++) {
                first.add(order("eu", n, 1, 2));
                first.add(order("us", n, 1, 2));
            }
            apply(conn, COMPOUND, first);
            List<RowChange> second = new ArrayList<>();
            for (int n = 0; n < ChangeApplier.SELECT_CHUNK + 20; n++) {
                second.add(order("eu", n, 2, n % 2)); // the us orders are not in this flush
            }
            apply(conn, COMPOUND, second);
            int euLines = 0;
            for (int n = 0; n < ChangeApplier.SELECT_CHUNK + 20; n++) {
                euLines += n % 2;
            }
            assertThat(
                            SinkFixtures.query(
                                    conn,
                                    "SELECT region, COUNT(*), SUM(sku LIKE 'sku-2%') FROM"
                                            + " order_lines GROUP BY region ORDER BY region",
                                    3))
                    .containsExactly(
                            List.of("eu", Integer.toString(euLines), Integer.toString(euLines)),
                            List.of(
                                    "us",
                                    Integer.toString(2 * (ChangeApplier.SELECT_CHUNK + 20)),
                                    "0"));
        }
    }
}
