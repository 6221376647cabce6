package io.dbtransfer.sink;

import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.mapping.KeyIdentity;
import io.dbtransfer.model.DeliveryGuarantee;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.testing.TestMySql;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import static io.dbtransfer.sink.SinkFixtures.MAPPING;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ChangeApplier} on MariaDB with {@code _id}s that share a key column value: the row's owner
 * ({@code _src_key}) decides, a newcomer is dead-lettered naming both keys, never written over the
 * owner's row, and numbers of different BSON types are one document.
 */
class ChangeApplierCollisionITCase {

    private static final String INT_FIVE = "{\"$numberInt\": \"5\"}";
    private static final String LONG_FIVE = "{\"$numberLong\": \"5\"}";
    private static final String TEXT_FIVE = "\"5\"";

    /** An upsert of document key {@code key} whose key column holds {@code text}. */
    private static RowChange upsert(String key, String text, long version, long seed) {
        RowChange c = SinkFixtures.upsert(text, version, 2, seed);
        c.key = key;
        return c;
    }

    private static RowChange delete(String key, String text, long version) {
        RowChange c = SinkFixtures.delete(text, version);
        c.key = key;
        return c;
    }

    private static Connection fresh(String name) throws Exception {
        String url = TestMySql.newDatabase(name);
        SchemaManager.createTables(url, null, null, MAPPING);
        return TestMySql.connect(url);
    }

    private static ChangeApplier.Result apply(Connection conn, RowChange... changes)
            throws Exception {
        conn.setAutoCommit(false);
        ChangeApplier.Result r = new ChangeApplier(MAPPING).apply(conn, List.of(changes));
        conn.commit();
        return r;
    }

    /** {name, _src_key, _src_version} of the row whose key column is {@code text}. */
    private static List<List<String>> row(Connection conn, String text) throws Exception {
        return SinkFixtures.query(
                conn,
                "SELECT `name`, `_src_key`, `_src_version` FROM `items` WHERE `_id` = '"
                        + text
                        + "'",
                3);
    }

    private static List<List<String>> letters(Connection conn) throws Exception {
        return SinkFixtures.query(
                conn,
                "SELECT `doc_key`, `reason`, `action` FROM `"
                        + DeadLetterRows.TABLE
                        + "` ORDER BY `id`",
                3);
    }

