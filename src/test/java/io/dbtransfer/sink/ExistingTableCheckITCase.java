package io.dbtransfer.sink;

import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.testing.TestMySql;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static io.dbtransfer.sink.SinkFixtures.MAPPING;
import static io.dbtransfer.sink.SinkFixtures.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Pre-existing target tables are checked before the job starts ({@link SchemaManager}): each
 * mismatch is one line naming the table, what is wrong and the fix.
 */
class ExistingTableCheckITCase {

    private static final String PARTS_OK =
            "CREATE TABLE item_parts (item_id VARCHAR(40) NOT NULL, _idx INT NOT NULL,"
                    + " sku VARCHAR(32), weight DOUBLE, PRIMARY KEY (item_id, _idx))";

    private static String database(String name, String... ddl) throws Exception {
        String url = TestMySql.newDatabase(name);
        try (Connection conn = TestMySql.connect(url);
                Statement s = conn.createStatement()) {
            for (String d : ddl) {
                s.execute(d);
            }
        }
        return url;
    }

    private static String items(String idColumn, String version, String key) {
        return "CREATE TABLE items ("
                + idColumn
                + ", name VARCHAR(100), qty INT, big BIGINT, price DECIMAL(10,2),"
                + " active BOOLEAN, payload VARBINARY(16), updated DATETIME(3), attrs JSON, "
                + version
                + key
                + ")";
    }

    private static void assertRefused(String url, String... parts) {
        assertThatThrownBy(() -> SchemaManager.createTables(url, null, null, MAPPING))
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"))
                .hasMessageContaining("fix: ")
                .hasMessageContainingAll(parts);
    }

    @Test
    void aParentWithoutPrimaryKeyIsRefused() throws Exception {
        String url =
                database(
                        "check_nopk",
                        items(
                                "_id VARCHAR(40) NOT NULL",
                                "_src_version BIGINT UNSIGNED NOT NULL",
                                ""));
        assertRefused(
                url,
                "Table `items`",
                "has no primary key",
                "ALTER TABLE `items` ADD PRIMARY KEY (`_id`)");
    }

    @Test
    void aPrimaryKeyOnOtherColumnsIsRefused() throws Exception {
        String url =
                database(
                        "check_otherpk",
                        items(
                                "_id VARCHAR(40) NOT NULL",
                                "_src_version BIGINT UNSIGNED NOT NULL",
                                ", PRIMARY KEY (_id, name)"));
        assertRefused(url, "Table `items`", "has the primary key [_id, name]", "DROP PRIMARY KEY");
    }

    @Test
    void aCaseInsensitiveKeyCollationIsRefused() throws Exception {
        String url =
                database(
                        "check_ci",
                        items(
                                "_id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE"
                                        + " utf8mb4_general_ci NOT NULL",
                                "_src_version BIGINT UNSIGNED NOT NULL",
                                ", PRIMARY KEY (_id)"));
        assertRefused(
                url,
                "Table `items`",
                "key column `_id` has collation utf8mb4_general_ci",
                "treats different _ids as equal",
                "MODIFY `_id` VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin");
    }

    @Test
    void aSignedVersionColumnIsRefused() throws Exception {
        String url =
                database(
                        "check_signed",
                        items(
                                "_id VARCHAR(40) NOT NULL",
                                "_src_version BIGINT NOT NULL",
                                ", PRIMARY KEY (_id)"));
        assertRefused(
                url,
                "Table `items`",
                "`_src_version` bigint",
                "BIGINT UNSIGNED",
                "MODIFY `_src_version` BIGINT UNSIGNED NOT NULL");
    }

    @Test
    void aChildWithoutTheArrayIndexInItsKeyIsRefused() throws Exception {
        String url =
                database(
                        "check_child",
                        items(
                                "_id VARCHAR(40) NOT NULL",
                                "_src_version BIGINT UNSIGNED NOT NULL",
                                ", PRIMARY KEY (_id)"),
                        "CREATE TABLE item_parts (item_id VARCHAR(40) NOT NULL, _idx INT NOT NULL,"
                                + " sku VARCHAR(32), weight DOUBLE, PRIMARY KEY (item_id))");
        assertRefused(
                url,
                "Table `item_parts`",
                "has the primary key [item_id]",
                "PRIMARY KEY [item_id, _idx]");
    }

