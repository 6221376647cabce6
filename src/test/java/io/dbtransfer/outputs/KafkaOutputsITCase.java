package io.dbtransfer.outputs;

import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.IndependentOracle;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TaskManagerKills;
import io.dbtransfer.testing.TestDurations;
import io.dbtransfer.testing.TestKafka;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.restartstrategy.RestartStrategies;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;

import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The job's Kafka topics against a real in-process KRaft broker: the changelog holds every source
 * change exactly once across a TaskManager failure (read with {@code read_committed}), dead letters
 * and mismatches reach their topics, and bad Kafka settings stop the job before it starts.
 */
@ExtendWith(SharedMiniCluster.class)
class KafkaOutputsITCase {

    private static final String ITEMS =
            "items:\n  key-type: BIGINT\n  columns:\n    qty: INT\n    name: VARCHAR(50)\n";

    private static final String NOTES =
            "notes:\n  key-type: VARCHAR(20)\n  columns:\n    qty: INT\n    name: VARCHAR(50)\n";

    private static StreamExecutionEnvironment env() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 500));
        return env;
    }

    /** One change as the source saw it: its op and version. */
    private static String event(String op, long version) {
        return op + "@" + Long.toUnsignedString(version);
    }

    @Test
    void changelogHoldsEverySourceChangeExactlyOnceAcrossATaskManagerFailure(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        String topic = TestKafka.newTopic("changelog", 3);
        MigrationFixture f =
                new MigrationFixture("kafka_eo")
                        .collections(ITEMS)
                        .set("reconcile.enabled", "false")
                        .set("source.batch-size", "100")
                        .set("kafka.bootstrap-servers", TestKafka.bootstrapServers())
                        .set("kafka.changelog-topic", topic)
                        .set("kafka.transactional-id-prefix", "it-" + f0(topic));
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            docs.add(new Document("_id", (long) i).append("qty", i).append("name", "n" + i));
        }
        coll.insertMany(docs);

        // The source's own account of every later change, read with the driver on its own.
        Map<String, List<String>> sourceChanges = new TreeMap<>();
        List<String> order = new ArrayList<>();
        int written = 0;
        JobClient job = f.start(env());
        try (MongoChangeStreamCursor<ChangeStreamDocument<Document>> watch =
                coll.watch().cursor()) {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            Random r = new Random(7);
            long nextId = 1000;
            for (int i = 0; i < 600; i++) {
                if (i == 300) {
                    TaskManagerKills.killAndRestart(cluster, job.getJobID());
                }
                // Keys 0-499 are only updated or replaced, keys 500-999 only deleted, new keys
                // only inserted: an update's post-image lookup (also when the job replays it after
                // the failure) then always finds its document, so every source change must
                // become exactly one changelog event.
                switch (r.nextInt(5)) {
                    case 0:
                        coll.deleteOne(Filters.eq("_id", 500L + r.nextInt(500)));
                        break;
                    case 1:
                        coll.insertOne(new Document("_id", nextId++).append("qty", -i));
                        break;
                    case 2:
                        long replaced = r.nextInt(500);
                        coll.replaceOne(
                                Filters.eq("_id", replaced),
                                new Document("_id", replaced)
                                        .append("qty", i)
                                        .append("tag", "r" + i));
                        break;
                    default:
                        coll.updateOne(
                                Filters.eq("_id", (long) r.nextInt(500)),
                                Updates.combine(
                                        Updates.inc("qty", 1), Updates.set("name", "u" + i)));
                }
                written++;
            }
            // Every write that changed something, in the source's order (clusterTime = version).
            int seen = 0;
            long deadline = System.nanoTime() + TestDurations.MEDIUM.toNanos();
            while (System.nanoTime() < deadline) {
                ChangeStreamDocument<Document> c = watch.tryNext();
                if (c == null) {
                    if (seen > 0 && f.compare().consistent()) {
                        break;
                    }
                    continue;
                }
                String key = CanonicalValues.canonicalJson(c.getDocumentKey().get("_id"));
                String op = c.getOperationType().getValue().equals("delete") ? "delete" : "upsert";
                sourceChanges
                        .computeIfAbsent(key, k -> new ArrayList<>())
                        .add(event(op, c.getClusterTime().getValue()));
                order.add(key);
                seen++;
            }
            assertThat(seen).as("source changes seen by the watcher").isPositive();
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            IndependentOracle.of("items", "items")
                    .column("qty", d -> d.get("qty"))
                    .column("name", d -> d.get("name"))
                    .extra(
                            d -> {
                                Document rest = new Document(d);
                                rest.keySet().removeAll(List.of("_id", "qty", "name"));
                                return rest;
                            })
                    .awaitEqual(f.mongo(), f.mysqlUrl, MigrationFixture.TIMEOUT);
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);

            int expectedEvents = docs.size() + order.size();
            List<ConsumerRecord<byte[], byte[]>>[] read = new List[1];
            try {
                Eventually.waitUntil(
                        MigrationFixture.TIMEOUT,
                        expectedEvents + " committed changelog events",
                        () -> (read[0] = TestKafka.readAll(topic)).size() >= expectedEvents);
            } catch (AssertionError e) {
                if (read[0] == null) {
                    throw e;
                }
                // Go on: the per-key comparison below names what is missing or extra.
            }

            // Group the committed changelog per key, checking each message key on the way.
            Map<String, List<String>> changelog = new TreeMap<>();
            Map<String, BsonDocument> last = new LinkedHashMap<>();
            Map<String, Integer> partitionOf = new LinkedHashMap<>();
            for (ConsumerRecord<byte[], byte[]> rec : read[0]) {
                BsonDocument v =
                        BsonDocument.parse(new String(rec.value(), StandardCharsets.UTF_8));
                BsonDocument k = BsonDocument.parse(new String(rec.key(), StandardCharsets.UTF_8));
                String key = v.getString("key").getValue();
                assertThat(k.getString("collection").getValue()).isEqualTo("items");
                assertThat(k.getString("key").getValue()).isEqualTo(key);
                assertThat(v.getString("table").getValue()).isEqualTo("items");
                Integer before = partitionOf.putIfAbsent(key, rec.partition());
                assertThat(before == null || before == rec.partition())
                        .as("one partition per key")
                        .isTrue();
                changelog
                        .computeIfAbsent(key, x -> new ArrayList<>())
                        .add(event(v.getString("op").getValue(), v.getInt64("version").getValue()));
                last.put(key, v);
            }

            // Snapshot: one event per document that existed when the job started, all with one
            // version no newer than any later change.
            long snapshotVersion =
                    Long.parseLong(
                            changelog
                                    .get(
                                            CanonicalValues.canonicalJson(
                                                    docs.get(0).toBsonDocument().get("_id")))
                                    .get(0)
                                    .substring("upsert@".length()));
            Map<String, List<String>> expected = new TreeMap<>();
            for (Document d : docs) {
                String key = CanonicalValues.canonicalJson(d.toBsonDocument().get("_id"));
                expected.computeIfAbsent(key, x -> new ArrayList<>())
                        .add(event("upsert", snapshotVersion));
            }
            for (Map.Entry<String, List<String>> e : sourceChanges.entrySet()) {
                expected.computeIfAbsent(e.getKey(), x -> new ArrayList<>()).addAll(e.getValue());
            }
            long firstChange =
                    sourceChanges.values().stream()
                            .flatMap(List::stream)
                            .mapToLong(s -> Long.parseUnsignedLong(s.substring(s.indexOf('@') + 1)))
                            .min()
                            .getAsLong();
            assertThat(Long.compareUnsigned(snapshotVersion, firstChange)).isLessThanOrEqualTo(0);
            // Exactly once: per key the source's sequence of versions, nothing twice, nothing
            // missing, nothing else.
            assertThat(changelog).isEqualTo(expected);
            assertThat(read[0]).hasSize(expectedEvents);

            // The last event of every key is what MySQL holds (and what MongoDB holds).
            TableSpec table = f.config().mapping().tableFor("items");
            Set<String> inMongo = new HashSet<>();
            for (Document d : coll.find()) {
                inMongo.add(CanonicalValues.canonicalJson(d.toBsonDocument().get("_id")));
            }
            try (Connection c = f.mysql()) {
                for (Map.Entry<String, BsonDocument> e : last.entrySet()) {
                    BsonDocument v = e.getValue();
                    String[] row =
                            mysqlRow(c, table, v.getDocument("row").getString("_id").getValue());
                    if (v.getString("op").getValue().equals("delete")) {
                        assertThat(row).as("deleted " + e.getKey()).isNull();
                        assertThat(inMongo).doesNotContain(e.getKey());
                        continue;
                    }
                    assertThat(inMongo).contains(e.getKey());
                    assertThat(row).as("row of " + e.getKey()).isNotNull();
                    BsonDocument cols = v.getDocument("row");
                    for (int i = 0; i < table.columns.size(); i++) {
                        BsonValue cell = cols.get(table.columns.get(i).name);
                        String text = cell.isNull() ? null : cell.asString().getValue();
                        assertThat(row[i])
                                .as(e.getKey() + "." + table.columns.get(i).name)
                                .isEqualTo(
                                        CanonicalValues.comparable(
                                                text, table.columns.get(i).type));
                    }
                    assertThat(row[table.columns.size()])
                            .as(e.getKey() + " version")
                            .isEqualTo(Long.toUnsignedString(v.getInt64("version").getValue()));
                }
            }
            assertThat(
                            last.values().stream()
                                    .filter(v -> v.getString("op").getValue().equals("upsert")))
                    .hasSize(inMongo.size());
        } finally {
            job.cancel().get();
        }
        assertThat(written).isEqualTo(600);
    }

    private static String f0(String topic) {
        return topic.substring(0, Math.min(topic.length(), 20));
    }

    /** The row MySQL holds for a key (columns canonical, then _src_version), or null. */
    private static String[] mysqlRow(Connection c, TableSpec table, String key) throws Exception {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT * FROM `" + table.name + "` WHERE `_id` = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String[] row = new String[table.columns.size() + 1];
                for (int i = 0; i < table.columns.size(); i++) {
                    row[i] =
                            CanonicalValues.fromJdbc(
                                    rs,
                                    rs.findColumn(table.columns.get(i).name),
                                    table.columns.get(i).type);
                }
                row[table.columns.size()] = rs.getString(TableSpec.VERSION_COLUMN);
                return row;
            }
        }
    }

    @Test
    void deadLettersAndMismatchesReachTheirTopics() throws Exception {
        String dlqTopic = TestKafka.newTopic("dlq", 1);
        String mismatchTopic = TestKafka.newTopic("mismatch", 1);
        MigrationFixture f =
                new MigrationFixture("kafka_dlq")
                        .collections(NOTES)
                        .set("reconcile.sweep-interval", "1 s")
                        .set("reconcile.sweep-buckets", "8")
                        .set("reconcile.check-delay", "200 ms")
                        .set("kafka.bootstrap-servers", TestKafka.bootstrapServers())
                        .set("kafka.dead-letter-topic", dlqTopic)
                        .set("kafka.mismatch-topic", mismatchTopic)
                        .set("kafka.transactional-id-prefix", "it-dlq-" + f0(dlqTopic));
        MongoCollection<Document> coll = f.mongo().getCollection("notes");
        for (int i = 0; i < 20; i++) {
            coll.insertOne(new Document("_id", "n" + i).append("qty", i).append("name", "n" + i));
        }
        // A value that does not fit its INT column: a dead letter.
        coll.insertOne(
                new Document("_id", "bad").append("qty", "not a number").append("name", "x"));
        JobClient job = f.start(env());
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            List<BsonDocument> letters = new ArrayList<>();
            Eventually.waitUntil(
                    MigrationFixture.TIMEOUT,
                    "a dead letter in " + dlqTopic,
                    () -> {
                        letters.clear();
                        letters.addAll(values(TestKafka.readAll(dlqTopic)));
                        return !letters.isEmpty();
                    });
            assertThat(letters).hasSize(1);
            BsonDocument letter = letters.get(0);
            // The same letter as the dead-letter table holds, read with JDBC.
            try (Connection c = f.mysql();
                    Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT collection, doc_key, field_path, reason, action,"
                                            + " src_version FROM "
                                            + DeadLetterRows.TABLE)) {
                assertThat(rs.next()).isTrue();
                assertThat(letter.getString("collection").getValue()).isEqualTo(rs.getString(1));
                assertThat(letter.getString("key").getValue()).isEqualTo(rs.getString(2));
                assertThat(letter.getString("field").getValue()).isEqualTo(rs.getString(3));
                assertThat(letter.getString("reason").getValue()).isEqualTo(rs.getString(4));
                assertThat(letter.getString("action").getValue()).isEqualTo(rs.getString(5));
                assertThat(Long.toUnsignedString(letter.getInt64("version").getValue()))
                        .isEqualTo(rs.getString(6));
                assertThat(rs.next()).isFalse();
            }
            assertThat(letter.getString("field").getValue()).isEqualTo("qty");
            assertThat(letter.getString("value").getValue()).contains("not a number");
            assertThat(letter.getString("key").getValue())
                    .isEqualTo(CanonicalValues.canonicalJson(new org.bson.BsonString("bad")));

            // A row changed behind the job's back: the reconcile operator's sweep reports it.
            try (Connection c = f.mysql();
                    Statement st = c.createStatement()) {
                assertThat(st.executeUpdate("UPDATE notes SET qty = 999 WHERE _id = 'n7'"))
                        .isEqualTo(1);
            }
            List<BsonDocument> mismatches = new ArrayList<>();
            Eventually.waitUntil(
                    MigrationFixture.TIMEOUT,
                    "a mismatch in " + mismatchTopic,
                    () -> {
                        mismatches.clear();
                        mismatches.addAll(values(TestKafka.readAll(mismatchTopic)));
                        return !mismatches.isEmpty();
                    });
            assertThat(mismatches).hasSize(1);
            BsonDocument m = mismatches.get(0);
            assertThat(m.getString("collection").getValue()).isEqualTo("notes");
            assertThat(m.getString("table").getValue()).isEqualTo("notes");
            assertThat(m.getString("key").getValue()).isEqualTo("n7");
            assertThat(m.getString("kind").getValue()).isEqualTo("different");
        } finally {
            job.cancel().get();
        }
    }

    private static List<BsonDocument> values(List<ConsumerRecord<byte[], byte[]>> records) {
        List<BsonDocument> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            out.add(BsonDocument.parse(new String(r.value(), StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Test
    void badKafkaSettingsStopTheJobBeforeItStartsWithAClearError() throws Exception {
        String topic = TestKafka.newTopic("bad", 1);
        MigrationFixture unreachable =
                new MigrationFixture("kafka_bad")
                        .collections(ITEMS)
                        .set("kafka.bootstrap-servers", "127.0.0.1:1")
                        .set("kafka.properties.default.api.timeout.ms", "3000")
                        .set("kafka.changelog-topic", topic);
        unreachable.mongo().getCollection("items").insertOne(new Document("_id", 1L));
        assertThatThrownBy(() -> unreachable.start(env()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.bootstrap-servers=127.0.0.1:1")
                .hasMessageContaining("could not reach the Kafka brokers");

        MigrationFixture missingTopic =
                new MigrationFixture("kafka_bad")
                        .collections(ITEMS)
                        .set("kafka.bootstrap-servers", TestKafka.bootstrapServers())
                        .set("kafka.changelog-topic", "no-such-topic-" + f0(topic));
        missingTopic.mongo().getCollection("items").insertOne(new Document("_id", 1L));
        assertThatThrownBy(() -> missingTopic.start(env()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no-such-topic-")
                .hasMessageContaining("does not exist");

        MigrationFixture tooLong =
                new MigrationFixture("kafka_bad")
                        .collections(ITEMS)
                        .set("kafka.bootstrap-servers", TestKafka.bootstrapServers())
                        .set("kafka.changelog-topic", topic)
                        .set("kafka.transaction-timeout", "16 min");
        tooLong.mongo().getCollection("items").insertOne(new Document("_id", 1L));
        assertThatThrownBy(() -> tooLong.start(env()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.transaction-timeout (960000 ms)")
                .hasMessageContaining(
                        "transaction.max.timeout.ms (" + TestKafka.TRANSACTION_MAX_TIMEOUT_MS);

        // Nothing was created in MySQL by a refused start.
        try (Connection c = tooLong.mysql();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW TABLES")) {
            Set<String> tables = new TreeSet<>();
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
            assertThat(tables).isEmpty();
        }
    }
}