    @Test
    void ofTwoCollidingDocumentsInOneFlushOneOwnsTheRowTheOtherIsDeadLettered() throws Exception {
        try (Connection conn = fresh("collide_flush")) {
            RowChange number = upsert(INT_FIVE, "5", 10, 1);
            RowChange text = upsert(TEXT_FIVE, "5", 11, 2);
            ChangeApplier.Result r = apply(conn, number, text);
            assertThat(r.applied).isEqualTo(1);
            assertThat(r.collisions).hasSize(1);
            assertThat(row(conn, "5")).containsExactly(List.of(number.parent[1], INT_FIVE, "10"));
            // The owner's child rows, not a mix.
            assertThat(SinkFixtures.query(conn, "SELECT COUNT(*) FROM item_parts", 1))
                    .containsExactly(List.of("2"));
            List<List<String>> letters = letters(conn);
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).get(0)).isEqualTo(TEXT_FIVE);
            assertThat(letters.get(0).get(1))
                    .contains("key collision")
                    .contains(TEXT_FIVE)
                    .contains(INT_FIVE)
                    .contains("items._id = '5'");
            assertThat(letters.get(0).get(2)).isEqualTo("document-skipped");
        }
    }

    @Test
    void aRowOwnedByAnotherIdIsNeitherOverwrittenNorDeleted() throws Exception {
        try (Connection conn = fresh("collide_owned")) {
            RowChange owner = upsert(TEXT_FIVE, "5", 10, 1);
            apply(conn, owner);
            ChangeApplier.Result r = apply(conn, upsert(INT_FIVE, "5", 20, 2));
            assertThat(r.collisions).hasSize(1);
            assertThat(r.applied).isZero();
            r = apply(conn, delete(INT_FIVE, "5", 30));
            assertThat(r.foreignDeletes).isEqualTo(1);
            assertThat(row(conn, "5")).containsExactly(List.of(owner.parent[1], TEXT_FIVE, "10"));
            assertThat(SinkFixtures.query(conn, "SELECT COUNT(*) FROM _dbtransfer_tombstone", 1))
                    .containsExactly(List.of("0"));
            // Replays of the refused change add no second letter.
            apply(conn, upsert(INT_FIVE, "5", 20, 2));
            assertThat(letters(conn)).hasSize(1);
            // The owner goes: the other document may have the row with its next change.
            apply(conn, delete(TEXT_FIVE, "5", 40));
            RowChange next = upsert(INT_FIVE, "5", 50, 3);
            assertThat(apply(conn, next).applied).isEqualTo(1);
            assertThat(row(conn, "5")).containsExactly(List.of(next.parent[1], INT_FIVE, "50"));
        }
    }

    @Test
    void aNumberOfAnotherBsonTypeIsTheSameDocument() throws Exception {
        try (Connection conn = fresh("collide_number")) {
            apply(conn, upsert(INT_FIVE, "5", 10, 1));
            // _id 5 deleted, NumberLong(5) inserted: one flush, and in the other order.
            RowChange replacement = upsert(LONG_FIVE, "5", 30, 2);
            ChangeApplier.Result r = apply(conn, replacement, delete(INT_FIVE, "5", 20));
            assertThat(r.collisions).isEmpty();
            assertThat(row(conn, "5"))
                    .containsExactly(List.of(replacement.parent[1], LONG_FIVE, "30"));
            r = apply(conn, delete(INT_FIVE, "5", 20));
            assertThat(r.stale).isEqualTo(1);
            assertThat(row(conn, "5")).hasSize(1);
            assertThat(letters(conn)).isEmpty();
        }
    }

    @Test
    void aRowWrittenBeforeOwnersExistedIsAdopted() throws Exception {
        try (Connection conn = fresh("collide_legacy")) {
            try (Statement s = conn.createStatement()) {
                s.execute(
                        "INSERT INTO items (_id, name, _src_version, _src_key)"
                                + " VALUES ('old', 'legacy', 5, NULL)");
            }
            RowChange c = upsert("\"old\"", "old", 6, 1);
            assertThat(apply(conn, c).applied).isEqualTo(1);
            assertThat(row(conn, "old")).containsExactly(List.of(c.parent[1], "\"old\"", "6"));
        }
    }

    @Test
    void aChangeOlderThanACollidingDocumentsDeleteIsReportedNotDroppedSilently() throws Exception {
        try (Connection conn = fresh("collide_tomb")) {
            apply(conn, upsert(INT_FIVE, "5", 10, 1));
            apply(conn, delete(INT_FIVE, "5", 50));
            // "5" read by the snapshot at version 30, after 5's delete at 50 was applied.
            ChangeApplier.Result r = apply(conn, upsert(TEXT_FIVE, "5", 30, 2));
            assertThat(r.collisions).hasSize(1);
            assertThat(r.stale).isZero();
            assertThat(letters(conn).get(0).get(1)).contains(TEXT_FIVE).contains(INT_FIVE);
            // Its own older change after its own delete stays a silent stale drop, as before.
            apply(conn, upsert(TEXT_FIVE, "5", 60, 3));
            apply(conn, delete(TEXT_FIVE, "5", 70));
            r = apply(conn, upsert(TEXT_FIVE, "5", 65, 4));
            assertThat(r.stale).isEqualTo(1);
            assertThat(r.collisions).isEmpty();
        }
    }

    @Test
    void keysDifferingOnlyInTrailingSpacesAreTwoRows() throws Exception {
        try (Connection conn = fresh("collide_space")) {
            ChangeApplier.Result r =
                    apply(conn, upsert("\"a\"", "a", 10, 1), upsert("\"a \"", "a ", 11, 2));
            assertThat(r.applied).isEqualTo(2);
            assertThat(r.collisions).isEmpty();
            assertThat(
                            SinkFixtures.query(
                                    conn,
                                    "SELECT CONCAT('[', `_id`, ']'), `_src_key` FROM items",
                                    2))
                    .containsExactlyInAnyOrder(List.of("[a]", "\"a\""), List.of("[a ]", "\"a \""));
            assertThat(SinkFixtures.query(conn, "SELECT COUNT(*) FROM item_parts", 1))
                    .containsExactly(List.of("4"));
        }
    }

    @Test
    void inAPadSpaceKeyColumnTrailingSpacesCollideAndAreDeadLettered() throws Exception {
        // A table of an earlier version: the key column in utf8mb4_bin, which is PAD SPACE.
        String url = TestMySql.newDatabase("collide_pad");
        try (Connection conn = TestMySql.connect(url);
                Statement s = conn.createStatement()) {
            s.execute(
                    "CREATE TABLE items (_id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                            + " NOT NULL, name VARCHAR(100), qty INT, big BIGINT,"
                            + " price DECIMAL(10,2), active BOOLEAN, payload VARBINARY(16),"
                            + " updated DATETIME(3), attrs JSON,"
                            + " _src_version BIGINT UNSIGNED NOT NULL, PRIMARY KEY (_id))");
            s.execute(
                    "CREATE TABLE item_parts (item_id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE"
                            + " utf8mb4_bin NOT NULL, _idx INT NOT NULL, sku VARCHAR(32),"
                            + " weight DOUBLE, PRIMARY KEY (item_id, _idx))");
        }
        SchemaManager.createTables(url, null, null, MAPPING);
        try (Connection conn = TestMySql.connect(url)) {
            RowChange a = upsert("\"a\"", "a", 10, 1);
            apply(conn, a);
            // In another flush, and in one flush with a delete of the newcomer.
            ChangeApplier.Result r = apply(conn, upsert("\"a \"", "a ", 11, 2));
            assertThat(r.collisions).hasSize(1);
            r = apply(conn, delete("\"a \"", "a ", 12), upsert("\"a \"", "a ", 13, 3));
            assertThat(r.foreignDeletes + r.collisions.size()).isEqualTo(1);
            assertThat(
                            SinkFixtures.query(
                                    conn,
                                    "SELECT CONCAT('[', `_id`, ']'), `name`, `_src_key` FROM items",
                                    3))
                    .containsExactly(List.of("[a]", a.parent[1], "\"a\""));
            assertThat(SinkFixtures.query(conn, "SELECT COUNT(*) FROM item_parts", 1))
                    .containsExactly(List.of("2"));
            assertThat(letters(conn))
                    .allSatisfy(l -> assertThat(l.get(1)).contains("\"a \"").contains("\"a\""))
                    .isNotEmpty();
        }
    }

    @Test
    void anExactlyOnceBranchHoldingOnlyACollisionCommitsItsDeadLetter() throws Exception {
        String url = TestMySql.newDatabase("collide_xa");
        SchemaManager.createTables(url, null, null, MAPPING);
        try (Connection conn = TestMySql.connect(url)) {
            apply(conn, upsert(INT_FIVE, "5", 10, 1));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(100);
        env.fromData(List.of(upsert(TEXT_FIVE, "5", 20, 2)))
                .keyBy(KeyIdentity::sinkKey)
                .sinkTo(
                        MySqlChangeSink.builder()
                                .options(
                                        SinkOptions.builder()
                                                .jdbcUrl(url)
                                                .deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                                                .transactionalIdPrefix("collide-xa")
                                                .batchSize(10)
                                                .flushIntervalMs(100)
                                                .build())
                                .mapping(MAPPING)
                                .build())
                .setParallelism(1);
        env.execute("a branch with only a collision");
        try (Connection conn = TestMySql.connect(url)) {
            // The branch wrote no row but a dead letter: it must commit, not roll back as empty.
            assertThat(letters(conn)).hasSize(1);
            assertThat(row(conn, "5"))
                    .containsExactly(
                            List.of(SinkFixtures.upsert("5", 10, 2, 1).parent[1], INT_FIVE, "10"));
        }
    }
}
