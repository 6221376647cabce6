package io.dbtransfer;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.dialect.MismatchRows;
import io.dbtransfer.embedded.MongoEmulator;
import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.FlinkStandaloneCluster;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.TestDurations;
import io.dbtransfer.testing.TestMySql;
import io.dbtransfer.workload.ReviewDocuments;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded job jar on a real standalone Flink cluster (JobManager, TaskManager and CLI each in
 * their own JVM, configured by {@code flink-conf/}): {@code flink run -d}, {@code flink stop
 * --savepointPath}, changes while stopped, {@code flink run -s} at a higher parallelism; the MySQL
 * password comes from the environment and appears in no log.
 */
class FlinkRunITCase {

    static final Path JOB_JAR = Path.of("target/dbtransfer-0.1.0-SNAPSHOT-job.jar");

    @Test
    void runStopWithSavepointChangeWhileDownResumeRescaled(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        assertThat(JOB_JAR).as("the shaded job jar (built by package)").isRegularFile();
        MigrationFixture f =
                new MigrationFixture("flinkrun")
                        .collections(ReviewDocuments.mappingYaml("reviews"))
                        .set("source.batch-size", "100");
        // The job writes as a MySQL user with a password that only the environment of `flink run`
        // holds; afterwards no log line of any process may contain it.
        String password = "pw-" + UUID.randomUUID();
        String user = createUser(f, password);
        f.set("mysql.url", f.mysqlUrl.replaceAll("(?<=[?&])(user|password)=[^&]*&?", ""))
                .set("mysql.username", user);
        Map<String, String> cliEnv = Map.of("DBTRANSFER_MYSQL_PASSWORD", password);
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        ReviewDocuments gen = new ReviewDocuments(7);
        List<Document> docs = gen.next(1200);
        coll.insertMany(new ArrayList<>(docs));
        Path jobFile = f.writeJobFile(dir.resolve("job.yaml"));

        try (FlinkStandaloneCluster cluster =
                new FlinkStandaloneCluster(dir.resolve("cluster"), Map.of()).start()) {
            String first =
                    cluster.submit(
                            cliEnv, "-p", "1", JOB_JAR.toString(), "--config", jobFile.toString());
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            assertThat(cluster.rest("/jobs/" + first)).contains("\"parallelism\":1");
            // Streamed changes while the job runs at parallelism 1.
            coll.updateOne(
                    Filters.eq("_id", docs.get(1).getString("_id")), Updates.set("headline", "x"));
            coll.insertOne(gen.next());
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            Map<String, String> before = f.versions("reviews");

            String savepoint = cluster.stopWithSavepoint(first);
            assertThat(Path.of(java.net.URI.create(savepoint))).isDirectory();
            // The REST API serves a cached job view for up to web.refresh-interval (3 s), so the
            // state it shows right after the stop may still be the earlier RUNNING one.
            Eventually.waitUntil(
                    TestDurations.SHORT,
                    "the stopped job to show FINISHED",
                    () -> cluster.rest("/jobs/" + first).contains("\"state\":\"FINISHED\""));

            // While the job is down.
            String updated = docs.get(10).getString("_id");
            String deleted = docs.get(20).getString("_id");
            String replaced = docs.get(30).getString("_id");
            coll.updateOne(Filters.eq("_id", updated), Updates.inc("rating.helpfulVotes", 1));
            coll.deleteOne(Filters.eq("_id", deleted));
            coll.replaceOne(Filters.eq("_id", replaced), gen.next().append("_id", replaced));
            Document inserted = gen.next();
            coll.insertOne(inserted);

            // Resume from the savepoint, rescaled from 1 to 2.
            String second =
                    cluster.submit(
                            cliEnv,
                            "-s",
                            savepoint,
                            "-p",
                            "2",
                            JOB_JAR.toString(),
                            "--config",
                            jobFile.toString());
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            String job = cluster.rest("/jobs/" + second);
            assertThat(job).contains("\"state\":\"RUNNING\"").contains("\"parallelism\":2");
            assertThat(cluster.rest("/jobs/" + second + "/checkpoints"))
                    .as("the second run restored the savepoint")
                    .contains("\"is_savepoint\":true");
            // No re-snapshot: exactly the keys changed while down moved on.
            Map<String, String> after = f.versions("reviews");
            List<String> changed = new ArrayList<>();
            after.forEach(
                    (k, v) -> {
                        if (!v.equals(before.get(k))) {
                            changed.add(k);
                        }
                    });
            assertThat(changed)
                    .containsExactlyInAnyOrder(updated, replaced, inserted.getString("_id"));
            assertThat(after).doesNotContainKey(deleted);

            // And it keeps streaming at parallelism 2.
            for (int i = 0; i < 50; i++) {
                coll.updateOne(
                        Filters.eq("_id", docs.get(100 + i).getString("_id")),
                        Updates.inc("rating.helpfulVotes", 1));
            }
            coll.insertMany(gen.next(50));
            f.awaitConsistent(MigrationFixture.TIMEOUT);

            cluster.cli(Map.of(), "cancel", second);
            cluster.assertAlive();
            assertThat(Files.readString(cluster.logDir.resolve("taskmanager.log")))
                    .contains("MySQL change sink");

            // The password reached MySQL (the rows are there) but no log, output or REST view.
            String everything =
                    cluster.allLogs()
                            + cluster.rest("/jobs/" + second + "/config")
                            + cluster.rest("/jobmanager/config")
                            + cluster.rest("/taskmanagers");
            assertThat(everything).hasSizeGreaterThan(10_000).doesNotContain(password);
        }
    }

