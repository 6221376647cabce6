package io.dbtransfer;

import io.dbtransfer.cli.VerifyCommand;
import io.dbtransfer.embedded.EmbeddedMariaDb;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.pipeline.MigrationJob;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TestCertificates;
import io.dbtransfer.testing.TestMongo;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS with certificate verification, proven to work and not only to fail: a MariaDB serving a
 * certificate of a test CA, a user that may only connect over TLS, and the job's sink, its checks
 * and {@code verify} connecting with {@code sslMode=VERIFY_IDENTITY} / {@code VERIFY_CA} and a
 * trust store holding that CA; a trust store of another CA is refused with a message that says what
 * to check.
 */
@ExtendWith(SharedMiniCluster.class)
class TlsVerifiedITCase {

    @TempDir static Path dir;

    private static TestCertificates ca;
    private static TestCertificates otherCa;
    private static EmbeddedMariaDb mariaDb;

    private static final String USER = "tls_only";
    private static final String PASSWORD = "tls-pw-1";

    @BeforeAll
    static void startServer() throws Exception {
        ca = TestCertificates.create(dir, "right");
        otherCa = TestCertificates.create(dir, "other");
        mariaDb = EmbeddedMariaDb.start(dir.resolve("mariadb"), ca.serverOptions());
        try (Connection c = DriverManager.getConnection(mariaDb.jdbcUrl(""));
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE tls_target CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
            // Refused without TLS: whatever connects as this user, connected over TLS.
            s.execute(
                    "CREATE USER '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "' REQUIRE SSL");
            s.execute("GRANT ALL PRIVILEGES ON *.* TO '" + USER + "'@'%'");
        }
    }

    @AfterAll
    static void stopServer() {
        if (mariaDb != null) {
            mariaDb.close();
        }
    }

    private static String url(String sslMode, TestCertificates trusted) {
        return "jdbc:mysql://127.0.0.1:"
                + mariaDb.port()
                + "/tls_target?user="
                + USER
                + "&password="
                + PASSWORD
                + "&sslMode="
                + sslMode
                + "&"
                + trusted.jdbcTrustProperties()
                + "&characterEncoding=UTF-8&connectionCollation=utf8mb4_bin";
    }

    @Test
    void theUserCanOnlyConnectOverTls() throws Exception {
        String plain =
                "jdbc:mysql://127.0.0.1:"
                        + mariaDb.port()
                        + "/tls_target?user="
                        + USER
                        + "&password="
                        + PASSWORD
                        + "&sslMode=DISABLED";
        assertThatThrownBy(() -> DriverManager.getConnection(plain).close())
                .hasMessageContaining("Access denied");
        try (Connection c = DriverManager.getConnection(url("VERIFY_IDENTITY", ca));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_version'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(2)).startsWith("TLS");
        }
    }

    @Test
    void theJobAndVerifyConnectWithVerifiedCertificates() throws Exception {
        MigrationFixture f =
                new MigrationFixture("tls")
                        .collections("items:\n  columns:\n    qty: INT\n")
                        .target(url("VERIFY_IDENTITY", ca));
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            docs.add(new Document("_id", i).append("qty", i));
        }
        f.mongo().getCollection("items").insertMany(docs);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        JobClient job = f.start(env);
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            f.mongo().getCollection("items").insertOne(new Document("_id", 50).append("qty", 7));
            f.awaitConsistent(MigrationFixture.TIMEOUT);
        } finally {
            job.cancel().get();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        int exit =
                new VerifyCommand(
                                new String[] {
                                    "--mongo-uri", TestMongo.uri(),
                                    "--database", f.mongoDatabase,
                                    "--mysql-url", url("VERIFY_CA", ca),
                                    "--report", dir.resolve("verify-report.json").toString()
                                },
                                ps,
                                ps)
                        .run();
        assertThat(exit).as(out.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .doesNotContain(PASSWORD)
                .doesNotContain(TestCertificates.STORE_PASSWORD);
    }

    @Test
    void aTrustStoreOfAnotherCaIsRefusedWithAClearMessage() throws Exception {
        MigrationFixture f =
                new MigrationFixture("tlswrong")
                        .collections("items: {}\n")
                        .target(url("VERIFY_CA", otherCa));
        f.mongo().getCollection("items").insertOne(new Document("_id", 1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(() -> MigrationJob.build(env, f.config()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mysql.url")
                .hasMessageContaining("TLS")
                .hasMessageContaining("not trusted")
                .hasMessageContaining("trustCertificateKeyStoreUrl")
                .hasMessageNotContaining(PASSWORD)
                .hasMessageNotContaining("Check host, port");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertThatThrownBy(
                        () ->
                                new VerifyCommand(
                                                new String[] {
                                                    "--mongo-uri",
                                                    TestMongo.uri(),
                                                    "--database",
                                                    f.mongoDatabase,
                                                    "--mysql-url",
                                                    url("VERIFY_CA", otherCa),
                                                    "--report",
                                                    dir.resolve("wrong-report.json").toString()
                                                },
                                                ps,
                                                ps)
                                        .run())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("TLS")
                .hasMessageContaining("not trusted");
    }
}
