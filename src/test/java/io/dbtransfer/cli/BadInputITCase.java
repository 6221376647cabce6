package io.dbtransfer.cli;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.embedded.EmulatedRole;
import io.dbtransfer.embedded.MongoEmulator;
import io.dbtransfer.testing.TestMongo;
import io.dbtransfer.testing.TestMySql;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input through the real entry point, in its own JVM: one clear line naming the setting and the
 * cause, a non-zero exit, no stack trace.
 */
class BadInputITCase {

    /** Exit code and output of the job's main. */
    record Run(int exit, String stderr, String stdout) {}

    private static Run job(String... args) throws Exception {
        return job(Map.of(), args);
    }

    private static Run job(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.dbtransfer.MongoToMySqlJob");
        cmd.addAll(List.of(args));
        File err = File.createTempFile("stderr", ".txt");
        File out = File.createTempFile("stdout", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err).redirectOutput(out);
        pb.environment().remove(JobConfig.MONGO_PASSWORD_ENV);
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("job main finished").isTrue();
        return new Run(
                p.exitValue(),
                Files.readString(err.toPath(), StandardCharsets.UTF_8),
                Files.readString(out.toPath(), StandardCharsets.UTF_8));
    }

    private static void assertClearError(Run r, String... parts) {
        assertThat(r.exit()).as("exit code").isEqualTo(2);
        List<String> lines = r.stderr().lines().filter(l -> l.startsWith("dbtransfer:")).toList();
        assertThat(lines).as("stderr: " + r.stderr()).hasSize(1);
        for (String part : parts) {
            assertThat(lines.get(0)).contains(part);
        }
        assertThat(r.stderr()).doesNotContain("\tat ").doesNotContain("Exception in thread");
    }

    @Test
    void unreachableMongo() throws Exception {
        assertClearError(
                job(
                        "--mongo-uri",
                        "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=2000",
                        "--database",
                        "d",
                        "--collection",
                        "c",
                        "--mysql-url",
                        TestMySql.newDatabase("bad")),
                "mongo.uri",
                "cannot reach MongoDB",
                "127.0.0.1:1");
    }

    @Test
    void unreachableMySql() throws Exception {
        String db = TestMongo.newDatabaseName("bad");
        TestMongo.client()
                .getDatabase(db)
                .getCollection("c")
                .insertOne(new org.bson.Document("_id", 1));
        assertClearError(
                job(
                        "--mongo-uri",
                        TestMongo.uri(),
                        "--database",
                        db,
                        "--collection",
                        "c",
                        "--mysql-url",
                        "jdbc:mysql://127.0.0.1:1/x?connectTimeout=2000"),
                "mysql.url",
                "cannot connect",
                "127.0.0.1:1");
    }

    @Test
    void wrongMySqlPasswordIsNamedAndNeverPrinted() throws Exception {
        String url = TestMySql.newDatabase("auth");
        try (var c = TestMySql.connect(url);
                var st = c.createStatement()) {
            st.execute("CREATE USER IF NOT EXISTS 'dbt_it'@'%' IDENTIFIED BY 'right-pass'");
            st.execute("CREATE USER IF NOT EXISTS 'dbt_it'@'localhost' IDENTIFIED BY 'right-pass'");
        }
        String db = TestMongo.newDatabaseName("auth");
        TestMongo.client()
                .getDatabase(db)
                .getCollection("c")
                .insertOne(new org.bson.Document("_id", 1));
        Run r =
                job(
                        "--mongo-uri",
                        TestMongo.uri(),
                        "--database",
                        db,
                        "--collection",
                        "c",
                        "--mysql-url",
                        url,
                        "--set",
                        "mysql.username=dbt_it",
                        "--set",
                        "mysql.password=wr0ng-Secret");
        assertClearError(r, "access denied", "mysql.username");
        assertThat(r.stderr() + r.stdout()).doesNotContain("wr0ng-Secret");
    }

    @Test
    void wrongMongoPasswordIsNamedAndNeverPrinted() throws Exception {
        String right = "right-" + UUID.randomUUID();
        String wrong = "wr0ng-" + UUID.randomUUID();
        try (MongoEmulator mongo = MongoEmulator.start("migrator", right)) {
            String uri = mongo.connectionString().replace("mongodb://", "mongodb://migrator@");
            String[] args = {
                "--mongo-uri",
                uri,
                "--database",
                "d",
                "--collection",
                "c",
                "--mysql-url",
                TestMySql.newDatabase("mongoauth")
            };
            Run r = job(Map.of(JobConfig.MONGO_PASSWORD_ENV, wrong), args);
            assertClearError(
                    r,
                    "mongo.uri",
                    "MongoDB authentication failed for user 'migrator'",
                    "authSource 'admin'",
                    "SCRAM-SHA-256",
                    "password from the environment variable DBTRANSFER_MONGO_PASSWORD",
                    "Authentication failed.",
                    "Fix the user name in mongo.uri, the password in DBTRANSFER_MONGO_PASSWORD");
            assertThat(r.stderr() + r.stdout()).doesNotContain(wrong).doesNotContain(right);

            assertClearError(
                    job(args),
                    "mongo.uri",
                    "names the user 'migrator' but no password",
                    "DBTRANSFER_MONGO_PASSWORD");

            String noUser = mongo.connectionString();
            args[1] = noUser;
            assertClearError(
                    job(args),
                    "mongo.uri",
                    "names no user, but the MongoDB server requires authentication",
                    "Command listCollections requires authentication",
                    "DBTRANSFER_MONGO_PASSWORD");
        }
    }