    /**
     * Both passwords only in the environment of {@code flink run}, against an emulator that
     * requires SCRAM-SHA-256: the snapshot, streamed changes and a reconcile repair (which re-reads
     * MongoDB on the TaskManager) all work, and neither password appears in any log, output or REST
     * view of the cluster, nor in the test JVM's own logs.
     */
    @Test
    void mongoPasswordFromTheEnvironmentReachesTheJobAndNoLog(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        assertThat(JOB_JAR).as("the shaded job jar (built by package)").isRegularFile();
        String mongoUser = "migrator";
        String mongoPassword = "mongo-pw-" + UUID.randomUUID();
        String mysqlPassword = "mysql-pw-" + UUID.randomUUID();
        try (MongoEmulator mongo = MongoEmulator.start(mongoUser, mongoPassword);
                MongoClient client =
                        MongoClients.create(
                                MongoClientSettings.builder()
                                        .applyConnectionString(
                                                new ConnectionString(mongo.connectionString()))
                                        .credential(
                                                MongoCredential.createCredential(
                                                        mongoUser,
                                                        "admin",
                                                        mongoPassword.toCharArray()))
                                        .build())) {
            // The URI names the user only; the password is in the environment of flink run.
            String uri = mongo.connectionString().replace("mongodb://", "mongodb://migrator@");
            MigrationFixture f =
                    new MigrationFixture("flinkauth")
                            .mongo(uri, client)
                            .collections(ReviewDocuments.mappingYaml("reviews"))
                            .set("source.batch-size", "100")
                            .set("reconcile.repair", "true")
                            .set("reconcile.sweep-interval", "1 s")
                            .set("reconcile.check-delay", "200 ms")
                            .set("reconcile.recheck-delay", "200 ms")
                            .set("reconcile.max-backoff", "1 s");
            String user = createUser(f, mysqlPassword);
            f.set("mysql.url", f.mysqlUrl.replaceAll("(?<=[?&])(user|password)=[^&]*&?", ""))
                    .set("mysql.username", user);
            Map<String, String> cliEnv =
                    Map.of(
                            "DBTRANSFER_MYSQL_PASSWORD",
                            mysqlPassword,
                            JobConfig.MONGO_PASSWORD_ENV,
                            mongoPassword);
            MongoCollection<Document> coll = f.mongo().getCollection("reviews");
            ReviewDocuments gen = new ReviewDocuments(11);
            List<Document> docs = gen.next(300);
            coll.insertMany(new ArrayList<>(docs));
            Path jobFile = f.writeJobFile(dir.resolve("job.yaml"));
            assertThat(Files.readString(jobFile)).contains(uri).doesNotContain(mongoPassword);

            try (FlinkStandaloneCluster cluster =
                    new FlinkStandaloneCluster(dir.resolve("cluster"), Map.of()).start()) {
                String job =
                        cluster.submit(
                                cliEnv,
                                "-p",
                                "1",
                                JOB_JAR.toString(),
                                "--config",
                                jobFile.toString());
                f.awaitConsistent(MigrationFixture.TIMEOUT);
                assertThat(f.count("reviews")).isEqualTo(300);

                // Streamed changes through the authenticated change stream.
                coll.updateOne(
                        Filters.eq("_id", docs.get(1).getString("_id")),
                        Updates.set("headline", "changed"));
                coll.deleteOne(Filters.eq("_id", docs.get(2).getString("_id")));
                coll.insertOne(gen.next());
                f.awaitConsistent(MigrationFixture.TIMEOUT);
                assertThat(f.count("reviews")).isEqualTo(300);

                // A row changed behind the job's back: the TaskManager re-reads the document
                // from MongoDB (authenticating with the password from the job graph) to repair.
                String tampered = docs.get(5).getString("_id");
                try (Connection c = f.mysql();
                        Statement st = c.createStatement()) {
                    assertThat(
                                    st.executeUpdate(
                                            "UPDATE reviews SET star_rating = star_rating + 10"
                                                    + " WHERE _id = '"
                                                    + tampered
                                                    + "'"))
                            .isEqualTo(1);
                }
                f.awaitConsistent(MigrationFixture.TIMEOUT);
                String expected = "different " + tampered + " star_rating repaired";
                Eventually.waitUntil(
                        MigrationFixture.TIMEOUT,
                        "the repair to be recorded: " + expected,
                        () -> mismatchRecords(f).contains(expected));

                cluster.cli(Map.of(), "cancel", job);
                cluster.assertAlive();
                String taskManagerLog = Files.readString(cluster.logDir.resolve("taskmanager.log"));
                assertThat(taskManagerLog)
                        .contains("MySQL change sink")
                        .doesNotContain("AuthenticationFailed")
                        .doesNotContain("MongoSecurityException");

                String everything =
                        cluster.allLogs()
                                + cluster.rest("/jobs/" + job + "/config")
                                + cluster.rest("/jobmanager/config")
                                + cluster.rest("/taskmanagers")
                                + testJvmLogs();
                assertThat(everything)
                        .hasSizeGreaterThan(10_000)
                        .contains("migrator@")
                        .doesNotContain(mongoPassword)
                        .doesNotContain(mysqlPassword);
            }
        }
    }

