package io.dbtransfer.dialect;

import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.ColumnType.Kind;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.TargetType;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SQL text of {@link PostgresDialect} and how the target is picked. */
class PostgresDialectTest {

    private static final PostgresDialect PG = PostgresDialect.INSTANCE;

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
    private static final TableSpec ITEMS =
            new TableSpec(
                    "items",
                    List.of(
                            col("_id", ColumnType.varchar(36)),
                            col("price", ColumnType.decimal(10, 2)),
                            col("at", ColumnType.of(Kind.DATETIME)),
                            col("doc", ColumnType.of(Kind.JSON)),
                            col("blob", ColumnType.binary(0))),
                    1,
                    List.of(NOTES));

    @Test
    void theTargetFollowsTheUrlSchemeUnlessNamed() {
        assertThat(TargetType.fromJdbcUrl("jdbc:postgresql://h:5432/db"))
                .isEqualTo(TargetType.POSTGRESQL);
        assertThat(TargetType.fromJdbcUrl("jdbc:mysql://h:3306/db")).isEqualTo(TargetType.MYSQL);
        assertThat(TargetType.fromJdbcUrl("jdbc:mariadb://h:3306/db")).isEqualTo(TargetType.MYSQL);
        assertThatThrownBy(() -> TargetType.fromJdbcUrl("jdbc:oracle:thin:@h:1521/x"))
                .hasMessageContaining("jdbc:postgresql://");
        assertThat(TargetType.parse("Postgres")).isEqualTo(TargetType.POSTGRESQL);
        assertThatThrownBy(() -> TargetType.parse("oracle"))
                .hasMessageContaining("use mysql or postgresql");
        assertThat(TargetDialect.forUrl("jdbc:postgresql://h/db")).isSameAs(PG);
        assertThat(TargetDialect.forUrl("jdbc:mysql://h/db")).isSameAs(MySqlDialect.INSTANCE);
    }

    @Test
    void quotesWithDoubleQuotesAndChecksTheByteLimit() {
        assertThat(PostgresDialect.quote("a\"b")).isEqualTo("\"a\"\"b\"");
        assertThat(PostgresDialect.quote("select")).isEqualTo("\"select\"");
        assertThat(PostgresDialect.quote("x".repeat(63))).hasSize(65);
        // 32 two-byte characters are 64 bytes: one too many for PostgreSQL.
        assertThatThrownBy(() -> PostgresDialect.quote("é".repeat(32)))
                .hasMessageContaining("64 bytes")
                .hasMessageContaining("at most 63");
        assertThatThrownBy(() -> PostgresDialect.quote("a\u0000b")).hasMessageContaining("U+0000");
    }

    @Test
    void tablesUseTheTypeTableAndBinaryCollation() {
        List<String> ddl = PG.tableDdl(ITEMS);
        assertThat(ddl)
                .containsExactly(
                        "CREATE TABLE IF NOT EXISTS \"items\" (\"_id\" varchar(36) COLLATE \"C\""
                                + " NOT NULL, \"price\" numeric(10,2) NULL, \"at\" timestamp(3)"
                                + " NULL, \"doc\" jsonb NULL, \"blob\" bytea NULL,"
                                + " \"_src_version\" numeric(20,0) NOT NULL DEFAULT 0, \"_src_key\" text"
                                + " COLLATE \"C\" NULL, PRIMARY KEY (\"_id\"))",
                        "CREATE TABLE IF NOT EXISTS \"item_notes\" (\"item_id\" varchar(36)"
                                + " COLLATE \"C\" NOT NULL, \"_idx\" integer NOT NULL, \"_idx2\""
                                + " integer NOT NULL, \"text\" text COLLATE \"C\" NULL,"
                                + " PRIMARY KEY (\"item_id\", \"_idx\", \"_idx2\"))");
        TableSpec tags =
                new TableSpec(
                        "tags",
                        List.of(col("a", ColumnType.varchar(5)), col("b", ColumnType.varchar(5))),
                        1);
        assertThat(PG.createChildTable(tags, 2))
                .containsExactly(
                        "CREATE TABLE IF NOT EXISTS \"tags\" (\"a\" varchar(5) COLLATE \"C\""
                                + " NOT NULL, \"b\" varchar(5) COLLATE \"C\" NULL, PRIMARY KEY"
                                + " (\"a\"))",
                        "CREATE INDEX IF NOT EXISTS \"ix_tags\" ON \"tags\" (\"a\", \"b\")");
    }

