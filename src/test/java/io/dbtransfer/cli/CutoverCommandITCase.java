package io.dbtransfer.cli;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.dialect.MismatchRows;
import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.embedded.EmbeddedMariaDb;
import io.dbtransfer.hashing.Hash128;
import io.dbtransfer.hashing.RowHasher;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.reverse.BinlogCheck;
import io.dbtransfer.source.SourceProbe;
import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.LiveTraffic;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TestMongo;
import io.dbtransfer.testing.TestTarget;
import io.dbtransfer.workload.ReviewDocuments;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/dbtransfer cutover} against the running job on real servers: it waits while live
 * writes go on, certifies once they stopped (counts, digests and versions checked against both
 * databases read here on their own), certifies up to a time while writes continue, and names the
 * key of a dead letter, an open mismatch and a corrupted row with exit 1; unreachable databases
 * give exit 2 with the setting named.
 */
@ExtendWith(SharedMiniCluster.class)
class CutoverCommandITCase {

    @Test
    void waitsForQuietCertifiesAndNamesEachInconsistency(@TempDir Path dir) throws Exception {
        MigrationFixture f =
                new MigrationFixture("cutover").collections(ReviewDocuments.mappingYaml("reviews"));
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        ReviewDocuments gen = new ReviewDocuments(17);
        List<Document> docs = gen.next(600);
        for (int i = 0; i < 100; i++) {
            docs.get(i).append("images", List.of("a" + i + ".jpg", "b" + i + ".jpg"));
        }
        coll.insertMany(docs);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        JobClient job = f.start(env);
        Path jobFile = f.writeJobFile(dir.resolve("job.yaml"));
        Path cert = dir.resolve("cert.json");
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);

            // 1. Covered up to a time while writes go on: later changes are not held against it.
            LiveTraffic writer = traffic(coll, docs, gen).start();
            writer.awaitWrites(50, MigrationFixture.TIMEOUT);
            Instant until = Instant.now().plusSeconds(1);
            Result covered =
                    cutover(
                            jobFile,
                            cert,
                            "--covered-until",
                            until.toString(),
                            "--recheck-delay-ms",
                            "300");
            long writesDuring = writer.written();
            assertThat(covered.code).as(covered.output).isZero();
            Document json = Document.parse(Files.readString(cert));
            assertThat(json.getString("verdict")).isEqualTo("CONSISTENT");
            assertThat(json.get("sourcePointCovered", Document.class).getString("time"))
                    .isEqualTo(Instant.ofEpochSecond(until.getEpochSecond()).toString());
            writer.stop();
            assertThat(writesDuring).as("writes went on during the cutover").isGreaterThan(50);

