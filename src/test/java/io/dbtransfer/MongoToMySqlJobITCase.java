package io.dbtransfer;

import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.IndependentOracle;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TaskManagerKills;
import io.dbtransfer.testing.TestDurations;
import io.dbtransfer.workload.ReviewDocuments;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole job against a real MongoDB wire server and a real MySQL-compatible server. */
@ExtendWith(SharedMiniCluster.class)
class MongoToMySqlJobITCase {

    private static final String REVIEWS = ReviewDocuments.mappingYaml("reviews");

    private static StreamExecutionEnvironment env(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        env.setRestartStrategy(
                org.apache.flink.api.common.restartstrategy.RestartStrategies.fixedDelayRestart(
                        3, 500));
        return env;
    }

    private static void load(MongoCollection<Document> coll, List<Document> docs) {
        for (int i = 0; i < docs.size(); i += 1000) {
            coll.insertMany(new ArrayList<>(docs.subList(i, Math.min(docs.size(), i + 1000))));
        }
    }

    @Test
    void snapshotGivesIdenticalRows() throws Exception {
        MigrationFixture f = new MigrationFixture("snap").collections(REVIEWS);
        List<Document> docs = new ReviewDocuments(1).next(3000);
        load(f.mongo().getCollection("reviews"), docs);
        JobClient job = f.start(env(2));
        try {
            assertThat(f.awaitConsistent(MigrationFixture.TIMEOUT).targetRows).isEqualTo(3000);
            // Spot-check typed columns straight from the document, not through the normalizer.
            Document d = docs.get(1234);
            try (Connection c = f.mysql();
                    Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT star_rating, product_id, customer_id, review_date,"
                                            + " vine, JSON_EXTRACT(_extra, '$.product.parent')"
                                            + " FROM reviews WHERE _id = '"
                                            + d.getString("_id")
                                            + "'")) {
                assertThat(rs.next()).isTrue();
                Document rating = (Document) d.get("rating");
                Document product = (Document) d.get("product");
                assertThat(rs.getInt(1)).isEqualTo(rating.getInteger("stars"));
                assertThat(rs.getString(2)).isEqualTo(product.getString("id"));
                assertThat(rs.getLong(3)).isEqualTo(((Document) d.get("customer")).getLong("id"));
                assertThat(rs.getObject(4, java.time.LocalDateTime.class))
                        .isEqualTo(
                                java.time.LocalDateTime.ofInstant(
                                        d.getDate("date").toInstant(), java.time.ZoneOffset.UTC));
                assertThat(rs.getBoolean(5)).isEqualTo(d.getBoolean("vine"));
                assertThat(rs.getLong(6)).isEqualTo(product.getLong("parent"));
            }
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void writesDuringTheSnapshotEndUpInMySql() throws Exception {
        MigrationFixture f =
                new MigrationFixture("during").collections(REVIEWS).set("source.batch-size", "100");
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        ReviewDocuments gen = new ReviewDocuments(2);
        List<Document> docs = gen.next(4000);
        load(coll, docs);
        JobClient job = f.start(env(2));
        try {
            // Spread writes over the whole key range (chunks read and not yet read) while the
            // snapshot runs: updates, deletes and inserts of new keys.
            Random r = new Random(5);
            for (int i = 0; i < 400; i++) {
                String id = docs.get(r.nextInt(docs.size())).getString("_id");
                switch (i % 4) {
                    case 0:
                        coll.updateOne(
                                Filters.eq("_id", id), Updates.inc("rating.helpfulVotes", 1));
                        break;
                    case 1:
                        coll.updateOne(
                                Filters.eq("_id", id), Updates.set("headline", "edited " + i));
                        break;
                    case 2:
                        coll.deleteOne(Filters.eq("_id", id));
                        break;
                    default:
                        coll.insertOne(gen.next());
                }
            }
            f.awaitConsistent(MigrationFixture.TIMEOUT);
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void streamingAppliesEveryKindOfChange() throws Exception {
        MigrationFixture f =
                new MigrationFixture("stream")
                        .collections(
                                "items:\n  columns:\n    qty: INT\n    name: VARCHAR(50)\n    note: TEXT\n");
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        coll.insertOne(new Document("_id", 1).append("qty", 1).append("name", "one"));
        JobClient job = f.start(env(2));
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            coll.insertOne(
                    new Document("_id", 2)
                            .append("qty", 2)
                            .append("name", "two")
                            .append("note", "n"));
            coll.updateOne(Filters.eq("_id", 1), Updates.set("name", "uno"));
            coll.updateOne(Filters.eq("_id", 2), Updates.unset("note"));
            coll.updateOne(Filters.eq("_id", 2), Updates.inc("qty", 40));
            coll.replaceOne(
                    Filters.eq("_id", 1),
                    new Document("_id", 1).append("qty", 7).append("extra", true));
            coll.insertOne(new Document("_id", 3).append("qty", 3));
            coll.deleteOne(Filters.eq("_id", 3));
            coll.insertOne(new Document("_id", 4).append("qty", 4));
            coll.deleteOne(Filters.eq("_id", 4));
            coll.insertOne(new Document("_id", 4).append("qty", 44).append("name", "again"));
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            Map<String, List<Object>> rows =
                    rows(f, "SELECT _id, qty, name, note, _extra FROM items ORDER BY _id");
            assertThat(rows.get("1")).containsExactly(7, null, null, "{\"extra\": true}");
            assertThat(rows.get("2")).containsExactly(42, "two", null, "{}");
            assertThat(rows).doesNotContainKey("3");
            assertThat(rows.get("4")).containsExactly(44, "again", null, "{}");
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void stopWithSavepointThenResumeAppliesExactlyTheChangesMadeWhileStopped(@TempDir Path dir)
            throws Exception {
        MigrationFixture f = new MigrationFixture("savepoint").collections(REVIEWS);
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        ReviewDocuments gen = new ReviewDocuments(3);
        List<Document> docs = gen.next(1500);
        load(coll, docs);
        JobClient job = f.start(env(2));
        f.awaitConsistent(MigrationFixture.TIMEOUT);
        Map<String, String> before = f.versions("reviews");
        String savepoint =
                job.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
        // Changes while the job is down.
        String updated = docs.get(10).getString("_id");
        String deleted = docs.get(20).getString("_id");
        String replaced = docs.get(30).getString("_id");
        coll.updateOne(Filters.eq("_id", updated), Updates.set("rating.stars", 1));
        coll.deleteOne(Filters.eq("_id", deleted));
        Document replacement = gen.next().append("_id", replaced);
        coll.replaceOne(Filters.eq("_id", replaced), replacement, new ReplaceOptions());
        Document inserted = gen.next();
        coll.insertOne(inserted);

        Configuration restore = new Configuration();
        restore.set(SavepointConfigOptions.SAVEPOINT_PATH, savepoint);
        StreamExecutionEnvironment env2 =
                StreamExecutionEnvironment.getExecutionEnvironment(restore);
        env2.setParallelism(2);
        JobClient resumed = f.start(env2);
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            Map<String, String> after = f.versions("reviews");
            // No re-snapshot: every untouched row keeps the version it had; exactly the changed
            // keys moved on.
            List<String> changed = new ArrayList<>();
            for (Map.Entry<String, String> e : after.entrySet()) {
                if (!e.getValue().equals(before.get(e.getKey()))) {
                    changed.add(e.getKey());
                }
            }
            assertThat(changed)
                    .containsExactlyInAnyOrder(updated, replaced, inserted.getString("_id"));
            assertThat(after).doesNotContainKey(deleted);
        } finally {
            resumed.cancel().get();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"exactly-once", "idempotent"})
    void taskManagerFailureInSnapshotAndStreamPhaseLosesAndDuplicatesNothing(
            String delivery, @InjectMiniCluster MiniCluster cluster) throws Exception {
        MigrationFixture f =
                new MigrationFixture("failover")
                        .collections(REVIEWS)
                        .set("sink.delivery-guarantee", delivery)
                        .set("source.batch-size", "50");
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        ReviewDocuments gen = new ReviewDocuments(4);
        load(coll, gen.next(6000));
        // Besides the job's own checker: an oracle that shares no code with the job's mapping.
        IndependentOracle oracle = IndependentOracle.reviews("reviews");
        JobClient job = f.start(env(2));
        try {
            // Snapshot phase: fail once part of the snapshot is in MySQL, but not all of it.
            Eventually.waitUntil(
                    TestDurations.MEDIUM, "first snapshot rows", () -> f.count("reviews") > 0);
            long partial = f.count("reviews");
            TaskManagerKills.killAndRestart(cluster, job.getJobID());
            assertThat(partial).isLessThan(6000);
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            oracle.awaitEqual(f.mongo(), f.mysqlUrl, MigrationFixture.TIMEOUT);

            // Stream phase: changes, failure, more changes.
            for (int i = 0; i < 200; i++) {
                coll.insertOne(gen.next());
            }
            coll.updateMany(Filters.lt("rating.stars", 3), Updates.set("flagged", true));
            coll.deleteMany(Filters.eq("rating.stars", 2));
            TaskManagerKills.killAndRestart(cluster, job.getJobID());
            for (int i = 0; i < 200; i++) {
                coll.insertOne(gen.next());
            }
            coll.updateMany(Filters.eq("rating.stars", 4), Updates.inc("rating.totalVotes", 1));
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            oracle.awaitEqual(f.mongo(), f.mysqlUrl, MigrationFixture.TIMEOUT);
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void collectionsWithOverlappingIdsAndWritesDuringTheSnapshotStaySeparate() throws Exception {
        MigrationFixture f =
                new MigrationFixture("overlap")
                        .collections(
                                "a:\n  key-type: BIGINT\n  columns:\n    v: INT\nb:\n  key-type: BIGINT\n  columns:\n    v: INT\n")
                        .set("source.batch-size", "100");
        MongoCollection<Document> a = f.mongo().getCollection("a");
        MongoCollection<Document> b = f.mongo().getCollection("b");
        List<Document> docs = new ArrayList<>();
        String pad = "x".repeat(400);
        for (int i = 0; i < 3000; i++) {
            docs.add(new Document("_id", i).append("v", i).append("pad", pad));
        }
        load(a, docs);
        load(b, docs);
        JobClient job = f.start(env(2));
        try {
            Random r = new Random(9);
            for (int i = 0; i < 300; i++) {
                int id = r.nextInt(3000);
                if (i % 3 == 0) {
                    b.deleteOne(Filters.eq("_id", id));
                } else {
                    b.updateOne(Filters.eq("_id", id), Updates.set("v", -id));
                }
            }
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            assertThat(f.count("a")).isEqualTo(3000);
        } finally {
            job.cancel().get();
        }
    }

    private static Map<String, List<Object>> rows(MigrationFixture f, String sql) throws Exception {
        Map<String, List<Object>> out = new java.util.HashMap<>();
        try (Connection c = f.mysql();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> values = new ArrayList<>();
                for (int i = 2; i <= n; i++) {
                    Object o = rs.getObject(i);
                    values.add(
                            o instanceof String && ((String) o).startsWith("{")
                                    ? io.dbtransfer.mapping.CanonicalValues.canonicalJsonText(
                                            (String) o)
                                    : o);
                }
                out.put(rs.getString(1), values);
            }
        }
        return out;
    }
}
