package io.dbtransfer.sink;

import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.RowsToDocument;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.MySqlDocuments;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TestDurations;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.restartstrategy.RestartStrategies;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code _id}s that MongoDB keeps apart but a MySQL key column could merge ({@code 5} and {@code
 * "5"}, an ObjectId and its hex string, {@code "a"} and {@code "a "}) run through the real job at
 * parallelism 2: nothing stalls, every other document lands, {@code "a"} and {@code "a "} are two
 * rows, and of each colliding pair one owns the row while the other is dead-lettered with a reason
 * naming both keys — checked by reading MongoDB and MySQL on their own.
 */
@ExtendWith(SharedMiniCluster.class)
class KeyCollisionITCase {

    private static final String MAPPING =
            "things:\n"
                    + "  version: 1\n"
                    + "  key-type: VARCHAR(64)\n"
                    + "  columns:\n"
                    + "    label: VARCHAR(64)\n"
                    + "  arrays:\n"
                    + "    tags: VARCHAR(16)\n";

    /** Without child tables: a collision there overwrote the row silently before owners existed. */
    private static final String FLAT_MAPPING =
            "things:\n  version: 1\n  key-type: VARCHAR(64)\n  columns:\n    label: VARCHAR(64)\n";

    /** Bounded: today's code stalls for good (exactly-once) — this turns that into a failure. */
    private static final Duration WAIT = TestDurations.CONSISTENT;