    /**
     * {@code mongo.password-file}: the right password in the file passes MongoDB's checks (the run
     * stops at the unreachable MySQL that follows them); a wrong one is named as coming from the
     * file and never printed; a missing file is named with the setting.
     */
    @Test
    void mongoPasswordFileAuthenticatesAndItsErrorsNameTheSetting(@TempDir Path dir)
            throws Exception {
        String right = "right-" + UUID.randomUUID();
        String wrong = "wr0ng-" + UUID.randomUUID();
        Path file = dir.resolve("mongo-password");
        try (MongoEmulator mongo = MongoEmulator.start("migrator", right)) {
            String uri = mongo.connectionString().replace("mongodb://", "mongodb://migrator@");
            String[] args = {
                "--mongo-uri",
                uri,
                "--database",
                "d",
                "--collection",
                "c",
                "--mysql-url",
                "jdbc:mysql://127.0.0.1:1/d?connectTimeout=2000",
                "--set",
                "mongo.password-file=" + file
            };
            try (MongoClient client =
                    MongoClients.create(uri.replace("migrator@", "migrator:" + right + "@"))) {
                client.getDatabase("d").getCollection("c").insertOne(new Document("_id", 1));
            }
            Files.writeString(file, right + "\n");
            Run ok = job(args);
            assertClearError(ok, "127.0.0.1:1");
            assertThat(ok.stderr()).doesNotContain("mongo.uri").doesNotContain(right);

            Files.writeString(file, wrong + "\n");
            Run r = job(args);
            assertClearError(
                    r,
                    "MongoDB authentication failed for user 'migrator'",
                    "password from mongo.password-file",
                    "mongo.password-file");
            assertThat(r.stderr() + r.stdout()).doesNotContain(wrong).doesNotContain(right);

            Files.delete(file);
            assertClearError(
                    job(args), "mongo.password-file: '" + file + "' does not exist", "secret");
        }
    }

    @Test
    void mongoUserWithoutChangeStreamIsRefusedBeforeTheJobStarts() throws Exception {
        EmulatedRole findOnly =
                EmulatedRole.custom("snapshotOnly", EmulatedRole.Privilege.onDatabase("d", "find"));
        try (MongoEmulator mongo = MongoEmulator.start("snap", "pw-1", List.of(findOnly))) {
            String uri = mongo.connectionString().replace("mongodb://", "mongodb://snap:pw-1@");
            try (MongoClient client = MongoClients.create(uri)) {
                client.getDatabase("d").getCollection("c").insertOne(new Document("_id", 1));
            }
            String mysql = TestMySql.newDatabase("mongopriv");
            Run r =
                    job(
                            Map.of(JobConfig.MONGO_PASSWORD_ENV, "pw-1"),
                            "--mongo-uri",
                            uri.replace("snap:pw-1@", "snap@"),
                            "--database",
                            "d",
                            "--collection",
                            "c",
                            "--mysql-url",
                            mysql);
            assertClearError(
                    r,
                    "mongo.uri: the MongoDB user 'snap'",
                    "lacks changeStream on d.c",
                    "roles [snapshotOnly@admin]",
                    "grantRolesToUser('snap', [{role: 'read', db: 'd'}])");
            assertThat(tables(mysql)).as("no table touched").isEmpty();
        }
    }

