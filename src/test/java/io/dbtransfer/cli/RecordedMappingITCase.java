package io.dbtransfer.cli;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TestMongo;
import io.dbtransfer.testing.TestTarget;
import io.dbtransfer.verify.MappingRecord;
import io.dbtransfer.workload.ReviewDocuments;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job records its mapping in the target ({@value MappingRecord#TABLE}); {@code verify} and
 * {@code cutover} given only the servers' URIs check with it (the demo's reviews mapping, which is
 * not the default one: assuming the default reported every row different), refuse a {@code
 * --config} whose mapping differs, and refuse when nothing is recorded. The record's revisions on
 * both targets (MySQL and PostgreSQL upsert it differently).
 */
@ExtendWith(SharedMiniCluster.class)
class RecordedMappingITCase {

    /** Exit code and output (stdout and stderr together). */
    record Run(int exit, String output) {}

    private static Run cli(String... args) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(sink, true, StandardCharsets.UTF_8);
        int exit = Main.exec(args, ps, ps);
        return new Run(exit, sink.toString(StandardCharsets.UTF_8));
    }

    @Test
    void verifyAndCutoverUseTheJobsRecordedMappingAndRefuseAnother(@TempDir Path dir)
            throws Exception {
        MigrationFixture f =
                new MigrationFixture("recorded")
                        .collections(ReviewDocuments.mappingYaml("reviews"));
        f.mongo().getCollection("reviews").insertMany(new ReviewDocuments(5).next(400));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        JobClient job = f.start(env);
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
        } finally {
            job.cancel().get();
        }
        String mongoUri = TestMongo.uri();
        List<String> uris = List.of("--mongo-uri", mongoUri, "--mysql-url", f.mysqlUrl);

        // What the job recorded: its mapping, its source database.
        try (Connection c = f.mysql()) {
            Map<String, MappingRecord.Entry> recorded = MappingRecord.read(c);
            assertThat(recorded).containsOnlyKeys("reviews");
            assertThat(recorded.get("reviews").table())
                    .isEqualTo(f.config().mapping().tableFor("reviews"));
            assertThat(recorded.get("reviews").database()).isEqualTo(f.mongoDatabase);
            assertThat(recorded.get("reviews").revision()).isEqualTo(1);
        }

        // 1. URIs only: the recorded mapping, collections and database.
        Path report = dir.resolve("verify.json");
        Run verify = cli(args("verify", uris, "--report", report.toString()));
        assertThat(verify.exit()).as(verify.output()).isZero();
        assertThat(verify.output())
                .contains(
                        "verify: using the mapping the job recorded in the target for "
                                + f.mongoDatabase
                                + ".[reviews]");
        assertThat(Files.readString(report))
                .contains("\"verdict\": \"CONSISTENT\"")
                .contains("\"sourceDocuments\": 400")
                .contains("\"targetRows\": 400");
        Path cert = dir.resolve("cert.json");
        Run cutover =
                cli(
                        args(
                                "cutover",
                                uris,
                                "--quiet-for",
                                "1s",
                                "--settle",
                                "500ms",
                                "--timeout",
                                "2m",
                                "--out",
                                cert.toString()));
        assertThat(cutover.exit()).as(cutover.output()).isZero();
        assertThat(Files.readString(cert)).contains("\"verdict\": \"CONSISTENT\"");

        // 2. A --config whose mapping differs (the default mapping of 'reviews'): refused, exit 2,
        // naming the collection and what differs.
        Path other = dir.resolve("other.yaml");
        Files.writeString(
                other,
                "mongo: {uri: \""
                        + mongoUri
                        + "\", database: "
                        + f.mongoDatabase
                        + "}\nmysql.url: \""
                        + f.mysqlUrl
                        + "\"\ncollections: [reviews]\n");
        for (String command : List.of("verify", "cutover")) {
            Run refused =
                    command.equals("verify")
                            ? cli(
                                    command,
                                    "--config",
                                    other.toString(),
                                    "--report",
                                    report.toString())
                            : cli(
                                    command,
                                    "--config",
                                    other.toString(),
                                    "--out=" + dir.resolve("x.json"));
            assertThat(refused.exit()).as(refused.output()).isEqualTo(2);
            assertThat(refused.output())
                    .contains(
                            "dbtransfer: --config "
                                    + other
                                    + ": the mapping of collection 'reviews' differs from the one"
                                    + " the job recorded in the target (_dbtransfer_mapping,"
                                    + " revision 1")
                    .contains("table reviews: column star_rating")
                    .contains("recorded, not in the given mapping")
                    .contains("Leave out --config to check with the recorded mapping");
        }
        // The job's own file is accepted.
        Path jobFile = f.writeJobFile(dir.resolve("job.yaml"));
        Run same = cli("verify", "--config", jobFile.toString(), "--report", report.toString());
        assertThat(same.exit()).as(same.output()).isZero();

        // 3. No recorded mapping: refused, exit 2, saying how to proceed.
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE " + MappingRecord.TABLE);
        }
        for (String command : List.of("verify", "cutover")) {
            Run none = cli(args(command, uris, "--chunk-size", "100"));
            assertThat(none.exit()).as(none.output()).isEqualTo(2);
            assertThat(none.output())
                    .contains("dbtransfer: No mapping is recorded in the target")
                    .contains("table _dbtransfer_mapping does not exist")
                    .contains("pass the job's file with --config job.yaml");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestTarget.class)
    void theRecordIsIdempotentAndAChangedMappingRaisesItsRevision(TestTarget target)
            throws Exception {
        MigrationFixture f =
                new MigrationFixture("record_rev", target)
                        .collections("reviews:\n  columns:\n    n: INT\n");
        if (target == TestTarget.POSTGRESQL) {
            f.set("reconcile.enabled", false); // not built for PostgreSQL yet
        }
        f.mongo()
                .getCollection("reviews")
                .insertOne(new org.bson.Document("_id", 1).append("n", 1));
        JobConfig first = f.config();
        io.dbtransfer.pipeline.TargetPreparation.prepare(first, false);
        io.dbtransfer.pipeline.TargetPreparation.prepare(first, true);
        assertThat(revision(f)).isEqualTo(1);
        // A savepoint upgrade with a changed mapping rewrites the record.
        // (PostgreSQL does not add mapped columns to existing tables yet: a new path there.)
        boolean postgres = target == TestTarget.POSTGRESQL;
        JobConfig upgraded =
                f.collections(
                                postgres
                                        ? "reviews:\n  columns:\n    n: {path: m, type: INT}\n"
                                        : "reviews:\n  columns:\n    n: INT\n    m: INT\n")
                        .config();
        io.dbtransfer.pipeline.TargetPreparation.prepare(upgraded, true);
        assertThat(revision(f)).isEqualTo(2);
        try (Connection c = f.mysql()) {
            TableSpec recorded = MappingRecord.read(c).get("reviews").table();
            assertThat(recorded).isEqualTo(upgraded.mapping().tableFor("reviews"));
            assertThat(MappingRecord.differences(first.mapping().tableFor("reviews"), recorded))
                    .containsExactly(
                            postgres
                                    ? "table reviews: column n reads path n recorded, m given"
                                    : "table reviews: column m (INT <- m) given, not recorded");
        }
        assertThat(upgraded.get(JobOptions.MONGO_DATABASE)).isEqualTo(f.mongoDatabase);
    }

    private static int revision(MigrationFixture f) throws Exception {
        try (Connection c = f.mysql();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT revision FROM "
                                        + MappingRecord.TABLE
                                        + " WHERE collection_name = 'reviews'")) {
            assertThat(rs.next()).isTrue();
            return rs.getInt(1);
        }
    }

    private static String[] args(String command, List<String> uris, String... more) {
        List<String> a = new ArrayList<>();
        a.add(command);
        a.addAll(uris);
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }
}