    @Test
    void indexNamesStayWithinTheLimit() {
        String name = PostgresDialect.parentKeyIndex("t".repeat(63));
        assertThat(name.length()).isLessThanOrEqualTo(63);
        assertThat(name).startsWith("ix_tttt");
        assertThat(PostgresDialect.parentKeyIndex("t".repeat(63)))
                .isNotEqualTo(PostgresDialect.parentKeyIndex("t".repeat(62) + "u"));
    }

    @Test
    void theUpsertIsGuardedByTheVersionExceptForRepairs() {
        assertThat(PG.parentUpsert(ITEMS, true))
                .isEqualTo(
                        "INSERT INTO \"items\" AS t (\"_id\", \"price\", \"at\", \"doc\", \"blob\","
                                + " \"_src_version\", \"_src_key\") VALUES (?, ?,"
                                + " CAST(? AS timestamp(3)), CAST(? AS jsonb), ?, ?, ?)"
                                + " ON CONFLICT (\"_id\") DO UPDATE SET \"price\" ="
                                + " EXCLUDED.\"price\", \"at\" = EXCLUDED.\"at\", \"doc\" ="
                                + " EXCLUDED.\"doc\", \"blob\" = EXCLUDED.\"blob\","
                                + " \"_src_version\" = EXCLUDED.\"_src_version\", \"_src_key\" ="
                                + " EXCLUDED.\"_src_key\" WHERE EXCLUDED.\"_src_version\" >="
                                + " t.\"_src_version\"");
        assertThat(PG.parentUpsert(ITEMS, false))
                .isEqualTo(PG.parentUpsert(ITEMS, true).replaceFirst(" WHERE .*$", ""));
        // MySQL has one text for both: its guard is the locked version read.
        assertThat(MySqlDialect.INSTANCE.parentUpsert(ITEMS, false))
                .isEqualTo(MySqlDialect.upsertParent(ITEMS))
                .isEqualTo(MySqlDialect.INSTANCE.parentUpsert(ITEMS, true));
    }

    @Test
    void childReplaceIsSetBased() {
        assertThat(PG.childrenDelete(NOTES, 1, 3))
                .isEqualTo("DELETE FROM \"item_notes\" WHERE \"item_id\" IN (?, ?, ?)");
        assertThat(PG.childrenDelete(NOTES, 2, 2))
                .isEqualTo(
                        "DELETE FROM \"item_notes\" WHERE (\"item_id\" = ? AND \"_idx\" = ?) OR"
                                + " (\"item_id\" = ? AND \"_idx\" = ?)");
        assertThat(PG.childInsert(NOTES))
                .isEqualTo(
                        "INSERT INTO \"item_notes\" (\"item_id\", \"_idx\", \"_idx2\", \"text\")"
                                + " VALUES (?, ?, ?, ?)");
        assertThatThrownBy(() -> PG.childrenDelete(NOTES, 1, 0)).hasMessageContaining(">= 1");
    }

