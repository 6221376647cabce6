package io.dbtransfer;

import io.dbtransfer.model.ConfigException;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A table, columns, fields, keys and values named with backticks, quotes, spaces and SQL keywords
 * migrate end to end (snapshot, changes, dead letters): every SQL identifier is quoted. Collection
 * names the CDC source cannot read are refused before the job starts.
 */
@ExtendWith(SharedMiniCluster.class)
class QuotedIdentifiersITCase {

    /** Quotes and keywords; Flink CDC 3.5 cannot read collections with spaces or backticks. */
    static final String COLLECTION = "select'where\"order";

    static final String TABLE = "select `from` 'where' \"order\" by";

    @Test
    void awkwardNamesMigrateEndToEnd() throws Exception {
        Map<String, Object> columns = new LinkedHashMap<>();
        columns.put("select", Map.of("path", "select", "type", "INT"));
        columns.put("back`tick", Map.of("path", "back`tick", "type", "VARCHAR(40)"));
        columns.put("it's \"quoted\"", Map.of("path", "order.by group", "type", "VARCHAR(40)"));
        columns.put("drop table", "TEXT");
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("table", TABLE);
        table.put("key-type", "VARCHAR(40)");
        table.put("columns", columns);
        MigrationFixture f =
                new MigrationFixture("quoted").set("collections", Map.of(COLLECTION, table));
        MongoCollection<Document> coll = f.mongo().getCollection(COLLECTION);
        for (int i = 0; i < 20; i++) {
            coll.insertOne(doc("k`" + i + "'\"x y", i));
        }
        // Not an INT: dead-lettered, value kept in _extra.
        coll.insertOne(doc("bad`'\"", 0).append("select", "not a number"));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        JobClient job = f.start(env);
        try {
            assertThat(f.awaitConsistent(MigrationFixture.TIMEOUT).targetRows).isEqualTo(21);
            coll.updateOne(Filters.eq("_id", "k`3'\"x y"), Updates.set("back`tick", "`'\";--"));
            coll.updateOne(Filters.eq("_id", "k`4'\"x y"), Updates.set("order.by group", "g"));
            coll.deleteOne(Filters.eq("_id", "k`5'\"x y"));
            coll.insertOne(doc("new ` one", 99).append("un`mapped \"field\"", "u'v"));
            f.awaitConsistent(MigrationFixture.TIMEOUT);

            try (Connection c = f.mysql();
                    Statement s = c.createStatement()) {
                String t = "`select ``from`` 'where' \"order\" by`";
                try (ResultSet rs =
                        s.executeQuery(
                                "SELECT `select`, `back``tick`, `it's \"quoted\"`, `drop table`,"
                                        + " _extra FROM "
                                        + t
                                        + " WHERE _id = 'new ` one'")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(99);
                    assertThat(rs.getString(2)).isEqualTo("b`99");
                    assertThat(rs.getString(3)).isEqualTo("g'99\"");
                    assertThat(rs.getString(4)).isEqualTo("drop table 99; --");
                    assertThat(rs.getString(5)).contains("un`mapped").contains("u'v");
                }
                try (ResultSet rs =
                        s.executeQuery(
                                "SELECT `back``tick` FROM " + t + " WHERE _id = 'k`3''\"x y'")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("`'\";--");
                }
                try (ResultSet rs =
                        s.executeQuery(
                                "SELECT COUNT(*) FROM _dbtransfer_dlq WHERE field_path = 'select'"
                                        + " AND collection = '"
                                        + COLLECTION.replace("'", "''")
                                        + "'")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(1);
                }
            }
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void aCollectionNameTheCdcSourceCannotReadIsRefusedUpFront() throws Exception {
        String name = "order by `x`";
        MigrationFixture f =
                new MigrationFixture("badname")
                        .set("collections", Map.of(name, Map.of("table", "plain")));
        f.mongo().getCollection(name).insertOne(new Document("_id", 1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(() -> f.start(env))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mongo.collections")
                .hasMessageContaining(name)
                .hasMessageContaining("spaces and backticks");
    }

    private static Document doc(String id, int i) {
        return new Document("_id", id)
                .append("select", i)
                .append("back`tick", "b`" + i)
                .append("order", new Document("by group", "g'" + i + "\""))
                .append("drop table", "drop table " + i + "; --");
    }
}
