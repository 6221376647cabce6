package io.dbtransfer.dialect;

import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.ColumnType.Kind;
import io.dbtransfer.mapping.TableSpec;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SQL text of {@link MySqlDialect} and the tombstone key encoding. */
class MySqlDialectTest {

    private static ColumnSpec col(String name, ColumnType type) {
        return new ColumnSpec(name, type, name);
    }

    private static final TableSpec NOTES =
            new TableSpec(
                    "item_notes",
                    List.of(
                            col("item_id", ColumnType.varchar(36)),
                            col("_idx", ColumnType.of(Kind.INT)),
                            col("_idx2", ColumnType.of(Kind.INT)),
                            col("text", ColumnType.of(Kind.TEXT))),
                    3);
    private static final TableSpec PARTS =
            new TableSpec(
                    "item_parts",
                    List.of(
                            col("item_id", ColumnType.varchar(36)),
                            col("_idx", ColumnType.of(Kind.INT)),
                            col("sku", ColumnType.varchar(20))),
                    2,
                    List.of(NOTES));
    private static final TableSpec ITEMS =
            new TableSpec(
                    "items",
                    List.of(
                            col("_id", ColumnType.varchar(36)),
                            col("price", ColumnType.decimal(10, 2)),
                            col("blob", ColumnType.binary(0))),
                    1,
                    List.of(PARTS));

    @Test
    void quotesWithBackticksAndDoublesEmbeddedBackticks() {
        assertThat(MySqlDialect.quote("items")).isEqualTo("`items`");
        assertThat(MySqlDialect.quote("a`b")).isEqualTo("`a``b`");
        assertThat(MySqlDialect.quote("``")).isEqualTo("``````");
        assertThat(MySqlDialect.quote("it's \"x\"")).isEqualTo("`it's \"x\"`");
        assertThat(MySqlDialect.quote("order by")).isEqualTo("`order by`");
        assertThat(MySqlDialect.quote("select")).isEqualTo("`select`");
        assertThat(MySqlDialect.quote("naïve")).isEqualTo("`naïve`");
    }

