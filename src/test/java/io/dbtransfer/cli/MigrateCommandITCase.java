package io.dbtransfer.cli;

import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.TestDurations;
import io.dbtransfer.testing.TestMongo;

import org.apache.flink.core.execution.JobClient;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/dbtransfer migrate}: the job in a local MiniCluster; its retained checkpoints let a
 * stopped migration resume with exactly the changes made while it was down.
 */
class MigrateCommandITCase {

    @Test
    void migrateStopAndResumeFromTheRetainedCheckpoint(@TempDir Path dir) throws Exception {
        MigrationFixture f =
                new MigrationFixture("migrate").collections("items:\n  columns:\n    v: INT\n");
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        for (int i = 0; i < 500; i++) {
            coll.insertOne(new Document("_id", i).append("v", i));
        }
        Path job = dir.resolve("job.yaml");
        Files.writeString(
                job,
                "mongo: {uri: \""
                        + TestMongo.uri()
                        + "\", database: "
                        + f.mongoDatabase
                        + "}\n"
                        + "mysql.url: \""
                        + f.mysqlUrl
                        + "\"\n"
                        + "job.checkpoint-interval: 500 ms\n"
                        + "sink.transaction-prefix: migrate-it\n"
                        + "collections:\n  items:\n    columns:\n      v: INT\n");
        Path checkpoints = dir.resolve("checkpoints");
        String[] args = {
            "--config",
            job.toString(),
            "--checkpoint-dir",
            checkpoints.toString(),
            "--parallelism",
            "1"
        };
        JobClient first = new MigrateCommand(args).start();
        f.awaitConsistent(MigrationFixture.TIMEOUT);
        coll.updateOne(Filters.eq("_id", 1), Updates.set("v", 100));
        f.awaitConsistent(MigrationFixture.TIMEOUT);
        // Let a checkpoint cover the update, then stop.
        Path jobDir = checkpoints.resolve(first.getJobID().toString());
        Eventually.waitUntil(
                TestDurations.SHORT, "a retained checkpoint", () -> latest(jobDir).isPresent());
        Thread.sleep(1500);
        first.cancel().get();
        Path checkpoint = latest(jobDir).orElseThrow();

        coll.updateOne(Filters.eq("_id", 2), Updates.set("v", 200));
        coll.deleteOne(Filters.eq("_id", 3));
        coll.insertOne(new Document("_id", 1000).append("v", 1000));

        String[] resume = {
            "--config",
            job.toString(),
            "--checkpoint-dir",
            checkpoints.toString(),
            "--parallelism",
            "1",
            "--from-savepoint",
            checkpoint.toString()
        };
        JobClient second = new MigrateCommand(resume).start();
        try {
            assertThat(f.awaitConsistent(MigrationFixture.TIMEOUT).targetRows).isEqualTo(500);
        } finally {
            second.cancel().get();
        }
    }

    @Test
    void migrateShowsTheSnapshotPercentageRateAndChangeLag(@TempDir Path dir) throws Exception {
        MigrationFixture f =
                new MigrationFixture("migrateprogress")
                        .collections("items:\n  columns:\n    v: INT\n");
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            docs.add(new Document("_id", i).append("v", i));
        }
        coll.insertMany(docs);
        Path job = f.writeJobFile(dir.resolve("job.yaml"));
        MigrateCommand migrate =
                new MigrateCommand(
                        new String[] {
                            "--config",
                            job.toString(),
                            "--checkpoint-dir",
                            dir.resolve("checkpoints").toString(),
                            "--parallelism",
                            "1"
                        });
        JobClient client = migrate.start();
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        // Not a terminal: plain lines, here one per reading.
        ConsoleProgress progress =
                new ConsoleProgress(new PrintStream(shown, true, StandardCharsets.UTF_8), false, 0);
        Thread follower =
                new Thread(
                        () -> {
                            try {
                                migrate.follow(client, progress);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
        follower.start();
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            coll.updateOne(Filters.eq("_id", 1), Updates.set("v", 100));
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            Eventually.waitUntil(
                    TestDurations.SHORT,
                    "the progress line to show the whole snapshot and the change",
                    () -> {
                        String out = shown.toString(StandardCharsets.UTF_8);
                        return out.contains("snapshot items 100% (300 read)")
                                && out.contains("changes 1 ")
                                && out.contains("change lag ");
                    });
        } finally {
            client.cancel().get();
            follower.join(30_000);
            System.out.println(
                    "migrate's progress lines:\n" + shown.toString(StandardCharsets.UTF_8));
        }
        assertThat(follower.isAlive()).as("follow returns when the job ends").isFalse();
        String out = shown.toString(StandardCharsets.UTF_8);
        assertThat(out).contains(" docs/s | ").contains("mismatches 0").contains("dead letters 0");
    }

    private static Optional<Path> latest(Path jobDir) throws Exception {
        if (!Files.isDirectory(jobDir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(jobDir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("chk-"))
                    .filter(p -> Files.exists(p.resolve("_metadata")))
                    .max(
                            Comparator.comparingInt(
                                    p ->
                                            Integer.parseInt(
                                                    p.getFileName().toString().substring(4))));
        }
    }
}