    private static StreamExecutionEnvironment env(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 500));
        return env;
    }

    private static BsonDocument doc(BsonValue id, String label) {
        return new BsonDocument("_id", id)
                .append("label", new BsonString(label))
                .append(
                        "tags",
                        new org.bson.BsonArray(
                                List.of(
                                        new BsonString(label.substring(0, 1)),
                                        new BsonString("x"))));
    }

    private static BsonDocument flat(BsonValue id, String label) {
        return new BsonDocument("_id", id).append("label", new BsonString(label));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"exactly-once", "idempotent"})
    void collidingKeysNeitherStallNorOverwrite(String delivery) throws Exception {
        MigrationFixture f =
                new MigrationFixture("collide")
                        .collections(MAPPING)
                        .set("sink.delivery-guarantee", delivery);
        TableSpec table = f.config().mapping().tableFor("things");
        MongoCollection<BsonDocument> coll = f.mongo().getCollection("things", BsonDocument.class);
        ObjectId oid = new ObjectId();
        List<BsonDocument> ordinary = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ordinary.add(doc(new BsonString("doc-" + i), "ordinary " + i));
        }
        BsonDocument five = doc(new BsonInt32(5), "int five");
        BsonDocument fiveText = doc(new BsonString("5"), "string five");
        BsonDocument object = doc(new BsonObjectId(oid), "object id");
        BsonDocument hex = doc(new BsonString(oid.toHexString()), "hex string");
        BsonDocument a = doc(new BsonString("a"), "a");
        BsonDocument aSpace = doc(new BsonString("a "), "a with space");
        List<BsonDocument> all = new ArrayList<>(ordinary);
        all.addAll(List.of(five, fiveText, object, hex, a, aSpace));
        coll.insertMany(all);

        JobClient job = f.start(env(2));
        try {
            List<List<BsonValue>> pairs =
                    List.of(
                            List.of(five.get("_id"), fiveText.get("_id")),
                            List.of(object.get("_id"), hex.get("_id")));
            awaitMigrated(f, table, pairs);

            // Live: the owner of a collided row changes, so does the dead-lettered document (a
            // second dead letter, the row untouched), an ordinary one changes, another goes.
            BsonDocument owner = owner(f, table, five, fiveText);
            BsonDocument loser = owner == five ? fiveText : five;
            coll.updateOne(Filters.eq("_id", owner.get("_id")), Updates.set("label", "owner 2"));
            coll.updateOne(Filters.eq("_id", loser.get("_id")), Updates.set("label", "loser 2"));
            coll.updateOne(Filters.eq("_id", "doc-1"), Updates.set("label", "ordinary 1b"));
            coll.deleteOne(Filters.eq("_id", "doc-2"));
            awaitMigrated(f, table, pairs);
            Eventually.waitUntil(
                    WAIT,
                    "a dead letter for the changed loser",
                    () -> deadLetters(f, key(loser)).size() >= 2);
            BsonDocument owner2 = coll.find(Filters.eq("_id", owner.get("_id"))).first();
            BsonDocument loser2 = coll.find(Filters.eq("_id", loser.get("_id"))).first();
            assertThat(owner(f, table, owner2, loser2)).isSameAs(owner2);
            assertThat(readRow(f, table, new BsonString("doc-2"))).isNull();
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Waits until MongoDB and MySQL, each read on its own, agree: every document whose {@code _id}
     * is in none of {@code pairs} is in MySQL as in MongoDB; of every pair one document is in MySQL
     * while the other is dead-lettered naming both keys; MySQL holds no other row.
     */
    private static void awaitMigrated(
            MigrationFixture f, TableSpec table, List<List<BsonValue>> pairs) throws Exception {
        List<String> problems = new ArrayList<>();
        try {
            Eventually.waitUntil(
                    WAIT,
                    "every document migrated or dead-lettered",
                    () -> {
                        problems.clear();
                        problems.addAll(check(f, table, pairs));
                        return problems.isEmpty();
                    });
        } catch (AssertionError e) {
            throw new AssertionError(
                    e.getMessage() + "; rows in MySQL: " + f.count("things") + "; " + problems, e);
        }
    }

    private static List<String> check(
            MigrationFixture f, TableSpec table, List<List<BsonValue>> pairs) throws Exception {
        List<String> problems = new ArrayList<>();
        Map<BsonValue, BsonDocument> inMongo = new LinkedHashMap<>();
        for (BsonDocument d : f.mongo().getCollection("things", BsonDocument.class).find()) {
            inMongo.put(d.get("_id"), d);
        }
        Set<BsonValue> colliding = new HashSet<>();
        pairs.forEach(colliding::addAll);
        for (BsonDocument d : inMongo.values()) {
            if (colliding.contains(d.get("_id"))) {
                continue;
            }
            BsonDocument row = readRow(f, table, d.get("_id"));
            if (row == null || !RowsToDocument.canonical(row).equals(RowsToDocument.canonical(d))) {
                problems.add(key(d) + " is " + row + " in MySQL");
            }
        }
        for (List<BsonValue> pair : pairs) {
            BsonDocument x = inMongo.get(pair.get(0));
            BsonDocument y = inMongo.get(pair.get(1));
            BsonDocument owner = owner(f, table, x, y);
            if (owner == null) {
                problems.add("neither " + key(x) + " nor " + key(y) + " is in MySQL");
                continue;
            }
            BsonDocument other = owner == x ? y : x;
            List<String> reasons = deadLetters(f, key(other));
            if (reasons.stream().noneMatch(r -> r.contains(key(owner)) && r.contains(key(other)))) {
                problems.add(key(other) + " not dead-lettered naming both keys: " + reasons);
            }
        }
        long expectedRows = inMongo.size() - pairs.size();
        if (f.count("things") != expectedRows) {
            problems.add(f.count("things") + " rows in MySQL, expected " + expectedRows);
        }
        return problems;
    }

    /** The one of two colliding documents whose content MySQL holds, or {@code null}. */
    private static BsonDocument owner(
            MigrationFixture f, TableSpec table, BsonDocument x, BsonDocument y) throws Exception {
        for (BsonDocument d : List.of(x, y)) {
            BsonDocument row = readRow(f, table, d.get("_id"));
            if (row != null && RowsToDocument.canonical(row).equals(RowsToDocument.canonical(d))) {
                return d;
            }
        }
        return null;
    }

    private static BsonDocument readRow(MigrationFixture f, TableSpec table, BsonValue id)
            throws Exception {
        try (Connection c = f.mysql()) {
            return MySqlDocuments.read(c, table, id);
        }
    }

    private static String key(BsonDocument d) {
        return CanonicalValues.canonicalJson(d.get("_id"));
    }

    private static List<String> deadLetters(MigrationFixture f, String key) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = f.mysql();
                PreparedStatement ps =
                        c.prepareStatement(
                                "SELECT reason FROM `"
                                        + DeadLetterRows.TABLE
                                        + "` WHERE collection = 'things' AND doc_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"exactly-once", "idempotent"})
    void integerOneAndStringOneAreNotOverwrittenSilently(String delivery) throws Exception {
        MigrationFixture f =
                new MigrationFixture("collide1")
                        .collections(FLAT_MAPPING)
                        .set("sink.delivery-guarantee", delivery);
        TableSpec table = f.config().mapping().tableFor("things");
        MongoCollection<BsonDocument> coll = f.mongo().getCollection("things", BsonDocument.class);
        BsonDocument one = flat(new BsonInt32(1), "int one");
        BsonDocument oneText = flat(new BsonString("1"), "string one");
        List<BsonDocument> ordinary = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ordinary.add(flat(new BsonString("doc-" + i), "ordinary " + i));
        }
        List<BsonDocument> all = new ArrayList<>(ordinary);
        all.add(one);
        all.add(oneText);
        coll.insertMany(all);
        JobClient job = f.start(env(1));
        try {
            awaitMigrated(f, table, List.of(List.of(one.get("_id"), oneText.get("_id"))));
            // Each side read on its own: one row for the pair, the other document dead-lettered.
            assertThat(f.count("things")).isEqualTo(ordinary.size() + 1);
        } finally {
            job.cancel().get();
        }
    }
}