    /**
     * A MongoDB user with the built-in read role passes; a short oplog gives a warning with both
     * figures on stderr; a MySQL user that may only read is refused before any table exists.
     */
    @Test
    void shortOplogWarnsAndReadOnlyMySqlUserIsRefused() throws Exception {
        try (MongoEmulator mongo =
                MongoEmulator.start(
                        "reader",
                        "pw-2",
                        List.of(EmulatedRole.read("d"), EmulatedRole.read("local")))) {
            String uri = mongo.connectionString().replace("mongodb://", "mongodb://reader:pw-2@");
            try (MongoClient client = MongoClients.create(uri)) {
                List<Document> docs = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    docs.add(new Document("_id", i).append("pad", "x".repeat(200)));
                }
                client.getDatabase("d").getCollection("c").insertMany(docs);
            }
            mongo.resizeOplog(10_000);
            String mysql = TestMySql.newDatabase("readonly");
            String user = "ro_" + UUID.randomUUID().toString().substring(0, 8);
            try (var c = TestMySql.connect(mysql);
                    var st = c.createStatement()) {
                for (String host : List.of("%", "localhost")) {
                    st.execute("CREATE USER '" + user + "'@'" + host + "' IDENTIFIED BY 'pw'");
                    st.execute(
                            "GRANT SELECT ON `"
                                    + c.getCatalog()
                                    + "`.* TO '"
                                    + user
                                    + "'@'"
                                    + host
                                    + "'");
                }
            }
            Run r =
                    job(
                            "--mongo-uri",
                            uri,
                            "--database",
                            "d",
                            "--collection",
                            "c",
                            "--mysql-url",
                            mysql.replaceAll("([?&])(user|password)=[^&]*", "$1"),
                            "--set",
                            "mysql.username=" + user,
                            "--set",
                            "mysql.password=pw",
                            "--set",
                            "source.snapshot-rate-estimate=1");
            assertClearError(
                    r,
                    "mysql.username: the MySQL user '" + user + "'@",
                    "lacks CREATE, INSERT, UPDATE, DELETE on `c`, `_dbtransfer_tombstone`,",
                    "GRANT CREATE, ALTER, SELECT, INSERT, UPDATE, DELETE ON");
            assertThat(r.stderr())
                    .contains("dbtransfer WARNING: the MongoDB oplog holds")
                    .contains("it is full")
                    .contains(
                            "(300 documents at source.snapshot-rate-estimate = 1.0 documents/s"
                                    + " per subtask, parallelism")
                    .contains("replSetResizeOplog");
            assertThat(tables(mysql)).as("no table touched").isEmpty();
        }
    }

    /**
     * A MySQL user that may create tables but not write them: without the pre-flight check the
     * tables were created and the job started, and every sink write failed (a restart loop).
     */
    @Test
    void mySqlUserWithoutWritePrivilegesIsRefusedBeforeAnyTableIsCreated() throws Exception {
        String db = TestMongo.newDatabaseName("nowrite");
        TestMongo.client().getDatabase(db).getCollection("c").insertOne(new Document("_id", 1));
        String mysql = TestMySql.newDatabase("nowrite");
        String user = "nw_" + UUID.randomUUID().toString().substring(0, 8);
        try (var c = TestMySql.connect(mysql);
                var st = c.createStatement()) {
            for (String host : List.of("%", "localhost")) {
                st.execute("CREATE USER '" + user + "'@'" + host + "' IDENTIFIED BY 'pw'");
                st.execute(
                        "GRANT CREATE, ALTER, SELECT ON `"
                                + c.getCatalog()
                                + "`.* TO '"
                                + user
                                + "'@'"
                                + host
                                + "'");
            }
        }
        Run r =
                job(
                        "--mongo-uri",
                        TestMongo.uri(),
                        "--database",
                        db,
                        "--collection",
                        "c",
                        "--mysql-url",
                        mysql.replaceAll("([?&])(user|password)=[^&]*", "$1"),
                        "--set",
                        "mysql.username=" + user,
                        "--set",
                        "mysql.password=pw");
        assertClearError(
                r,
                "mysql.username: the MySQL user '" + user + "'@",
                "lacks INSERT, UPDATE, DELETE on `c`, `_dbtransfer_tombstone`, `_dbtransfer_dlq`",
                "GRANT CREATE, ALTER, SELECT, INSERT, UPDATE, DELETE ON");
        assertThat(tables(mysql)).as("no table touched").isEmpty();
    }

    private static List<String> tables(String url) throws Exception {
        List<String> out = new ArrayList<>();
        try (var c = TestMySql.connect(url);
                var st = c.createStatement();
                var rs = st.executeQuery("SHOW TABLES")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void missingCollection() throws Exception {
        String db = TestMongo.newDatabaseName("missing");
        TestMongo.client()
                .getDatabase(db)
                .getCollection("present")
                .insertOne(new org.bson.Document("_id", 1));
        assertClearError(
                job(
                        "--mongo-uri",
                        TestMongo.uri(),
                        "--database",
                        db,
                        "--collection",
                        "absent",
                        "--mysql-url",
                        TestMySql.newDatabase("missing")),
                "mongo.collections",
                "absent",
                "not found");
    }

    @Test
    void badConfigValues(@TempDir Path dir) throws Exception {
        Path job = dir.resolve("job.yaml");
        Files.writeString(
                job,
                "mongo: {uri: 'mongodb://h:1', database: d}\nmysql.url: jdbc:mysql://h/d\n"
                        + "collections: [c]\nsink.delivery-guarantee: at-most-once\n");
        assertClearError(
                job("--config", job.toString()), "sink.delivery-guarantee", "at-most-once");
        assertClearError(
                job("--config", dir.resolve("nope.yaml").toString()), "--config", "nope.yaml");
        assertClearError(job("--bogus", "x"), "Unknown option --bogus");
    }
}
