package io.dbtransfer.cli;

import io.dbtransfer.testing.IndependentOracle;
import io.dbtransfer.testing.TestMySql;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
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
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README command 1, small: the demo starts its own emulator, MariaDB and job, writes live changes
 * during the snapshot, and reports CONSISTENT only when both sides hold the same data.
 */
class DemoCommandITCase {

    @Test
    void demoReportsConsistentWithLiveChanges(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.json");
        int exit =
                Main.run(
                        new String[] {
                            "demo",
                            "--docs",
                            "2000",
                            "--live-changes",
                            "400",
                            "--live-rate",
                            "400",
                            "--report",
                            report.toString(),
                            "--work-dir",
                            dir.resolve("work").toString()
                        });
        String json = Files.readString(report);
        assertThat(exit).as(json).isZero();
        assertThat(json)
                .contains("\"verdict\": \"CONSISTENT\"")
                .contains("\"reconcileVerdict\": \"CONSISTENT\"")
                .contains("\"missing\": 0")
                .contains("\"extra\": 0")
                .contains("\"different\": 0")
                .contains("\"liveChangesApplied\": 400");
    }

    /**
     * {@code --round-trip}: migrate, cutover (certificate 1 with the binlog point), reverse job,
     * application writes to MySQL, cutover --to mongodb (certificate 2). Both certificates are
     * CONSISTENT, and at the end MongoDB equals MySQL and holds what the application wrote, each
     * read here on its own.
     */
    @Test
    void roundTripEndsWithTwoConsistentCertificates(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.json");
        Path work = dir.resolve("work");
        DemoCommand demo = new DemoCommand();
        Main.parse(
                demo,
                new String[] {
                    "--round-trip",
                    "--docs",
                    "600",
                    "--live-changes",
                    "100",
                    "--live-rate",
                    "400",
                    "--report",
                    report.toString(),
                    "--work-dir",
                    work.toString()
                });
        List<String> differences = new ArrayList<>();
        List<Object> written = new ArrayList<>();
        demo.beforeShutdown =
                (mongoUri, mysqlUrl) -> {
                    try (MongoClient client = MongoClients.create(mongoUri)) {
                        MongoDatabase mongo = client.getDatabase("demo");
                        differences.addAll(
                                IndependentOracle.reviewColumns("reviews")
                                        // not _extra: its check also flags documents the
                                        // forward demo's live replaces wrote, which the round
                                        // trip does not touch
                                        .differences(mongo, mysqlUrl));
                        Document edited =
                                mongo.getCollection("reviews")
                                        .find(Filters.eq("_id", "after-cutover-0-0"))
                                        .first();
                        written.add(edited);
                        written.add(
                                mongo.getCollection("reviews")
                                        .countDocuments(Filters.eq("_id", "after-cutover-0-1")));
                        try (Connection c = TestMySql.connect(mysqlUrl);
                                Statement st = c.createStatement();
                                ResultSet rs =
                                        st.executeQuery(
                                                "SELECT COUNT(*) FROM reviews WHERE _id LIKE"
                                                        + " 'after-cutover-%'")) {
                            rs.next();
                            written.add(rs.getLong(1));
                        }
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                };
        int exit = demo.run();
        String json = Files.readString(report);
        assertThat(differences).as("MongoDB equals MySQL, read independently").isEmpty();
        Document back = Document.parse(Files.readString(work.resolve("cutback-certificate.json")));
        assertThat(back.getString("verdict")).as(back.toJson()).isEqualTo("CONSISTENT");
        assertThat(exit).as(json).isZero();
        Document edited = (Document) written.get(0);
        assertThat(edited).as("a review inserted into MySQL after the cutover").isNotNull();
        assertThat(((Number) edited.get("rating", Document.class).get("stars")).intValue())
                .isEqualTo(5);
        assertThat(edited.getList("comments", Document.class)).hasSize(2);
        assertThat(written.get(1)).as("deleted in MySQL, gone from MongoDB").isEqualTo(0L);
        assertThat(written.get(2)).isEqualTo(29L);
        Document first = Document.parse(Files.readString(work.resolve("cutover-certificate.json")));
        Document second =
                Document.parse(Files.readString(work.resolve("cutback-certificate.json")));
        assertThat(first.getString("verdict")).isEqualTo("CONSISTENT");
        assertThat(first.get("reverseStartsAt")).isNotNull();
        assertThat(second.getString("verdict")).as(second.toJson()).isEqualTo("CONSISTENT");
        assertThat(second.getString("direction")).isEqualTo("mysql-to-mongodb");
        assertThat(json)
                .contains("\"cutoverVerdict\": \"CONSISTENT\"")
                .contains("\"cutBackVerdict\": \"CONSISTENT\"");
    }

    /**
     * {@code --target postgresql}: embedded PostgreSQL instead of MariaDB, the job with reconcile,
     * CONSISTENT by the independent comparison and by reconcile (no mismatch recorded).
     */
    @Test
    void demoOnPostgresReportsConsistent(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.json");
        int exit =
                Main.run(
                        new String[] {
                            "demo",
                            "--target",
                            "postgresql",
                            "--docs",
                            "1000",
                            "--live-changes",
                            "200",
                            "--live-rate",
                            "400",
                            "--report",
                            report.toString(),
                            "--work-dir",
                            dir.resolve("work").toString()
                        });
        String json = Files.readString(report);
        assertThat(exit).as(json).isZero();
        assertThat(json)
                .contains("\"verdict\": \"CONSISTENT\"")
                .contains("\"target\": \"postgresql\"")
                .contains("\"reconcileVerdict\": \"CONSISTENT\"")
                .contains("\"reconcileMismatches\": 0")
                .contains("\"missing\": 0")
                .contains("\"extra\": 0")
                .contains("\"different\": 0")
                .contains("\"liveChangesApplied\": 200");
    }

    @Test
    void demoLoadsTheUsersOwnDocuments(@TempDir Path dir) throws Exception {
        Path load = dir.resolve("docs.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            lines.append("{\"_id\": {\"$oid\": \"")
                    .append(String.format("%024x", i))
                    .append("\"}, \"n\": ")
                    .append(i)
                    .append(
                            ", \"nested\": {\"when\": {\"$date\": \"2031-01-01T00:00:00Z\"}, \"tags\": [\"a\", ")
                    .append(i)
                    .append("]}, \"rating\": {\"stars\": 3}}\n");
        }
        Files.writeString(load, lines);
        Path report = dir.resolve("report.json");
        int exit =
                Main.run(
                        new String[] {
                            "demo",
                            "--load",
                            load.toString(),
                            "--live-changes",
                            "100",
                            "--report",
                            report.toString(),
                            "--work-dir",
                            dir.resolve("work").toString()
                        });
        String json = Files.readString(report);
        assertThat(exit).as(json).isZero();
        assertThat(json).contains("\"verdict\": \"CONSISTENT\"").contains("\"sourceDocuments\": ");
    }

    /**
     * Every line of the file is loaded (no hold-back unless asked), UUIDs, binary subtypes 03, 04
     * and 0x80, a symbol and undefined included; a line the parser refuses and one the server
     * refuses are reported with their line numbers and reasons while the rest load and are checked.
     */
    @Test
    void demoLoadsEveryLineAndReportsTheLinesItCannotLoad(@TempDir Path dir) throws Exception {
        Path load = dir.resolve("docs.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= 30; i++) {
            String extra =
                    switch (i) {
                        case 4 -> ", \"u\": {\"$uuid\": \"00112233-4455-6677-8899-aabbccddeeff\"}";
                        case 5 ->
                                ", \"b3\": {\"$binary\": {\"base64\": \"ABEiM0RVZneImaq7zN3u/w==\","
                                        + " \"subType\": \"03\"}}";
                        case 6 ->
                                ", \"b4\": {\"$binary\": {\"base64\": \"ABEiM0RVZneImaq7zN3u/w==\","
                                        + " \"subType\": \"04\"}}";
                        // The repro: the emulator closed the connection on a symbol.
                        case 7 -> ", \"s\": {\"$symbol\": \"legacy\"}";
                        case 8 -> ", \"undef\": {\"$undefined\": true}";
                        case 9 ->
                                ", \"b80\": {\"$binary\": {\"base64\": \"AQID\","
                                        + " \"subType\": \"80\"}}";
                        // Flink CDC's JSON writes a DBPointer like a DBRef document.
                        case 11 ->
                                ", \"p\": {\"$dbPointer\": {\"$ref\": \"shop.items\", \"$id\":"
                                        + " {\"$oid\": \"65a1b2c3d4e5f6a7b8c9aaaa\"}}},"
                                        + " \"r\": {\"$ref\": \"items\", \"$id\":"
                                        + " {\"$oid\": \"65a1b2c3d4e5f6a7b8c9bbbb\"}}";
                        default -> "";
                    };
            String line =
                    switch (i) {
                        case 10 -> "{not json";
                        case 12 -> "{\"_id\": 2, \"n\": 12}"; // the same _id as line 2
                        case 15 -> "";
                        default -> "{\"_id\": " + i + ", \"n\": " + i + extra + "}";
                    };
            lines.append(line).append('\n');
        }
        Files.writeString(load, lines);
        Path report = dir.resolve("report.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit =
                Main.exec(
                        new String[] {
                            "demo",
                            "--load",
                            load.toString(),
                            "--live-changes",
                            "0",
                            "--report",
                            report.toString(),
                            "--work-dir",
                            dir.resolve("work").toString()
                        },
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        String errText = err.toString(StandardCharsets.UTF_8);
        assertThat(report).as(errText).exists();
        String json = Files.readString(report);
        assertThat(exit).as(json + errText).isZero();
        assertThat(json)
                .contains("\"verdict\": \"CONSISTENT\"")
                .contains("\"loadedDocuments\": 27")
                .contains("\"heldBackDocuments\": 0")
                .contains("\"rejectedDocuments\": 2")
                .contains("\"sourceDocuments\": 27")
                .contains("\"missing\": 0")
                .contains("line 10: not a MongoDB Extended JSON document")
                .contains("line 12: ")
                .containsIgnoringCase("duplicate key");
        assertThat(errText).doesNotContain("Prematurely").doesNotContain("Exception");
    }

    @Test
    void holdBackIsOnlyDoneWhenAsked(@TempDir Path dir) throws Exception {
        Path load = dir.resolve("docs.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= 20; i++) {
            lines.append("{\"_id\": ").append(i).append(", \"n\": ").append(i).append("}\n");
        }
        Files.writeString(load, lines);
        Path report = dir.resolve("report.json");
        int exit =
                Main.run(
                        new String[] {
                            "demo",
                            "--load",
                            load.toString(),
                            "--hold-back",
                            "25%",
                            "--live-changes",
                            "40",
                            "--report",
                            report.toString(),
                            "--work-dir",
                            dir.resolve("work").toString()
                        });
        String json = Files.readString(report);
        assertThat(exit).as(json).isZero();
        assertThat(json)
                .contains("\"verdict\": \"CONSISTENT\"")
                .contains("\"loadedDocuments\": 15")
                .contains("\"heldBackDocuments\": 5")
                .contains("\"rejectedDocuments\": 0");
    }

    @Test
    void aBadHoldBackIsRefusedNamingTheOption(@TempDir Path dir) throws Exception {
        Path load = dir.resolve("docs.jsonl");
        Files.writeString(load, "{\"_id\": 1}\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit =
                Main.exec(
                        new String[] {"demo", "--load", load.toString(), "--hold-back", "150%"},
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--hold-back");
    }
}
