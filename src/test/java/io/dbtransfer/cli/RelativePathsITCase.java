package io.dbtransfer.cli;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.pipeline.TargetPreparation;
import io.dbtransfer.sink.ChangeApplier;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.TestMongo;

import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/dbtransfer} as a user runs it, from another directory than the checkout: relative
 * {@code --config}, {@code --out} and {@code --report} resolve against that directory.
 */
class RelativePathsITCase {

    /** Exit code and output of one run of the script. */
    record Run(int exit, String stdout, String stderr) {}

    private static Run script(Path workingDir, String... args) throws Exception {
        Path script = Path.of("bin", "dbtransfer").toAbsolutePath();
        List<String> cmd = new ArrayList<>();
        cmd.add(script.toString());
        cmd.addAll(List.of(args));
        File out = File.createTempFile("stdout", ".txt");
        File err = File.createTempFile("stderr", ".txt");
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .directory(workingDir.toFile())
                        .redirectOutput(out)
                        .redirectError(err);
        // The test's classpath: the script runs without building.
        pb.environment().put("DBTRANSFER_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().put("DBTRANSFER_JAVA_OPTS", "-Xmx256m");
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("bin/dbtransfer finished").isTrue();
        return new Run(
                p.exitValue(),
                Files.readString(out.toPath(), StandardCharsets.UTF_8),
                Files.readString(err.toPath(), StandardCharsets.UTF_8));
    }

    @Test
    void relativePathsResolveAgainstTheCallersDirectory(@TempDir Path dir) throws Exception {
        MigrationFixture f =
                new MigrationFixture("relative").collections("items:\n  columns:\n    v: INT\n");
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            docs.add(new Document("_id", i).append("v", i * 3));
        }
        f.mongo().getCollection("items").insertMany(docs);
        JobConfig config = f.config();
        TargetPreparation.prepare(config, false);
        DocumentNormalizer normalizer =
                new DocumentNormalizer(config.mapping(), config.mismatchPolicy());
        List<RowChange> rows = new ArrayList<>();
        for (BsonDocument d : f.mongo().getCollection("items", BsonDocument.class).find()) {
            rows.add(
                    normalizer.normalize(
                                    ChangeRecord.upsert(
                                            "items",
                                            CanonicalValues.canonicalJson(d.get("_id")),
                                            d.toJson(CanonicalValues.CANONICAL),
                                            7L),
                                    0L)
                            .change);
        }
        try (Connection c = f.mysql()) {
            c.setAutoCommit(false);
            new ChangeApplier(config.mapping()).apply(c, rows);
            c.commit();
        }
        Path work = Files.createDirectories(dir.resolve("work"));
        f.writeJobFile(work.resolve("job.yaml"));

        Run verify = script(work, "verify", "--config", "job.yaml", "--report=out/report.json");
        assertThat(verify.exit()).as(verify.stdout() + verify.stderr()).isZero();
        assertThat(Files.readString(work.resolve("out/report.json")))
                .contains("\"verdict\": \"CONSISTENT\"")
                .contains("\"sourceDocuments\": 50");

        Run infer =
                script(
                        work,
                        "infer-mapping",
                        "--mongo-uri",
                        TestMongo.uri(),
                        "--database=" + f.mongoDatabase,
                        "--collection",
                        "items",
                        "--out",
                        "mapping.yaml");
        assertThat(infer.exit()).as(infer.stdout() + infer.stderr()).isZero();
        assertThat(Files.readString(work.resolve("mapping.yaml"))).contains("items:");
        assertThat(infer.stdout()).contains("Proposed mapping written to mapping.yaml");
    }
}
