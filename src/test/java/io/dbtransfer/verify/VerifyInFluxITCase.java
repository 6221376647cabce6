package io.dbtransfer.verify;

import io.dbtransfer.cli.VerifyCommand;
import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.embedded.MongoEmulator;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.sink.ChangeApplier;
import io.dbtransfer.testing.LiveTraffic;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.workload.ReviewDocuments;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Updates;
import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * {@code verify} while the source keeps changing: a writer updates a few documents continuously and
 * MySQL never follows (a target lagging behind). Those keys must be reported as {@code inFlux},
 * apart from a real corruption, and the exit code must follow the real differences only.
 */
class VerifyInFluxITCase {

    @Test
    void keysChangingDuringVerifyAreInFluxNotMismatches(@TempDir Path dir) throws Exception {
        MigrationFixture f =
                new MigrationFixture("verify_flux")
                        .collections(ReviewDocuments.mappingYaml("reviews"));
        List<Document> docs = new ReviewDocuments(5).next(1200);
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        coll.insertMany(docs);
        JobConfig config = f.config();
        copyToMySql(f, config, "reviews");
        Set<String> moving =
                new TreeSet<>(
                        List.of(
                                docs.get(3).getString("_id"),
                                docs.get(600).getString("_id"),
                                docs.get(1199).getString("_id")));
        String corrupted = docs.get(900).getString("_id");
        String original;
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT review_headline FROM reviews WHERE _id = '"
                                    + corrupted
                                    + "'")) {
                rs.next();
                original = rs.getString(1);
            }
            st.execute(
                    "UPDATE reviews SET review_headline = 'tampered' WHERE _id = '"
                            + corrupted
                            + "'");
        }

        try (LiveTraffic writer =
                LiveTraffic.on(coll)
                        .keys(moving)
                        .inTurn()
                        .update((r, n) -> Updates.set("headline", "live " + n))
                        .pause(Duration.ofMillis(10), moving.size())
                        .name("flux-writer")
                        .start()) {
            Path report = dir.resolve("report.json");
            String[] args = {
                "--mongo-uri",
                config.get(JobOptions.MONGO_URI),
                "--database",
                f.mongoDatabase,
                "--mysql-url",
                f.mysqlUrl,
                "--config",
                f.writeJobFile(dir.resolve("job.yaml")).toString(),
                "--report",
                report.toString(),
                "--chunk-size",
                "250",
                "--recheck-delay-ms",
                "500"
            };
            long before = writer.written();
            assertThat(run(args)).as("a real corruption besides keys in flux").isEqualTo(1);
            assertThat(writer.written()).as("the writer ran during verify").isGreaterThan(before);
            Document json = Document.parse(Files.readString(report));
            assertThat(json.getString("verdict")).isEqualTo("INCONSISTENT");
            assertThat(json.get("different", Number.class).longValue()).isEqualTo(1);
            assertThat(json.get("missing", Number.class).longValue()).isZero();
            assertThat(json.get("extra", Number.class).longValue()).isZero();
            assertThat(keys(json, "mismatches")).containsExactly(corrupted);
            assertThat(keys(json, "inFluxKeys")).isEqualTo(moving);
            assertThat(json.get("inFlux", Number.class).longValue()).isEqualTo(3);

            try (Connection c = f.mysql();
                    Statement st = c.createStatement()) {
                st.execute(
                        "UPDATE reviews SET review_headline = '"
                                + original.replace("'", "''")
                                + "' WHERE _id = '"
                                + corrupted
                                + "'");
            }
            assertThat(run(args)).as("only keys in flux differ: consistent").isZero();
            json = Document.parse(Files.readString(report));
            assertThat(json.getString("verdict")).isEqualTo("CONSISTENT");
            assertThat(keys(json, "mismatches")).isEmpty();
            assertThat(keys(json, "inFluxKeys")).isEqualTo(moving);
            assertThat(json.get("sourceDocuments", Number.class).longValue()).isEqualTo(1200);
        }
    }

    /**
     * Memory bound: MySQL keys of a range are read in pages of {@code --chunk-size}; extra rows in
     * the middle of a range and after the last document are all found and named, page by page.
     */
    @Test
    void extraRowsAreFoundPageByPageInsideAndAfterTheDocumentRange(@TempDir Path dir)
            throws Exception {
        MigrationFixture f =
                new MigrationFixture("verify_pages")
                        .collections("items:\n  key-type: VARCHAR(16)\n  columns:\n    v: INT\n");
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        JobConfig config = f.config();
        DocumentNormalizer normalizer =
                new DocumentNormalizer(config.mapping(), config.mismatchPolicy());
        List<RowChange> rows = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            Document d = new Document("_id", String.format("k%02d", i)).append("v", i);
            coll.insertOne(d);
            rows.add(
                    normalizer.normalize(
                                    ChangeRecord.upsert(
                                            "items",
                                            CanonicalValues.canonicalJson(
                                                    new org.bson.BsonString(d.getString("_id"))),
                                            d.toJson(),
                                            7L),
                                    0L)
                            .change);
        }
        Set<String> extras =
                new TreeSet<>(
                        List.of("k05a", "k05b", "k05c", "k05d", "z1", "z2", "z3", "z4", "z5"));
        try (Connection c = f.mysql()) {
            SchemaManager.createTables(c, config.mapping());
            c.setAutoCommit(false);
            new ChangeApplier(config.mapping()).apply(c, rows);
            c.commit();
            c.setAutoCommit(true);
            try (Statement st = c.createStatement()) {
                for (String k : extras) {
                    st.execute(
                            "INSERT INTO items (_id, v, _src_version) VALUES ('" + k + "', 0, 1)");
                }
            }
        }
        Path report = dir.resolve("report.json");
        String[] args = {
            "--config",
            f.writeJobFile(dir.resolve("job.yaml")).toString(),
            "--report",
            report.toString(),
            "--chunk-size",
            "3",
            "--recheck-delay-ms",
            "0"
        };
        assertThat(run(args)).isEqualTo(1);
        Document json = Document.parse(Files.readString(report));
        assertThat(json.get("sourceDocuments", Number.class).longValue()).isEqualTo(10);
        assertThat(json.get("targetRows", Number.class).longValue()).isEqualTo(19);
        assertThat(json.get("extra", Number.class).longValue()).isEqualTo(9);
        assertThat(json.get("missing", Number.class).longValue()).isZero();
        assertThat(json.get("different", Number.class).longValue()).isZero();
        assertThat(keys(json, "mismatches")).isEqualTo(extras);
    }

    /**
     * A collection whose {@code _id}s are of several BSON types: MongoDB's {@code $gt} only matches
     * values of the bound's own type, so paging by {@code _id > last} ended at the last number and
     * never read the strings after it. A string document the job had lost from MySQL was then
     * missed: verify said CONSISTENT. (Single-digit numbers, so that MySQL's text order of the key
     * column is MongoDB's order here.)
     */
    @Test
    void documentsAfterTheLastNumberAreReadAndAMissingOneIsFound(@TempDir Path dir)
            throws Exception {
        MigrationFixture f =
                new MigrationFixture("verify_mixed")
                        .collections("items:\n  key-type: VARCHAR(16)\n  columns:\n    v: INT\n");
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        JobConfig config = f.config();
        List<Document> docs = new ArrayList<>();
        for (int i = 1; i <= 9; i++) {
            docs.add(new Document("_id", i).append("v", i));
        }
        for (int i = 1; i <= 6; i++) {
            docs.add(new Document("_id", String.format("s%02d", i)).append("v", 100 + i));
        }
        coll.insertMany(docs);
        copyToMySql(f, config, "items");
        Path report = dir.resolve("report.json");
        String[] args = {
            "--config",
            f.writeJobFile(dir.resolve("job.yaml")).toString(),
            "--report",
            report.toString(),
            "--chunk-size",
            "5",
            "--recheck-delay",
            "0s"
        };
        assertThat(run(args)).isZero();
        Document json = Document.parse(Files.readString(report));
        assertThat(json.getString("verdict")).as(json.toJson()).isEqualTo("CONSISTENT");
        assertThat(json.get("sourceDocuments", Number.class).longValue()).isEqualTo(15);
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            st.execute("DELETE FROM items WHERE _id = 's04'");
        }
        assertThat(run(args)).as("a row lost after the last number").isEqualTo(1);
        json = Document.parse(Files.readString(report));
        assertThat(json.getString("verdict")).as(json.toJson()).isEqualTo("INCONSISTENT");
        assertThat(json.get("missing", Number.class).longValue()).isEqualTo(1);
        assertThat(keys(json, "mismatches")).containsExactly("s04");
    }

    /**
     * Integer {@code _id}s under a text key column (the default key type): a row changed behind the
     * job's back must be a mismatch. The recheck used to look the document up by the key column's
     * text as a string, found nothing, and called the key "in flux": a false CONSISTENT.
     */
    @Test
    void aChangedRowOfAnIntegerIdUnderATextKeyIsAMismatchNotInFlux(@TempDir Path dir)
            throws Exception {
        MigrationFixture f =
                new MigrationFixture("verify_intkeys")
                        .collections("items:\n  key-type: VARCHAR(16)\n  columns:\n    v: INT\n");
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        JobConfig config = f.config();
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            docs.add(new Document("_id", i).append("v", i));
        }
        coll.insertMany(docs);
        copyToMySql(f, config, "items");
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            st.execute("UPDATE items SET v = 999 WHERE _id = '7'");
        }
        Path report = dir.resolve("report.json");
        String[] args = {
            "--config",
            f.writeJobFile(dir.resolve("job.yaml")).toString(),
            "--report",
            report.toString(),
            "--chunk-size",
            "10",
            "--recheck-delay",
            "0s"
        };
        assertThat(run(args)).as("a changed row").isEqualTo(1);
        Document json = Document.parse(Files.readString(report));
        assertThat(json.getString("verdict")).as(json.toJson()).isEqualTo("INCONSISTENT");
        assertThat(keys(json, "mismatches")).containsExactly("7");
    }

    /**
     * A collection of mixed {@code _id} types under a text key column (integers past 9, strings,
     * ObjectIds, doubles, a document): MongoDB orders them by type then value, MySQL by text, and
     * verify must still pair every document with its row. Equal: CONSISTENT with nothing in flux.
     * Then a missing, an extra and a changed row are each found under the right key.
     */
    @Test
    void mixedIdTypesUnderATextKeyArePairedExactly(@TempDir Path dir) throws Exception {
        MigrationFixture f =
                new MigrationFixture("verify_mixedkeys")
                        .collections("items:\n  key-type: VARCHAR(64)\n  columns:\n    v: INT\n");
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        JobConfig config = f.config();
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            docs.add(new Document("_id", i).append("v", i));
            docs.add(new Document("_id", 1_000_000_000_000L + i).append("v", i));
            docs.add(new Document("_id", "s" + i).append("v", i));
            docs.add(new Document("_id", new org.bson.types.ObjectId()).append("v", i));
            docs.add(new Document("_id", i + 0.5).append("v", i));
        }
        docs.add(new Document("_id", new Document("a", 1)).append("v", 7));
        coll.insertMany(docs);
        copyToMySql(f, config, "items");
        String[] args = {
            "--config",
            f.writeJobFile(dir.resolve("job.yaml")).toString(),
            "--report",
            dir.resolve("equal.json").toString(),
            "--chunk-size",
            "7",
            "--recheck-delay",
            "0s"
        };
        assertThat(run(args)).as("equal").isZero();
        Document equal = Document.parse(Files.readString(dir.resolve("equal.json")));
        assertThat(equal.getString("verdict")).as(equal.toJson()).isEqualTo("CONSISTENT");
        assertThat(keys(equal, "inFluxKeys")).isEmpty();

        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            st.execute("DELETE FROM items WHERE _id = '21'");
            st.execute("INSERT INTO items (_id, v, _src_version) VALUES ('1000', 1, 1)");
            st.execute("UPDATE items SET v = 999 WHERE _id = 's12'");
        }
        args[3] = dir.resolve("tampered.json").toString();
        assertThat(run(args)).as("tampered").isEqualTo(1);
        Document json = Document.parse(Files.readString(dir.resolve("tampered.json")));
        assertThat(json.getString("verdict")).as(json.toJson()).isEqualTo("INCONSISTENT");
        assertThat(keys(json, "mismatches")).containsExactly("1000", "21", "s12");
        assertThat(keys(json, "inFluxKeys")).isEmpty();
    }

    /**
     * The next chunk is read ahead on another thread: when MongoDB goes away part-way, verify must
     * fail with MongoDB's error, not hang and not report the chunks it could not read as
     * consistent.
     */
    @Test
    void aSourceLostWhileReadingAheadFailsVerify() throws Exception {
        MigrationFixture f =
                new MigrationFixture("verify_lost")
                        .collections(ReviewDocuments.mappingYaml("reviews"));
        JobConfig config = f.config();
        MongoEmulator own = MongoEmulator.start();
        try (MongoClient client =
                MongoClients.create(own.connectionString() + "&serverSelectionTimeoutMS=2000")) {
            MongoDatabase db = client.getDatabase("lost");
            db.getCollection("reviews").insertMany(new ReviewDocuments(9).next(3000));
            copyToMySql(f, config, db, "reviews");
            List<String> progress = new ArrayList<>();
            ChunkedVerifier verifier =
                    new ChunkedVerifier(
                            new DocumentNormalizer(config.mapping(), config.mismatchPolicy()),
                            100,
                            0,
                            line -> {
                                progress.add(line);
                                if (progress.size() == 1) {
                                    own.close(); // after 10 of 30 chunks
                                }
                            });
            try (Connection c = f.mysql()) {
                assertTimeoutPreemptively(
                        Duration.ofSeconds(90),
                        () ->
                                assertThatThrownBy(() -> verifier.verify(db, c))
                                        .isInstanceOf(MongoException.class));
            }
            assertThat(progress).first().asString().startsWith("reviews: 1000 documents");
        } finally {
            own.close();
        }
    }

    /**
     * Writes every document of {@code collection} to MySQL as the job would (normalizer and
     * applier), so that a test starts from a target that equals the source.
     */
    private static void copyToMySql(MigrationFixture f, JobConfig config, String collection)
            throws Exception {
        copyToMySql(f, config, f.mongo(), collection);
    }

    private static void copyToMySql(
            MigrationFixture f, JobConfig config, MongoDatabase source, String collection)
            throws Exception {
        DocumentNormalizer normalizer =
                new DocumentNormalizer(config.mapping(), config.mismatchPolicy());
        List<RowChange> rows = new ArrayList<>();
        for (BsonDocument d : source.getCollection(collection, BsonDocument.class).find()) {
            rows.add(
                    normalizer.normalize(
                                    ChangeRecord.upsert(
                                            collection,
                                            CanonicalValues.canonicalJson(d.get("_id")),
                                            d.toJson(CanonicalValues.CANONICAL),
                                            7L),
                                    0L)
                            .change);
        }
        try (Connection c = f.mysql()) {
            SchemaManager.createTables(c, config.mapping());
            c.setAutoCommit(false);
            new ChangeApplier(config.mapping()).apply(c, rows);
            c.commit();
        }
    }

    private static Set<String> keys(Document json, String list) {
        Set<String> out = new TreeSet<>();
        for (Document d : json.getList(list, Document.class)) {
            out.add(d.getString("key"));
        }
        return out;
    }

    static int run(String[] args) throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(sink, true, StandardCharsets.UTF_8);
        return new VerifyCommand(args, ps, ps).run();
    }
}