    @Test
    void aChildWithoutTheParentKeyIndexIsRefused() throws Exception {
        // A child whose primary key does not start with the document key needs ix_parent_key.
        TableSpec tags =
                new TableSpec(
                        "pairs_tags",
                        List.of(
                                col("a", ColumnType.varchar(8)),
                                col("b", ColumnType.varchar(8)),
                                col("tag", ColumnType.varchar(8))),
                        1);
        TableSpec pairs =
                new TableSpec(
                        "pairs",
                        List.of(col("a", ColumnType.varchar(8)), col("b", ColumnType.varchar(8))),
                        2,
                        List.of(tags));
        Mapping mapping = new Mapping(Map.of("pairs", pairs));
        String url =
                database(
                        "check_index",
                        "CREATE TABLE pairs (a VARCHAR(8) NOT NULL, b VARCHAR(8) NOT NULL,"
                                + " _src_version BIGINT UNSIGNED NOT NULL, PRIMARY KEY (a, b))",
                        "CREATE TABLE pairs_tags (a VARCHAR(8) NOT NULL, b VARCHAR(8),"
                                + " tag VARCHAR(8), PRIMARY KEY (a))");
        assertThatThrownBy(() -> SchemaManager.createTables(url, null, null, mapping))
                .hasMessageContainingAll(
                        "Table `pairs_tags`",
                        "lacks the index ix_parent_key on [a, b]",
                        "fix: ALTER TABLE `pairs_tags` ADD KEY `ix_parent_key` (`a`, `b`)");
    }

    @Test
    void aTombstoneTableWithASignedVersionIsRefused() throws Exception {
        String url =
                database(
                        "check_tomb",
                        "CREATE TABLE _dbtransfer_tombstone (tbl VARCHAR(64) NOT NULL,"
                                + " pk VARCHAR(768) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
                                + " version BIGINT NOT NULL, deleted_at TIMESTAMP(3) NOT NULL,"
                                + " PRIMARY KEY (tbl, pk))");
        assertRefused(
                url,
                "Table `_dbtransfer_tombstone`",
                "`version` bigint",
                "MODIFY `version` BIGINT UNSIGNED NOT NULL");
    }

    @Test
    void tablesOfAnEarlierVersionGetTheOwnerColumnsAndKeepTheirPadSpaceKey() throws Exception {
        String url =
                database(
                        "check_legacy",
                        items(
                                "_id VARCHAR(40) NOT NULL",
                                "_src_version BIGINT UNSIGNED NOT NULL",
                                ", PRIMARY KEY (_id)"),
                        PARTS_OK,
                        "CREATE TABLE _dbtransfer_tombstone (tbl VARCHAR(64) NOT NULL,"
                                + " pk VARCHAR(768) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
                                + " version BIGINT UNSIGNED NOT NULL,"
                                + " deleted_at TIMESTAMP(3) NOT NULL, PRIMARY KEY (tbl, pk))");
        SchemaManager.createTables(url, null, null, MAPPING);
        SchemaManager.createTables(url, null, null, MAPPING);
        try (Connection conn = TestMySql.connect(url)) {
            assertThat(
                            SinkFixtures.query(
                                    conn,
                                    "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS"
                                            + " WHERE TABLE_SCHEMA = DATABASE()"
                                            + " AND COLUMN_NAME IN ('_src_key', 'src_key')"
                                            + " ORDER BY TABLE_NAME",
                                    2))
                    .containsExactly(
                            List.of("_dbtransfer_tombstone", "src_key"),
                            List.of("items", "_src_key"));
        }
    }

    @Test
    void newTablesGetABinaryNoPadKeyCollation() throws Exception {
        String url = TestMySql.newDatabase("check_new");
        SchemaManager.createTables(url, null, null, MAPPING);
        try (Connection conn = TestMySql.connect(url)) {
            assertThat(
                            SinkFixtures.query(
                                    conn,
                                    "SELECT TABLE_NAME, COLUMN_NAME, COLLATION_NAME"
                                            + " FROM information_schema.COLUMNS"
                                            + " WHERE TABLE_SCHEMA = DATABASE()"
                                            + " AND COLUMN_NAME IN ('_id', 'item_id')"
                                            + " ORDER BY TABLE_NAME",
                                    3))
                    .containsExactly(
                            List.of("item_part_notes", "item_id", "utf8mb4_nopad_bin"),
                            List.of("item_parts", "item_id", "utf8mb4_nopad_bin"),
                            List.of("items", "_id", "utf8mb4_nopad_bin"));
        }
    }
}
