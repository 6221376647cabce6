package io.dbtransfer.verify;

import io.dbtransfer.cli.VerifyCommand;
import io.dbtransfer.config.JobConfig;
import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.sink.ChangeApplier;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.TestTarget;
import io.dbtransfer.workload.ReviewDocuments;

import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code verify} against a real MongoDB wire server and each target (MariaDB/MySQL, PostgreSQL):
 * the target is filled with the sink's own applier (no job), then corrupted with plain SQL; the
 * verdict, counts, keys and exit codes must follow. A consistent verdict means the target's rows
 * hash as the source documents do, so the canonical row form read back is the same on both targets
 * (the mapping includes a JSON column: PostgreSQL's jsonb reorders keys and whitespace).
 */
class VerifyCommandITCase {

    /** The review mapping plus a JSON column holding a whole sub-document. */
    static String mappingYaml() {
        return ReviewDocuments.mappingYaml("reviews")
                .replace(
                        "    review_date: {path: date, type: DATETIME}\n",
                        "    review_date: {path: date, type: DATETIME}\n"
                                + "    product_json: {path: product, type: JSON}\n");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestTarget.class)
    void consistentThenEachCorruptionNamedWithExitCodes(TestTarget target, @TempDir Path dir)
            throws Exception {
        MigrationFixture f = new MigrationFixture("verify_cmd", target).collections(mappingYaml());
        TargetDialect dialect = TargetDialect.of(target.type());
        List<Document> docs = new ReviewDocuments(21).next(2500);
        f.mongo().getCollection("reviews").insertMany(docs);
        JobConfig config = f.config();
        DocumentNormalizer normalizer =
                new DocumentNormalizer(config.mapping(), config.mismatchPolicy());
        List<RowChange> rows = new ArrayList<>();
        for (BsonDocument d : f.mongo().getCollection("reviews", BsonDocument.class).find()) {
            rows.add(
                    normalizer.normalize(
                                    ChangeRecord.upsert(
                                            "reviews",
                                            CanonicalValues.canonicalJson(d.get("_id")),
                                            d.toJson(CanonicalValues.CANONICAL),
                                            7L),
                                    0L)
                            .change);
        }
        try (Connection c = TestTarget.connect(f.mysqlUrl)) {
            SchemaManager.createTables(c, config.mapping(), dialect);
            c.setAutoCommit(false);
            new ChangeApplier(config.mapping(), dialect).apply(c, rows);
            c.commit();
        }
        Path report = dir.resolve("report.json");
        String[] args = {
            "--mongo-uri",
            f.config().get(io.dbtransfer.config.JobOptions.MONGO_URI),
            "--database",
            f.mongoDatabase,
            "--mysql-url",
            f.mysqlUrl,
            "--set",
            "collections=" + "",
            "--report",
            report.toString(),
            "--chunk-size",
            "300",
            "--recheck-delay-ms",
            "100"
        };
        String[] cmd = withMapping(args, dir);
        assertThat(run(cmd)).isZero();
        String json = Files.readString(report);
        assertThat(json)
                .contains("\"verdict\": \"CONSISTENT\"")
                .contains("\"sourceDocuments\": 2500")
                .contains("\"targetRows\": 2500")
                .contains("\"chunks\": 9");
        if (target == TestTarget.POSTGRESQL) {
            String[] recorded = java.util.Arrays.copyOf(cmd, cmd.length - 2); // no --config
            // The target was filled without a job, so no mapping is recorded: verify says so.
            assertThatThrownBy(() -> run(recorded))
                    .hasMessageContaining("No mapping is recorded in the target")
                    .hasMessageContaining("--config job.yaml");
            // A record written as a job writes it is read on PostgreSQL.
            try (Connection c = TestTarget.connect(f.mysqlUrl)) {
                MappingRecord.write(
                        c,
                        f.mongoDatabase,
                        config.mapping(),
                        config.collections(),
                        config.mismatchPolicy(),
                        "VerifyCommandITCase");
            }
            assertThat(run(recorded)).isZero();
            assertThat(run(cmd)).isZero();
            assertThat(Files.readString(report)).contains("\"verdict\": \"CONSISTENT\"");
        }

        String changed = docs.get(10).getString("_id");
        String deleted = docs.get(1500).getString("_id");
        try (Connection c = TestTarget.connect(f.mysqlUrl);
                Statement st = c.createStatement()) {
            st.execute(
                    "UPDATE reviews SET review_headline = 'tampered' WHERE _id = '"
                            + changed
                            + "'");
            st.execute("DELETE FROM reviews WHERE _id = '" + deleted + "'");
            st.execute("INSERT INTO reviews (_id, _src_version) VALUES ('zzz-extra', 1)");
        }
        assertThat(run(cmd)).isEqualTo(1);
        json = Files.readString(report).replaceAll("\\s+", "");
        assertThat(json)
                .contains("\"verdict\":\"INCONSISTENT\"")
                .contains("\"missing\":1")
                .contains("\"extra\":1")
                .contains("\"different\":1")
                .contains("\"key\":\"" + changed + "\",\"kind\":\"different\"")
                .contains("\"key\":\"" + deleted + "\",\"kind\":\"missing\"")
                .contains("\"key\":\"zzz-extra\",\"kind\":\"extra\"");

        String[] bad = cmd.clone();
        bad[List.of(bad).indexOf("--chunk-size") + 1] = "lots";
        assertThatThrownBy(() -> run(bad))
                .isInstanceOf(picocli.CommandLine.ParameterException.class)
                .hasMessageContaining(
                        "Invalid value for option '--chunk-size': 'lots' is not an int");
    }

    private static String[] withMapping(String[] args, Path dir) throws Exception {
        Path job = dir.resolve("job.yaml");
        Files.writeString(job, "collections:\n" + mappingYaml().replaceAll("(?m)^", "  "));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].equals("--set")) {
                out.add(args[i]);
                out.add(args[i + 1]);
            }
        }
        out.add("--config");
        out.add(job.toString());
        return out.toArray(new String[0]);
    }

    private static int run(String[] args) throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(sink, true, StandardCharsets.UTF_8);
        return new VerifyCommand(args, ps, ps).run();
    }
}
