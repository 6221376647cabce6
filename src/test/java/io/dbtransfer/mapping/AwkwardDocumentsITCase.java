package io.dbtransfer.mapping;

import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.IndependentOracle;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.MySqlDocuments;
import io.dbtransfer.testing.PostgresDocuments;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TaskManagerKills;
import io.dbtransfer.testing.TestDurations;
import io.dbtransfer.testing.TestTarget;
import io.dbtransfer.workload.ReviewDocuments;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.Document;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mapping end to end: awkward documents and array changes run through the real job; every
 * document is checked by reading MySQL on its own (rows → document) against MongoDB, or found in
 * the dead-letter table with a reason.
 */
@ExtendWith(SharedMiniCluster.class)
class AwkwardDocumentsITCase {

    private static final String AWKWARD =
            "awkward:\n"
                    + "  version: 1\n"
                    + "  key-type: VARCHAR(64)\n"
                    + "  columns:\n"
                    + "    kind: VARCHAR(40)\n"
                    + "    title: VARCHAR(64)\n"
                    + "    stars: INT\n"
                    + "    views: BIGINT\n"
                    + "    score: DOUBLE\n"
                    + "    price: DECIMAL(38,9)\n"
                    + "    vine: BOOLEAN\n"
                    + "    verified: BOOLEAN\n"
                    + "    born: DATETIME\n"
                    + "    expires: DATETIME\n"
                    + "    ref: UUID\n"
                    + "    blob: VARBINARY(16)\n"
                    + "    body: TEXT\n"
                    + "    ownerId: OBJECTID\n"
                    + "    product.title: VARCHAR(32)\n"
                    + "    product.dims.w: DOUBLE\n"
                    + "  arrays:\n"
                    + "    comments:\n"
                    + "      columns: {user: VARCHAR(16), text: TEXT, at: DATETIME}\n"
                    + "      arrays:\n"
                    + "        likes: VARCHAR(8)\n"
                    + "    tags: VARCHAR(16)\n"
                    + "    matrix:\n"
                    + "      arrays:\n"
                    + "        $: INT\n";