    @Test
    void versionsAndTombstonesAreReadWithRowLocks() {
        TableSpec t =
                new TableSpec(
                        "ev",
                        List.of(
                                col("at", ColumnType.of(Kind.DATETIME)),
                                col("b", ColumnType.binary(16)),
                                col("c", ColumnType.fixedChar(4))),
                        3);
        assertThat(PG.versionsForUpdate(t, 1))
                .isEqualTo(
                        "SELECT to_char(\"at\", 'YYYY-MM-DD HH24:MI:SS.MS'), encode(\"b\", 'hex'),"
                                + " CAST(\"c\" AS text), \"_src_version\", \"_src_key\" FROM \"ev\""
                                + " WHERE \"at\" = CAST(? AS timestamp(3)) AND \"b\" = ? AND"
                                + " \"c\" = ? FOR UPDATE");
        assertThat(PG.versionsForUpdate(ITEMS, 2))
                .isEqualTo(
                        "SELECT \"_id\", \"_src_version\", \"_src_key\" FROM \"items\" WHERE"
                                + " \"_id\" IN (?, ?) FOR UPDATE");
        assertThat(PG.tombstonesForUpdate(2))
                .isEqualTo(
                        "SELECT \"pk\", \"version\", \"src_key\" FROM \"_dbtransfer_tombstone\""
                                + " WHERE \"tbl\" = ? AND \"pk\" IN (?, ?) FOR UPDATE");
        assertThat(PG.tombstoneUpsert())
                .isEqualTo(
                        "INSERT INTO \"_dbtransfer_tombstone\" (\"tbl\", \"pk\", \"version\","
                                + " \"deleted_at\", \"src_key\") VALUES (?, ?, ?, now(), ?) ON"
                                + " CONFLICT (\"tbl\", \"pk\") DO UPDATE SET \"version\" ="
                                + " EXCLUDED.\"version\", \"deleted_at\" = EXCLUDED.\"deleted_at\","
                                + " \"src_key\" = EXCLUDED.\"src_key\"");
        assertThat(PG.tombstonePurge(100))
                .isEqualTo(
                        "DELETE FROM \"_dbtransfer_tombstone\" WHERE ctid = ANY(ARRAY(SELECT ctid"
                                + " FROM \"_dbtransfer_tombstone\" WHERE \"deleted_at\" < now() -"
                                + " CAST(? AS double precision) * INTERVAL '1 second' LIMIT"
                                + " 100))");
        assertThat(PG.tombstoneTableDdl())
                .contains("\"version\" numeric(20,0) NOT NULL")
                .contains("\"pk\" varchar(768) COLLATE \"C\" NOT NULL")
                .endsWith("PRIMARY KEY (\"tbl\", \"pk\"))");
    }

    @Test
    void markersDeadLettersAndSessionSettings() {
        assertThat(PG.commitMarkerUpsert("_m"))
                .isEqualTo(
                        "INSERT INTO \"_m\" (\"xid\", \"token\") VALUES (?, ?) ON CONFLICT"
                                + " (\"xid\") DO UPDATE SET \"token\" = EXCLUDED.\"token\","
                                + " \"created_at\" = now()");
        assertThat(PG.deadLetterInsert())
                .contains("ON CONFLICT (\"dedup\") DO NOTHING")
                .doesNotContain("chr(0)");
        assertThat(PG.mismatchInsert())
                .contains("ON CONFLICT (\"dedup\") DO NOTHING")
                .contains("NULLIF(CAST(? AS text), 'open')")
                .doesNotContain("chr(0)")
                .doesNotContain("`");
        assertThat(String.join(";", PG.mismatchTableDdl()))
                .contains("\"dedup\" bytea NOT NULL UNIQUE")
                .contains("\"src_version\" numeric(20,0) NOT NULL")
                .doesNotContain("`");
        assertThat(PG.mismatchTableAddedColumns()).isEmpty();
        assertThat(PG.lockTimeout(20)).isEqualTo("SET lock_timeout = '20s'");
        assertThat(MySqlDialect.INSTANCE.lockTimeout(20))
                .isEqualTo("SET SESSION innodb_lock_wait_timeout = 20");
    }

    @Test
    void jsonKeysAreRefusedAndReservedColumnsToo() {
        TableSpec jsonKey = new TableSpec("j", List.of(col("k", ColumnType.of(Kind.JSON))), 1);
        assertThatThrownBy(() -> PG.tableDdl(jsonKey)).hasMessageContaining("type JSON");
        TableSpec reserved =
                new TableSpec(
                        "r",
                        List.of(
                                col("k", ColumnType.of(Kind.INT)),
                                col("_src_version", ColumnType.of(Kind.INT))),
                        1);
        assertThatThrownBy(() -> PG.tableDdl(reserved)).hasMessageContaining("reserves");
    }