    /** {@code kind doc_key differing_columns status} of every recorded mismatch. */
    static List<String> mismatchRecords(MigrationFixture f) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            if (!st.executeQuery("SHOW TABLES LIKE '" + MismatchRows.TABLE + "'").next()) {
                return out;
            }
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT kind, doc_key, differing_columns, status FROM "
                                    + MismatchRows.TABLE)) {
                while (rs.next()) {
                    out.add(
                            rs.getString(1)
                                    + " "
                                    + rs.getString(2)
                                    + " "
                                    + rs.getString(3)
                                    + " "
                                    + rs.getString(4));
                }
            }
        }
        return out;
    }

    /** Everything this test JVM has logged so far ({@code log4j2-test.properties}). */
    static String testJvmLogs() throws Exception {
        StringBuilder sb = new StringBuilder();
        Path logs = Path.of("target/test-logs");
        if (Files.isDirectory(logs)) {
            try (var files = Files.walk(logs)) {
                for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    sb.append(Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1));
                }
            }
        }
        return sb.toString();
    }

    /** A MySQL user with a password and only the documented privileges on the test database. */
    static String createUser(MigrationFixture f, String password) throws Exception {
        String database = f.mysqlUrl.replaceFirst("^[^/]*//[^/]*/([^?]*).*$", "$1");
        String user = "run_" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        try (Connection c = f.mysql();
                Statement s = c.createStatement()) {
            s.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "'");
            s.execute(
                    "GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON `"
                            + database
                            + "`.* TO '"
                            + user
                            + "'@'%'");
            if (!TestMySql.isMariaDb()) {
                s.execute("GRANT XA_RECOVER_ADMIN ON *.* TO '" + user + "'@'%'");
            }
        }
        return user;
    }
}