            // 2. Writes going on, then stopping: cutover waits for the quiet period, then
            // certifies.
            LiveTraffic burst = traffic(coll, docs, gen).start();
            CompletableFuture<Result> running =
                    CompletableFuture.supplyAsync(
                            () -> cutover(jobFile, cert, "--quiet-for", "2s", "--timeout", "120s"));
            Thread.sleep(3000);
            assertThat(running).as("cutover waits while the source changes").isNotDone();
            burst.stop();
            long beforeLastWrite = SourceProbe.operationTime(TestMongo.client());
            coll.updateOne(
                    Filters.eq("_id", docs.get(1).getString("_id")),
                    Updates.set("headline", "the last write"));
            long lastWriteNanos = System.nanoTime();
            Result quiet = running.get(180, TimeUnit.SECONDS);
            assertThat(System.nanoTime() - lastWriteNanos)
                    .as("returned no sooner than --quiet-for after the last write")
                    .isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(2));
            assertThat(quiet.code).as(quiet.output).isZero();
            assertThat(quiet.output).contains("DBtransfer cutover certificate: CONSISTENT");
            assertThat(Files.readString(dir.resolve("cert.txt"))).contains("CONSISTENT");
            json = Document.parse(Files.readString(cert));
            assertThat(json.getString("verdict")).isEqualTo("CONSISTENT");
            assertThat(json.getString("direction")).isEqualTo("mongodb-to-mysql");
            if (binlogOn(f)) {
                assertThat(json.get("reverseStartsAt")).isNotNull();
            } else {
                // The shared test MariaDB keeps no binlog: the certificate holds, and says why
                // there is no way back from it.
                assertThat(json.get("reverseStartsAt")).isNull();
                assertThat(json.getString("reverseStartsAtNote"))
                        .contains("log_bin is OFF")
                        .contains("binlog_format=ROW");
                assertThat(quiet.output).contains("reverse starts at     not recorded");
            }
            long coveredPoint = version(json, "sourcePointCovered");
            long hwm = version(json, "targetHighWaterMark");
            long lastWrite =
                    Long.parseUnsignedLong(f.versions("reviews").get(docs.get(1).getString("_id")));
            assertThat(Long.compareUnsigned(lastWrite, beforeLastWrite))
                    .as("MySQL holds the last write")
                    .isPositive();
            assertThat(Long.compareUnsigned(coveredPoint, lastWrite)).isGreaterThanOrEqualTo(0);
            assertThat(Long.compareUnsigned(hwm, lastWrite)).isGreaterThanOrEqualTo(0);
            assertThat(hwm).isEqualTo(independentHighWaterMark(f));
            Document table = json.getList("tables", Document.class).get(0);
            assertThat(table.getString("collection")).isEqualTo("reviews");
            assertThat(number(table, "sourceDocuments")).isEqualTo(coll.countDocuments());
            assertThat(number(table, "targetRows")).isEqualTo(f.count("reviews"));
            assertThat(number(table, "childRows"))
                    .isEqualTo(f.count("reviews_comments") + f.count("reviews_images"))
                    .isGreaterThan(200);
            Hash128[] digests = independentDigests(f);
            assertThat(table.getString("sourceDigest")).isEqualTo(digests[0].toHex());
            assertThat(table.getString("targetDigest")).isEqualTo(digests[1].toHex());
            assertThat(digests[0]).isEqualTo(digests[1]);
            Document totals = json.get("totals", Document.class);
            for (String k : List.of("missing", "extra", "different", "openMismatches")) {
                assertThat(number(totals, k)).as(k).isZero();
            }
            assertThat(number(totals, "deadLetters")).isZero();

            // 3. A dead letter: a value that does not fit its column (kept in _extra).
            coll.insertOne(
                    new Document("_id", "dead-letter-1")
                            .append("rating", new Document("stars", "five")));
            Eventually.waitUntil(
                    MigrationFixture.TIMEOUT,
                    "the dead letter in MySQL",
                    () -> f.count(DeadLetterRows.TABLE) > 0);
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            Result dead = cutover(jobFile, cert, "--quiet-for", "1s");
            assertThat(dead.code).as(dead.output).isEqualTo(1);
            assertThat(dead.output).contains("dead letter: reviews dead-letter-1");
            json = Document.parse(Files.readString(cert));
            assertThat(json.getString("verdict")).isEqualTo("INCONSISTENT");
            assertThat(json.getList("deadLetters", Document.class).get(0).getString("key"))
                    .isEqualTo("dead-letter-1");
            Result allowed = cutover(jobFile, cert, "--quiet-for", "1s", "--allow-dead-letters");
            assertThat(allowed.code).as(allowed.output).isZero();
        } finally {
            job.cancel().get();
        }

        // 4. An open mismatch recorded by the reconciler (written here as it would).
        String flagged = docs.get(7).getString("_id");
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            st.execute(MismatchRows.DDL);
            st.execute(
                    "INSERT INTO "
                            + MismatchRows.TABLE
                            + " (collection, tbl, doc_key, kind, src_version, mysql_version,"
                            + " first_seen, status, detected_by, dedup) VALUES ('reviews',"
                            + " 'reviews', '"
                            + flagged
                            + "', 'different', 5, 4, NOW(3), 'open', 'sweep', UNHEX(SHA2('x',"
                            + " 256)))");
        }
        Result open = cutover(jobFile, cert, "--quiet-for", "1s", "--allow-dead-letters");
        assertThat(open.code).as(open.output).isEqualTo(1);
        assertThat(open.output).contains("open mismatch: reviews " + flagged);
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            st.execute("UPDATE " + MismatchRows.TABLE + " SET status = 'resolved'");
        }

        // 5. A row changed in MySQL behind the job's back.
        String tampered = docs.get(300).getString("_id");
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            st.execute("UPDATE reviews SET star_rating = 0 WHERE _id = '" + tampered + "'");
        }
        Result corrupt = cutover(jobFile, cert, "--quiet-for", "1s", "--allow-dead-letters");
        assertThat(corrupt.code).as(corrupt.output).isEqualTo(1);
        assertThat(corrupt.output).contains("different: reviews " + tampered);
        Document json = Document.parse(Files.readString(cert));
        Document table = json.getList("tables", Document.class).get(0);
        assertThat(table.getBoolean("digestsEqual")).isFalse();
        assertThat(json.getList("mismatches", Document.class).get(0).getString("key"))
                .isEqualTo(tampered);
    }

    /**
     * On a MariaDB with a ROW binlog, the certificate records where the reverse direction starts:
     * read before the final sweep, with the migration job stopped it is the server's end of binlog
     * (read here on its own after the cutover). Without a reverse job, {@code cutover --to mongodb}
     * gives up after --timeout naming the marker it waited for.
     */
    @Test
    void recordsTheBinlogPointWhereTheWayBackStarts(@TempDir Path dir) throws Exception {
        try (EmbeddedMariaDb server =
                EmbeddedMariaDb.start(dir.resolve("mariadb"), BinlogCheck.SERVER_OPTIONS)) {
            server.createDatabase("cutover_binlog");
            String url = server.jdbcUrl("cutover_binlog");
            MigrationFixture f =
                    new MigrationFixture("cutover_binlog")
                            .collections(ReviewDocuments.mappingYaml("reviews"))
                            .target(url);
            f.mongo().getCollection("reviews").insertMany(new ReviewDocuments(5).next(200));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            JobClient job = f.start(env);
            try {
                f.awaitConsistent(MigrationFixture.TIMEOUT);
            } finally {
                // Stopped at cutover: its XA transactions must not follow the recorded point.
                job.cancel().get();
            }
            Path cert = dir.resolve("cert.json");
            String[] servers = {"--mongo-uri", TestMongo.uri(), "--mysql-url", url};
            Result ok =
                    both(
                            concat(
                                    "cutover",
                                    concat(
                                            servers,
                                            "--out",
                                            cert.toString(),
                                            "--quiet-for",
                                            "1s",
                                            "--settle",
                                            "1s")));
            assertThat(ok.code).as(ok.output).isZero();
            Document json = Document.parse(Files.readString(cert));
            assertThat(json.getString("verdict")).isEqualTo("CONSISTENT");
            Document start = json.get("reverseStartsAt", Document.class);
            assertThat(start).as(json.toJson()).isNotNull();
            try (Connection c = f.mysql();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SHOW BINLOG STATUS")) {
                assertThat(rs.next()).isTrue();
                assertThat(start.getString("file")).isEqualTo(rs.getString("File"));
                assertThat(number(start, "position")).isEqualTo(rs.getLong("Position"));
            }
            assertThat(json.getString("reverseStartsAtNote"))
                    .contains("reverse --from-certificate " + cert);
            assertThat(ok.output)
                    .contains(
                            "reverse starts at     "
                                    + start.getString("file")
                                    + ":"
                                    + number(start, "position"));

            // The way back without a reverse job: refused after --timeout, the marker named.
            Result back =
                    both(
                            concat(
                                    "cutover",
                                    concat(
                                            servers,
                                            "--to",
                                            "mongodb",
                                            "--out",
                                            dir.resolve("back.json").toString(),
                                            "--timeout",
                                            "2s")));
            assertThat(back.code).as(back.output).isEqualTo(2);
            assertThat(back.output)
                    .contains("--timeout 2s passed before the reverse job recorded marker 1")
                    .contains("holds no marker")
                    .contains("Is bin/dbtransfer reverse running");
            assertThat(Files.exists(dir.resolve("back.json"))).isFalse();

            // reverse's preflight: the job's XA transactions follow the binlog's first position.
            Result xa =
                    both(
                            concat(
                                    "reverse",
                                    concat(
                                            servers,
                                            "--start-at",
                                            start.getString("file").replaceFirst("\\d+$", "")
                                                    + "000001:4")));
            assertThat(xa.code).as(xa.output).isEqualTo(2);
            assertThat(xa.output)
                    .contains("reverse: refused before starting")
                    .contains("an XA transaction follows it")
                    .contains("Stop the migration job");
        }
    }

    @Test
    void unreachableDatabasesExitTwoNamingTheSetting(@TempDir Path dir) throws Exception {
        MigrationFixture f =
                new MigrationFixture("cutover_down")
                        .collections("items:\n  columns:\n    v: INT\n");
        f.mongo().getCollection("items").insertOne(new Document("_id", 1).append("v", 1));
        Path job = f.writeJobFile(dir.resolve("job.yaml"));

        Result mysqlDown =
                main(
                        "cutover",
                        "--config",
                        job.toString(),
                        "--mysql-url",
                        "jdbc:mysql://127.0.0.1:1/nowhere",
                        "--quiet-for",
                        "1s");
        assertThat(mysqlDown.code).isEqualTo(2);
        assertThat(mysqlDown.output).contains("mysql.url: cannot connect to");

        Result mongoDown =
                main(
                        "verify",
                        "--config",
                        job.toString(),
                        "--mongo-uri",
                        "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500");
        assertThat(mongoDown.code).isEqualTo(2);
        assertThat(mongoDown.output).contains("mongo.uri: cannot reach MongoDB at");
        Result cutoverMongoDown =
                main(
                        "cutover",
                        "--config",
                        job.toString(),
                        "--mongo-uri",
                        "mongodb://127.0.0.1:1/",
                        "--quiet-for",
                        "1s");
        assertThat(cutoverMongoDown.code).isEqualTo(2);
        assertThat(cutoverMongoDown.output).contains("mongo.uri: cannot reach MongoDB");

        Result noTables = main("cutover", "--config", job.toString(), "--quiet-for", "1s");
        assertThat(noTables.code).isEqualTo(2);
        assertThat(noTables.output).contains("mysql.url: the mapped table(s) [items] do not exist");

        Result badTime =
                main("cutover", "--config", job.toString(), "--covered-until", "yesterday");
        assertThat(badTime.code).isEqualTo(2);
        assertThat(badTime.output).contains("--covered-until needs an ISO-8601 time");
    }

    /**
     * The same verdicts on a PostgreSQL target, with the mapping the job recorded there (no {@code
     * --config}): a consistent migration certifies, a dead letter and an open mismatch are named
     * with exit 1, a row changed in PostgreSQL behind the job gives exit 1 naming its key (in
     * {@code verify} too), and an unreachable server gives exit 2 naming the setting.
     */
    @Test
    void postgresTargetCertifiesAndNamesEachInconsistency(@TempDir Path dir) throws Exception {
        MigrationFixture f =
                new MigrationFixture("cutover_pg", TestTarget.POSTGRESQL)
                        .collections(ReviewDocuments.mappingYaml("reviews"))
                        .set("reconcile.enabled", "false");
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        List<Document> docs = new ReviewDocuments(23).next(300);
        for (int i = 0; i < 50; i++) {
            docs.get(i).append("images", List.of("a" + i + ".jpg"));
        }
        coll.insertMany(docs);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        JobClient job = f.start(env);
        Path cert = dir.resolve("cert.json");
        String[] recorded = {
            "--mongo-uri",
            TestMongo.uri(),
            "--mysql-url",
            f.mysqlUrl,
            "--out",
            cert.toString(),
            "--settle",
            "1s",
            "--timeout",
            "120s",
            "--quiet-for",
            "1s"
        };
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            Result ok = both(concat("cutover", recorded));
            assertThat(ok.code).as(ok.output).isZero();
            assertThat(ok.output)
                    .contains("using the mapping the job recorded in the target")
                    .contains("DBtransfer cutover certificate: CONSISTENT");
            Document json = Document.parse(Files.readString(cert));
            assertThat(version(json, "targetHighWaterMark")).isEqualTo(pgHighWaterMark(f));
            Document table = json.getList("tables", Document.class).get(0);
            assertThat(number(table, "sourceDocuments")).isEqualTo(300);
            assertThat(number(table, "targetRows")).isEqualTo(pgCount(f, "reviews"));
            assertThat(number(table, "childRows")).isGreaterThanOrEqualTo(50);
            assertThat(json.get("reverseStartsAt")).as("no way back from PostgreSQL").isNull();
            assertThat(json.getString("direction")).isEqualTo("mongodb-to-postgresql");
            assertThat(json.getString("reverseStartsAtNote")).contains("PostgreSQL target");

            coll.insertOne(
                    new Document("_id", "dead-letter-pg")
                            .append("rating", new Document("stars", "five")));
            Eventually.waitUntil(
                    MigrationFixture.TIMEOUT,
                    "the dead letter in PostgreSQL",
                    () -> pgCount(f, DeadLetterRows.TABLE) > 0);
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            Result dead = both(concat("cutover", recorded));
            assertThat(dead.code).as(dead.output).isEqualTo(1);
            assertThat(dead.output).contains("dead letter: reviews dead-letter-pg");
        } finally {
            job.cancel().get();
        }
        String[] allowing = concat("cutover", recorded);
        allowing = java.util.Arrays.copyOf(allowing, allowing.length + 1);
        allowing[allowing.length - 1] = "--allow-dead-letters";
        Result allowed = both(allowing);
        assertThat(allowed.code).as(allowed.output).isZero();

        // An open mismatch, in a table holding only the columns every version of it has.
        String flagged = docs.get(7).getString("_id");
        try (Connection c = TestTarget.connect(f.mysqlUrl);
                Statement st = c.createStatement()) {
            st.execute(
                    "CREATE TABLE IF NOT EXISTS _dbtransfer_mismatch (collection varchar(255),"
                            + " tbl varchar(64), doc_key varchar(768), kind varchar(16),"
                            + " status varchar(16))");
            st.execute(
                    "INSERT INTO _dbtransfer_mismatch VALUES ('reviews', 'reviews', '"
                            + flagged
                            + "', 'different', 'open')");
        }
        Result open = both(allowing);
        assertThat(open.code).as(open.output).isEqualTo(1);
        assertThat(open.output).contains("open mismatch: reviews " + flagged);
        try (Connection c = TestTarget.connect(f.mysqlUrl);
                Statement st = c.createStatement()) {
            st.execute("UPDATE _dbtransfer_mismatch SET status = 'resolved'");
        }

        // A row changed in PostgreSQL behind the job's back.
        String tampered = docs.get(200).getString("_id");
        try (Connection c = TestTarget.connect(f.mysqlUrl);
                Statement st = c.createStatement()) {
            st.execute("UPDATE reviews SET star_rating = 0 WHERE _id = '" + tampered + "'");
        }
        Result corrupt = both(allowing);
        assertThat(corrupt.code).as(corrupt.output).isEqualTo(1);
        assertThat(corrupt.output).contains("different: reviews " + tampered);
        Document json = Document.parse(Files.readString(cert));
        assertThat(json.getList("mismatches", Document.class).get(0).getString("key"))
                .isEqualTo(tampered);
        Result verify =
                both(
                        "verify",
                        "--mongo-uri",
                        TestMongo.uri(),
                        "--mysql-url",
                        f.mysqlUrl,
                        "--report",
                        dir.resolve("verify.json").toString());
        assertThat(verify.code).as(verify.output).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("verify.json"))).contains(tampered);

        Result down =
                both(
                        "cutover",
                        "--mongo-uri",
                        TestMongo.uri(),
                        "--mysql-url",
                        "jdbc:postgresql://127.0.0.1:1/nowhere",
                        "--quiet-for",
                        "1s");
        assertThat(down.code).as(down.output).isEqualTo(2);
        assertThat(down.output).contains("mysql.url: cannot connect to");
    }

    private static String[] concat(String[] first, String... rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(rest));
        return all.toArray(new String[0]);
    }

    private static boolean binlogOn(MigrationFixture f) throws Exception {
        try (Connection c = f.mysql();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT @@log_bin")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static String[] concat(String first, String[] rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(List.of(rest));
        return all.toArray(new String[0]);
    }

    private static long pgCount(MigrationFixture f, String table) throws Exception {
        try (Connection c = TestTarget.connect(f.mysqlUrl);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM \"" + table + "\"")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The largest version in the mapped table, its tombstones and dead letters, read here. */
    private static long pgHighWaterMark(MigrationFixture f) throws Exception {
        long max = 0;
        try (Connection c = TestTarget.connect(f.mysqlUrl);
                Statement st = c.createStatement()) {
            for (String sql :
                    List.of(
                            "SELECT max(_src_version)::text FROM reviews",
                            "SELECT max(version)::text FROM _dbtransfer_tombstone"
                                    + " WHERE tbl = 'reviews'")) {
                try (ResultSet rs = st.executeQuery(sql)) {
                    if (rs.next() && rs.getString(1) != null) {
                        long v = Long.parseUnsignedLong(rs.getString(1));
                        max = Long.compareUnsigned(v, max) > 0 ? v : max;
                    }
                }
            }
        }
        return max;
    }

    /** Live updates, inserts and deletes on documents past the first ten (not started). */
    private static LiveTraffic traffic(
            MongoCollection<Document> coll, List<Document> docs, ReviewDocuments gen) {
        List<Object> keys = new ArrayList<>();
        for (Document d : docs.subList(10, docs.size())) {
            keys.add(d.getString("_id"));
        }
        return LiveTraffic.on(coll)
                .seed(1)
                .keys(keys)
                .delete()
                .insert(gen::next)
                .update(
                        (r, n) ->
                                Updates.push(
                                        "comments",
                                        new Document("user", "u" + r.nextInt(100))
                                                .append("text", "live comment")))
                .update(2, (r, n) -> Updates.set("headline", "live " + r.nextInt()))
                .pause(Duration.ofMillis(5))
                .name("cutover-writer")
                .build();
    }

    /** The largest version in the mapped table and its tombstones, read here. */
    private static long independentHighWaterMark(MigrationFixture f) throws Exception {
        long max = 0;
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            for (String sql :
                    List.of(
                            "SELECT MAX(_src_version) FROM reviews",
                            "SELECT MAX(version) FROM _dbtransfer_tombstone WHERE tbl = 'reviews'")) {
                try (ResultSet rs = st.executeQuery(sql)) {
                    if (rs.next() && rs.getString(1) != null) {
                        long v = Long.parseUnsignedLong(rs.getString(1));
                        max = Long.compareUnsigned(v, max) > 0 ? v : max;
                    }
                }
            }
        }
        return max;
    }

    /**
     * The per-table digests computed here: MongoDB read with the driver, MySQL streamed whole; both
     * the XOR of {@link RowHasher#keyDigest} over every key.
     */
    private static Hash128[] independentDigests(MigrationFixture f) throws Exception {
        JobConfig config = f.config();
        TableSpec table = config.mapping().tableFor("reviews");
        DocumentNormalizer normalizer =
                new DocumentNormalizer(config.mapping(), config.mismatchPolicy());
        Hash128 source = Hash128.ZERO;
        for (BsonDocument d : f.mongo().getCollection("reviews", BsonDocument.class).find()) {
            RowChange change =
                    normalizer.normalize(
                                    ChangeRecord.upsert(
                                            "reviews",
                                            CanonicalValues.canonicalJson(d.get("_id")),
                                            d.toJson(CanonicalValues.CANONICAL),
                                            0L),
                                    0L)
                            .change;
            source =
                    source.xor(
                            RowHasher.keyDigest(
                                    change.parent[0],
                                    0,
                                    RowHasher.document(table, change.parent, change.children)));
        }
        Hash128 target = Hash128.ZERO;
        try (Connection c = f.mysql()) {
            for (Map.Entry<String, MySqlReadBack.Observed> e :
                    MySqlReadBack.scan(c, table, k -> true).entrySet()) {
                target = target.xor(RowHasher.keyDigest(e.getKey(), 0, e.getValue().hash));
            }
        }
        return new Hash128[] {source, target};
    }

    private static long version(Document json, String field) {
        return Long.parseUnsignedLong(json.get(field, Document.class).getString("version"));
    }

    private static long number(Document d, String field) {
        return d.get(field, Number.class).longValue();
    }

    /** Exit code and everything printed. */
    private static final class Result {
        final int code;
        final String output;

        Result(int code, String output) {
            this.code = code;
            this.output = output;
        }
    }

    private static Result cutover(Path jobFile, Path cert, String... options) {
        List<String> args = new ArrayList<>(List.of("--config", jobFile.toString()));
        args.addAll(List.of("--out", cert.toString(), "--settle", "1s", "--timeout", "120s"));
        args.addAll(List.of(options));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(sink, true, StandardCharsets.UTF_8);
        try {
            int code = new CutoverCommand(args.toArray(new String[0]), ps, ps).run();
            return new Result(code, sink.toString(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new AssertionError("cutover failed: " + sink.toString(StandardCharsets.UTF_8), e);
        }
    }

    /** Like {@link #main}, with standard output captured too. */
    private static Result both(String... args) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(sink, true, StandardCharsets.UTF_8);
        int code = Main.exec(args, ps, ps);
        return new Result(code, sink.toString(StandardCharsets.UTF_8));
    }

    private static Result main(String... args) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(sink, true, StandardCharsets.UTF_8);
        int code = Main.exec(args, ps);
        return new Result(code, sink.toString(StandardCharsets.UTF_8));
    }
}