    @Test
    void rejectsIdentifiersMySqlCannotStore() {
        String max = "x".repeat(64);
        assertThat(MySqlDialect.quote(max)).isEqualTo("`" + max + "`");
        assertThatThrownBy(() -> MySqlDialect.quote(max + "y"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65 characters")
                .hasMessageContaining("at most 64");
        // Length counts characters, not UTF-16 units or bytes.
        assertThat(MySqlDialect.quote("é".repeat(64))).hasSize(66);
        assertThatThrownBy(() -> MySqlDialect.quote("")).hasMessageContaining("must not be empty");
        assertThatThrownBy(() -> MySqlDialect.quote("trailing "))
                .hasMessageContaining("must not end with a space");
        assertThatThrownBy(() -> MySqlDialect.quote("a\u0000b")).hasMessageContaining("U+0000");
        assertThatThrownBy(() -> MySqlDialect.quote("smile\uD83D\uDE00"))
                .hasMessageContaining("Basic Multilingual Plane");
    }

    @Test
    void parentTableDdl() {
        assertThat(MySqlDialect.createParentTable(ITEMS))
                .isEqualTo(
                        "CREATE TABLE IF NOT EXISTS `items` (`_id` VARCHAR(36) NOT NULL,"
                                + " `price` DECIMAL(10,2) NULL, `blob` LONGBLOB NULL,"
                                + " `_src_version` BIGINT UNSIGNED NOT NULL DEFAULT 0,"
                                + " `_src_key` TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,"
                                + " PRIMARY KEY (`_id`))"
                                + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
    }

    @Test
    void textKeyColumnsGetTheNoPadCollationNumbersDoNot() {
        assertThat(MySqlDialect.createParentTable(ITEMS, "utf8mb4_nopad_bin"))
                .startsWith(
                        "CREATE TABLE IF NOT EXISTS `items` (`_id` VARCHAR(36)"
                                + " COLLATE utf8mb4_nopad_bin NOT NULL, `price` DECIMAL(10,2) NULL,");
        List<String> ddl = MySqlDialect.createTables(ITEMS, "utf8mb4_0900_bin");
        // The child's copy of the document key compares like the parent's; _idx is a number.
        assertThat(ddl.get(1))
                .contains("`item_id` VARCHAR(36) COLLATE utf8mb4_0900_bin NOT NULL,")
                .contains("`_idx` INT NOT NULL,")
                .contains("`sku` VARCHAR(20) NULL");
        TableSpec numeric = new TableSpec("n", List.of(col("id", ColumnType.of(Kind.BIGINT))), 1);
        assertThat(MySqlDialect.createParentTable(numeric, "utf8mb4_nopad_bin"))
                .contains("`id` BIGINT NOT NULL")
                .doesNotContain("nopad");
    }

    @Test
    void childTablesAndTheirOrder() {
        assertThat(MySqlDialect.descendants(ITEMS)).containsExactly(PARTS, NOTES);
        List<String> ddl = MySqlDialect.createTables(ITEMS);
        assertThat(ddl).hasSize(3);
        // The primary key starts with the document key, so no second index on it.
        assertThat(ddl.get(1))
                .isEqualTo(
                        "CREATE TABLE IF NOT EXISTS `item_parts` (`item_id` VARCHAR(36) NOT NULL,"
                                + " `_idx` INT NOT NULL, `sku` VARCHAR(20) NULL,"
                                + " PRIMARY KEY (`item_id`, `_idx`))"
                                + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
        assertThat(ddl.get(2)).contains("PRIMARY KEY (`item_id`, `_idx`, `_idx2`))");
    }

    @Test
    void childWhoseKeyDoesNotStartWithTheDocumentKeyGetsAnIndex() {
        TableSpec tags =
                new TableSpec(
                        "tags",
                        List.of(col("a", ColumnType.varchar(5)), col("b", ColumnType.varchar(5))),
                        1);
        assertThat(MySqlDialect.createChildTable(tags, 2))
                .contains("PRIMARY KEY (`a`), KEY `ix_parent_key` (`a`, `b`))");
    }

    @Test
    void rejectsUnindexableKeysAndTheReservedVersionColumn() {
        TableSpec textKey = new TableSpec("t", List.of(col("k", ColumnType.of(Kind.TEXT))), 1);
        assertThatThrownBy(() -> MySqlDialect.createParentTable(textKey))
                .hasMessageContaining("Key column k of table t has type LONGTEXT");
        TableSpec reserved =
                new TableSpec(
                        "t",
                        List.of(
                                col("k", ColumnType.of(Kind.INT)),
                                col("_src_version", ColumnType.of(Kind.BIGINT))),
                        1);
        assertThatThrownBy(() -> MySqlDialect.createParentTable(reserved))
                .hasMessageContaining("reserves for the source version");
    }

    @Test
    void tombstoneTableFitsTheIndexLimit() {
        // utf8mb4 VARCHAR(768) + VARCHAR(64) would need 3328 bytes of key; ascii pk needs 1024.
        assertThat(MySqlDialect.createTombstoneTable())
                .isEqualTo(
                        "CREATE TABLE IF NOT EXISTS `_dbtransfer_tombstone` (`tbl` VARCHAR(64)"
                                + " NOT NULL, `pk` VARCHAR(768) CHARACTER SET ascii COLLATE"
                                + " ascii_bin NOT NULL, `version` BIGINT UNSIGNED NOT NULL,"
                                + " `deleted_at` TIMESTAMP(3) NOT NULL DEFAULT"
                                + " CURRENT_TIMESTAMP(3), `src_key` TEXT CHARACTER SET utf8mb4"
                                + " COLLATE utf8mb4_bin NULL, PRIMARY KEY (`tbl`, `pk`))"
                                + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
    }

    @Test
    void upsertUpdatesEveryNonKeyColumnAndTheVersion() {
        assertThat(MySqlDialect.upsertParent(ITEMS))
                .isEqualTo(
                        "INSERT INTO `items` (`_id`, `price`, `blob`, `_src_version`, `_src_key`)"
                                + " VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                                + " `price` = VALUES(`price`), `blob` = VALUES(`blob`),"
                                + " `_src_version` = VALUES(`_src_version`),"
                                + " `_src_key` = VALUES(`_src_key`)");
        TableSpec keyOnly = new TableSpec("k`o", List.of(col("id", ColumnType.of(Kind.BIGINT))), 1);
        assertThat(MySqlDialect.upsertParent(keyOnly))
                .isEqualTo(
                        "INSERT INTO `k``o` (`id`, `_src_version`, `_src_key`) VALUES (?, ?, ?)"
                                + " ON DUPLICATE KEY UPDATE `_src_version` = VALUES(`_src_version`),"
                                + " `_src_key` = VALUES(`_src_key`)");
    }

    @Test
    void deletesAndInserts() {
        assertThat(MySqlDialect.deleteParent(ITEMS))
                .isEqualTo("DELETE FROM `items` WHERE `_id` = ?");
        assertThat(MySqlDialect.deleteChildren(NOTES, 1))
                .isEqualTo(
                        "DELETE `item_notes` FROM `item_notes` FORCE INDEX (PRIMARY)"
                                + " WHERE `item_id` = ?");
        TableSpec tags =
                new TableSpec(
                        "tags",
                        List.of(col("a", ColumnType.varchar(5)), col("b", ColumnType.varchar(5))),
                        1);
        assertThat(MySqlDialect.deleteChildren(tags, 2))
                .isEqualTo(
                        "DELETE `tags` FROM `tags` FORCE INDEX (`ix_parent_key`)"
                                + " WHERE `a` = ? AND `b` = ?");
        // Set-based: several documents per statement, IN for one key column, OR of tuples else.
        assertThat(MySqlDialect.deleteChildren(NOTES, 1, 3))
                .isEqualTo(
                        "DELETE `item_notes` FROM `item_notes` FORCE INDEX (PRIMARY)"
                                + " WHERE `item_id` IN (?, ?, ?)");
        assertThat(MySqlDialect.deleteChildren(tags, 2, 2))
                .isEqualTo(
                        "DELETE `tags` FROM `tags` FORCE INDEX (`ix_parent_key`)"
                                + " WHERE (`a` = ? AND `b` = ?) OR (`a` = ? AND `b` = ?)");
        assertThatThrownBy(() -> MySqlDialect.deleteChildren(NOTES, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keys must be >= 1");
        assertThat(MySqlDialect.insertChild(PARTS))
                .isEqualTo("INSERT INTO `item_parts` (`item_id`, `_idx`, `sku`) VALUES (?, ?, ?)");
        assertThat(MySqlDialect.upsertTombstone())
                .isEqualTo(
                        "INSERT INTO `_dbtransfer_tombstone` (`tbl`, `pk`, `version`,"
                                + " `deleted_at`, `src_key`) VALUES (?, ?, ?, CURRENT_TIMESTAMP(3),"
                                + " ?) ON DUPLICATE KEY UPDATE `version` = VALUES(`version`),"
                                + " `deleted_at` = VALUES(`deleted_at`), `src_key` = VALUES(`src_key`)");
        assertThat(MySqlDialect.deleteTombstone())
                .isEqualTo("DELETE FROM `_dbtransfer_tombstone` WHERE `tbl` = ? AND `pk` = ?");
    }

    @Test
    void versionLookupsLockTheirRows() {
        assertThat(MySqlDialect.selectVersionsForUpdate(ITEMS, 3))
                .isEqualTo(
                        "SELECT `_id`, `_src_version`, `_src_key` FROM `items` FORCE INDEX (PRIMARY)"
                                + " WHERE `_id` IN (?, ?, ?) FOR UPDATE");
        assertThat(MySqlDialect.selectVersionsForUpdate(PARTS, 2))
                .isEqualTo(
                        "SELECT `item_id`, `_idx`, `_src_version`, `_src_key` FROM `item_parts`"
                                + " FORCE INDEX (PRIMARY) WHERE (`item_id` = ? AND `_idx` = ?)"
                                + " OR (`item_id` = ? AND `_idx` = ?) FOR UPDATE");
        assertThat(MySqlDialect.selectTombstonesForUpdate(2))
                .isEqualTo(
                        "SELECT `pk`, `version`, `src_key` FROM `_dbtransfer_tombstone`"
                                + " FORCE INDEX (PRIMARY)"
                                + " WHERE `tbl` = ? AND `pk` IN (?, ?) FOR UPDATE");
        assertThat(MySqlDialect.keyReadExpression(col("b", ColumnType.binary(16))))
                .isEqualTo("LOWER(HEX(`b`))");
        assertThat(MySqlDialect.keyReadExpression(col("d", ColumnType.of(Kind.DATETIME))))
                .isEqualTo("LEFT(DATE_FORMAT(`d`, '%Y-%m-%d %H:%i:%s.%f'), 23)");
    }

    @Test
    void tombstoneKeysAreUnambiguousAscii() {
        assertThat(TombstoneKey.encode(new String[] {"a,b"}, 1)).isEqualTo("[\"a,b\"]");
        assertThat(TombstoneKey.encode(new String[] {"a", "b"}, 2)).isEqualTo("[\"a\",\"b\"]");
        assertThat(TombstoneKey.encode(new String[] {"a\",\"b"}, 1)).isEqualTo("[\"a\\\",\\\"b\"]");
        assertThat(TombstoneKey.encode(new String[] {"é\\", "x"}, 1))
                .isEqualTo("[\"\\u00e9\\\\\"]");
        String longKey = TombstoneKey.encode(new String[] {"k".repeat(800)}, 1);
        assertThat(longKey).startsWith("#sha256:").hasSize(8 + 64);
        assertThat(TombstoneKey.encode(new String[] {"k".repeat(764)}, 1)).hasSize(768);
        assertThatThrownBy(() -> TombstoneKey.encode(new String[] {null}, 1))
                .hasMessageContaining("null");
    }
}