    private static StreamExecutionEnvironment env() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.setRestartStrategy(
                org.apache.flink.api.common.restartstrategy.RestartStrategies.fixedDelayRestart(
                        3, 500));
        return env;
    }

    private static List<BsonDocument> corpus() throws Exception {
        List<BsonDocument> out = new ArrayList<>();
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(
                                AwkwardDocumentsITCase.class.getResourceAsStream(
                                        "/awkward/awkward-documents.jsonl"),
                                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    out.add(BsonDocument.parse(line));
                }
            }
        }
        return out;
    }

    /** {@code field_path → reason} of the dead letters of one key. */
    private static Map<String, String> deadLetters(MigrationFixture f, BsonValue id)
            throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection c = f.mysql();
                PreparedStatement ps =
                        c.prepareStatement(
                                "SELECT field_path, reason, action FROM "
                                        + quote(c, DeadLetterRows.TABLE)
                                        + " WHERE collection = 'awkward' AND doc_key = ?")) {
            ps.setString(1, CanonicalValues.canonicalJson(id));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(3) + ": " + rs.getString(2));
                }
            }
        }
        return out;
    }

    /**
     * Every document of the collection: rebuilt from MySQL it equals MongoDB's, or it has no row
     * and a skipped-document dead letter. Returns the kinds that were skipped.
     */
    private static List<String> checkEveryDocument(MigrationFixture f, TableSpec table)
            throws Exception {
        List<String> skipped = new ArrayList<>();
        try (Connection c = f.mysql()) {
            for (BsonDocument doc : f.mongo().getCollection("awkward", BsonDocument.class).find()) {
                BsonDocument inMySql = read(c, table, doc.get("_id"));
                String kind = doc.getString("kind").getValue();
                if (inMySql == null) {
                    assertThat(deadLetters(f, doc.get("_id")).values())
                            .as("dead letters of %s (no row in MySQL)", kind)
                            .anyMatch(v -> v.startsWith("document-skipped: "));
                    skipped.add(kind);
                } else {
                    assertThat(RowsToDocument.canonical(inMySql))
                            .as("document of kind %s rebuilt from MySQL", kind)
                            .isEqualTo(RowsToDocument.canonical(doc));
                }
            }
        }
        return skipped;
    }

    /** {@code name} quoted for the target {@code c} is connected to. */
    private static String quote(Connection c, String name) throws Exception {
        return TestTarget.isPostgres(c)
                ? '"' + name.replace("\"", "\"\"") + '"'
                : '`' + name.replace("`", "``") + '`';
    }

    private static long count(MigrationFixture f, String table) throws Exception {
        try (Connection c = f.mysql();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + quote(c, table))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestTarget.class)
    void awkwardDocumentsLandOrAreDeadLetteredAndDriftMidStreamIsRecorded(TestTarget target)
            throws Exception {
        MigrationFixture f = new MigrationFixture("awkward", target).collections(AWKWARD);
        if (target == TestTarget.POSTGRESQL) {
            // Reconciliation is not built for PostgreSQL yet (refused there).
            f.set("reconcile.enabled", "false");
        }
        TableSpec table = f.config().mapping().tableFor("awkward");
        MongoCollection<Document> coll = f.mongo().getCollection("awkward");
        List<BsonDocument> docs = corpus();
        assertThat(docs.stream().map(d -> d.getString("kind")).distinct().count())
                .isGreaterThanOrEqualTo(30);
        coll.withDocumentClass(BsonDocument.class).insertMany(docs);
        JobClient job = f.start(env());
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            Eventually.waitUntil(
                    TestDurations.SHORT,
                    "dead letters of the snapshot",
                    () ->
                            !deadLetters(f, id(coll, "double-nan")).isEmpty()
                                    && !deadLetters(f, id(coll, "null-array")).isEmpty());
            assertThat(checkEveryDocument(f, table)).containsExactly("null-array");
            assertThat(deadLetters(f, id(coll, "double-nan")))
                    .containsKey("score")
                    .hasEntrySatisfying(
                            "score", v -> assertThat(v).startsWith("value-kept-in-extra: "));
            // Legacy types and every binary subtype: kept (in _extra, checked above by the
            // rebuild), and where a typed column cannot hold them the reason is recorded; none
            // becomes null or generic binary silently.
            assertThat(deadLetters(f, id(coll, "legacy-types-in-extra"))).isEmpty();
            assertThat(deadLetters(f, id(coll, "every-binary-subtype-in-extra"))).isEmpty();
            // A DBPointer next to DBRef documents (Flink CDC writes both as {"$ref", "$id"}):
            // each keeps its own type, checked above by the rebuild, and nothing is dead-lettered.
            assertThat(deadLetters(f, id(coll, "dbpointer-next-to-dbref-in-extra"))).isEmpty();
            assertThat(deadLetters(f, id(coll, "symbol-in-varchar")).get("title"))
                    .startsWith("value-kept-in-extra: ")
                    .contains("symbol");
            assertThat(deadLetters(f, id(coll, "undefined-in-int")).get("stars"))
                    .startsWith("value-kept-in-extra: ")
                    .contains("undefined");
            assertThat(deadLetters(f, id(coll, "user-subtype-in-varbinary")).get("blob"))
                    .startsWith("value-kept-in-extra: ")
                    .contains("binary subtype 128");
            assertThat(deadLetters(f, id(coll, "old-binary-in-varbinary")).get("blob"))
                    .startsWith("value-kept-in-extra: ")
                    .contains("binary subtype 2");
            assertThat(deadLetters(f, id(coll, "type-drift")).get("stars"))
                    .contains("a string value does not fit INT");
            assertThat(deadLetters(f, id(coll, "type-drift-doc")).get("stars"))
                    .contains("a document value does not fit INT");
            assertThat(deadLetters(f, id(coll, "overflow-int")).get("stars"))
                    .contains("overflows INT");
            assertThat(deadLetters(f, id(coll, "too-long-for-varchar")).get("title"))
                    .contains("longer than VARCHAR(64)");
            assertThat(deadLetters(f, id(coll, "date-before-year-1000")).get("born"))
                    .contains("outside the DATETIME range");
            assertThat(deadLetters(f, id(coll, "decimal-over-65-digits")).get("price"))
                    .contains("DECIMAL(38,9)");
            assertThat(deadLetters(f, id(coll, "negative-zero"))).containsKeys("price", "score");
            assertThat(deadLetters(f, id(coll, "bool-vs-int")).get("verified"))
                    .contains("does not fit BOOLEAN");
            assertThat(deadLetters(f, id(coll, "null-array")).get("matrix[1][0]"))
                    .startsWith("document-skipped: ");
            assertThat(deadLetters(f, id(coll, "plain"))).isEmpty();

            // Mid-stream: a type drifts, arrays grow and shrink, a skipped document is repaired.
            coll.updateOne(Filters.eq("kind", "plain"), Updates.set("stars", "five"));
            coll.updateOne(Filters.eq("kind", "scalar-array"), Updates.push("tags", "d"));
            coll.updateOne(Filters.eq("kind", "doc-array"), Updates.popFirst("comments"));
            coll.updateOne(Filters.eq("kind", "empty-array"), Updates.push("tags", "first"));
            coll.updateOne(Filters.eq("kind", "array-of-arrays"), Updates.set("matrix", List.of()));
            coll.updateOne(
                    Filters.eq("kind", "null-array"), Updates.set("matrix", List.of(List.of(9))));
            coll.deleteOne(Filters.eq("kind", "doc-array-with-nested-array"));
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            Eventually.waitUntil(
                    TestDurations.SHORT,
                    "dead letter of the drifted field",
                    () -> deadLetters(f, id(coll, "plain")).containsKey("stars"));
            assertThat(checkEveryDocument(f, table)).isEmpty();
            assertThat(count(f, "awkward_comments_likes")).isZero();
            // scalar-array [a, b, c, d], empty-array [first], scalar-array-with-null [a, null, b]
            assertThat(count(f, "awkward_tags")).isEqualTo(4 + 1 + 3);

            nulInText(f, table, coll, target);
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * U+0000 in a mapped string, in {@code _extra} and in a child row, and an update that brings it
     * into a document that has a row: MySQL stores it unchanged; PostgreSQL's text cannot hold it,
     * so each document is dead-lettered with the field's path and no row of it is written — the
     * updated document keeps its previous row whole — and the job keeps running.
     */
    private static void nulInText(
            MigrationFixture f, TableSpec table, MongoCollection<Document> coll, TestTarget target)
            throws Exception {
        BsonDocument before;
        try (Connection c = f.mysql()) {
            before = read(c, table, id(coll, "plain"));
        }
        coll.insertMany(
                List.of(
                        new Document("kind", "nul-in-varchar").append("title", "a\u0000b"),
                        new Document("kind", "nul-in-extra")
                                .append("notes", new Document("deep", List.of("x", "y\u0000z"))),
                        new Document("kind", "nul-in-child")
                                .append(
                                        "comments",
                                        List.of(
                                                new Document("user", "u1").append("text", "ok"),
                                                new Document("user", "u2")
                                                        .append("text", "t\u0000")))));
        coll.updateOne(Filters.eq("kind", "plain"), Updates.set("body", "x\u0000y"));
        Map<String, String> paths =
                Map.of(
                        "nul-in-varchar", "title",
                        "nul-in-extra", "notes.deep[1]",
                        "nul-in-child", "comments[1].text",
                        "plain", "body");
        if (target == TestTarget.MYSQL) {
            // Stored unchanged: every document rebuilt from MySQL equals MongoDB's.
            try {
                Eventually.waitUntil(
                        MigrationFixture.TIMEOUT,
                        "documents with U+0000 in MySQL",
                        () -> {
                            try {
                                return checkEveryDocument(f, table).isEmpty();
                            } catch (AssertionError notYet) {
                                return false;
                            }
                        });
            } catch (AssertionError timedOut) {
                // The check below says what differs.
            }
            assertThat(checkEveryDocument(f, table)).isEmpty();
            for (Map.Entry<String, String> e : paths.entrySet()) {
                assertThat(deadLetters(f, id(coll, e.getKey())))
                        .as(e.getKey())
                        .doesNotContainKey(e.getValue());
            }
            return;
        }
        Eventually.waitUntil(
                MigrationFixture.TIMEOUT,
                "dead letters of the documents with U+0000",
                () ->
                        paths.keySet().stream()
                                .allMatch(
                                        k -> {
                                            try {
                                                return !deadLetters(f, id(coll, k)).isEmpty();
                                            } catch (Exception e) {
                                                throw new IllegalStateException(e);
                                            }
                                        }));
        for (Map.Entry<String, String> e : paths.entrySet()) {
            Map<String, String> letters = deadLetters(f, id(coll, e.getKey()));
            if (!e.getKey().equals("plain")) { // plain also has the letter of its drifted stars
                assertThat(letters).as("dead letters of %s", e.getKey()).hasSize(1);
            }
            assertThat(letters)
                    .as("dead letters of %s", e.getKey())
                    .hasEntrySatisfying(
                            e.getValue(),
                            v ->
                                    assertThat(v)
                                            .startsWith("document-skipped: ")
                                            .contains("U+0000", e.getValue(), "ignore:"));
        }
        try (Connection c = f.mysql()) {
            for (String kind : List.of("nul-in-varchar", "nul-in-extra", "nul-in-child")) {
                assertThat(read(c, table, id(coll, kind))).as("row of %s", kind).isNull();
            }
            // The document that had a row keeps it whole, as it was before the update.
            assertThat(RowsToDocument.canonical(read(c, table, id(coll, "plain"))))
                    .isEqualTo(RowsToDocument.canonical(before));
        }
        // scalar-array [a, b, c, d], empty-array [first], scalar-array-with-null [a, null, b]
        assertThat(count(f, "awkward_tags")).isEqualTo(4 + 1 + 3);
        // doc-array after its first comment was removed: one comment left; none of nul-in-child.
        assertThat(count(f, "awkward_comments")).isEqualTo(1);
    }

    /** The document the target holds for {@code id}, read with plain JDBC. */
    private static BsonDocument read(Connection c, TableSpec table, BsonValue id) throws Exception {
        return TestTarget.isPostgres(c)
                ? PostgresDocuments.read(c, table, id)
                : MySqlDocuments.read(c, table, id);
    }

    private static BsonValue id(MongoCollection<Document> coll, String kind) {
        return coll.withDocumentClass(BsonDocument.class)
                .find(Filters.eq("kind", kind))
                .first()
                .get("_id");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"exactly-once", "idempotent"})
    void growingAndShrinkingArraysReplaceChildRowsAcrossAFailover(
            String delivery, @InjectMiniCluster MiniCluster cluster) throws Exception {
        MigrationFixture f =
                new MigrationFixture("arrays")
                        .collections(ReviewDocuments.mappingYaml("reviews"))
                        .set("sink.delivery-guarantee", delivery);
        TableSpec table = f.config().mapping().tableFor("reviews");
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        List<Document> docs = new ReviewDocuments(11).next(600);
        Random r = new Random(3);
        for (Document d : docs) {
            List<Document> comments = new ArrayList<>();
            for (int i = r.nextInt(4); i > 0; i--) {
                comments.add(new Document("user", "u" + r.nextInt(50)).append("text", "t" + i));
            }
            d.put("comments", comments);
        }
        coll.insertMany(docs);
        JobClient job = f.start(env());
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            assertThat(f.count("reviews_comments")).isPositive();
            // Grow, shrink, empty and delete; a TaskManager failure in the middle.
            for (int i = 0; i < 300; i++) {
                String id = docs.get(r.nextInt(docs.size())).getString("_id");
                switch (i % 6) {
                    case 0:
                    case 1:
                        coll.updateOne(
                                Filters.eq("_id", id),
                                Updates.push("comments", new Document("user", "g" + i)));
                        break;
                    case 2:
                        coll.updateOne(Filters.eq("_id", id), Updates.push("images", "img" + i));
                        break;
                    case 3:
                        coll.updateOne(Filters.eq("_id", id), Updates.popLast("comments"));
                        break;
                    case 4:
                        coll.updateOne(Filters.eq("_id", id), Updates.set("comments", List.of()));
                        break;
                    default:
                        coll.deleteOne(Filters.eq("_id", id));
                }
                if (i == 150) {
                    TaskManagerKills.killAndRestart(cluster, job.getJobID());
                }
            }
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            IndependentOracle.reviews("reviews")
                    .awaitEqual(f.mongo(), f.mysqlUrl, MigrationFixture.TIMEOUT);
            // Independently: every document rebuilt from MySQL's rows equals MongoDB's, and the
            // child row counts equal the array lengths MongoDB holds.
            long comments = 0;
            long images = 0;
            try (Connection c = f.mysql()) {
                for (BsonDocument doc :
                        f.mongo().getCollection("reviews", BsonDocument.class).find()) {
                    BsonDocument inMySql = MySqlDocuments.read(c, table, doc.get("_id"));
                    assertThat(inMySql).as("row of %s", doc.get("_id")).isNotNull();
                    assertThat(RowsToDocument.canonical(inMySql))
                            .isEqualTo(RowsToDocument.canonical(doc));
                    comments += doc.getArray("comments").size();
                    images += doc.getArray("images").size();
                }
            }
            assertThat(f.count("reviews_comments")).isEqualTo(comments);
            assertThat(f.count("reviews_images")).isEqualTo(images);
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get();
        }
    }
}