    @Test
    void errorsAreExplainedAndTransientOnesRetried() {
        java.sql.SQLException disabled =
                new java.sql.SQLException("ERROR: prepared transactions are disabled", "55000");
        assertThat(PG.hint(disabled)).contains("max_prepared_transactions");
        assertThat(PG.isTransient(new java.sql.SQLException("deadlock", "40P01"))).isTrue();
        assertThat(PG.isTransient(new java.sql.SQLException("lock timeout", "55P03"))).isTrue();
        assertThat(PG.isTransient(new java.sql.SQLException("syntax", "42601"))).isFalse();
    }

    @Test
    void mySqlKeepsItsCommitMarkerStatementsWordForWord() {
        MySqlDialect my = MySqlDialect.INSTANCE;
        assertThat(my.commitMarkerTableDdl("_dbtransfer_xa_commit"))
                .isEqualTo(
                        "CREATE TABLE IF NOT EXISTS `_dbtransfer_xa_commit`"
                                + " (`xid` VARCHAR(190) CHARACTER SET ascii COLLATE ascii_bin NOT"
                                + " NULL, `token` BIGINT NOT NULL, `created_at` TIMESTAMP(3) NOT"
                                + " NULL DEFAULT CURRENT_TIMESTAMP(3), PRIMARY KEY (`xid`), KEY"
                                + " `created_at` (`created_at`)) ENGINE=InnoDB");
        assertThat(my.commitMarkerUpsert("_dbtransfer_xa_commit"))
                .isEqualTo(
                        "INSERT INTO `_dbtransfer_xa_commit` (`xid`, `token`) VALUES (?, ?) ON"
                                + " DUPLICATE KEY UPDATE `token` = VALUES(`token`), `created_at` ="
                                + " CURRENT_TIMESTAMP(3)");
        assertThat(my.commitMarkerPurge("_dbtransfer_xa_commit", 10))
                .isEqualTo(
                        "DELETE FROM `_dbtransfer_xa_commit` WHERE `created_at` <"
                                + " CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT 10");
        assertThat(my.deadLetterInsert()).isEqualTo(DeadLetterRows.INSERT);
        assertThat(my.mismatchTableDdl()).containsExactly(MismatchRows.DDL);
        assertThat(my.mismatchInsert()).isEqualTo(MismatchRows.INSERT);
        assertThat(my.mismatchTableAddedColumns())
                .containsExactly(
                        java.util.Map.entry("repair_version", MismatchRows.REPAIR_VERSION_DDL),
                        java.util.Map.entry("note", MismatchRows.NOTE_DDL));
        assertThat(my.tombstoneUpsert()).isEqualTo(MySqlDialect.upsertTombstone());
    }

    @Test
    void jsonNumbersJsonbCannotKeepAreWrittenAsNumberDouble() {
        PostgresDialect d = PostgresDialect.INSTANCE;
        assertThat(d.jsonText("{\"a\": -0.0, \"b\": 1.0E300, \"c\": \"-0.0 1E5\", \"d\": -0.5}"))
                .isEqualTo(
                        "{\"a\": {\"$numberDouble\": \"-0.0\"}, \"b\": {\"$numberDouble\":"
                                + " \"1.0E300\"}, \"c\": \"-0.0 1E5\", \"d\": -0.5}");
        assertThat(d.jsonText("[\"\\\"\", 2, 1.5E-7]"))
                .isEqualTo("[\"\\\"\", 2, {\"$numberDouble\": \"1.5E-7\"}]");
        assertThat(d.jsonText("{\"x\": 5}")).isEqualTo("{\"x\": 5}");
        assertThat(d.textHoldsNul()).isFalse();
        assertThat(MySqlDialect.INSTANCE.textHoldsNul()).isTrue();
        assertThat(MySqlDialect.INSTANCE.jsonText("{\"a\": -0.0}")).isEqualTo("{\"a\": -0.0}");
    }
}
