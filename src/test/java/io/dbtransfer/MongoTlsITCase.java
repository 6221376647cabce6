package io.dbtransfer;

import io.dbtransfer.embedded.MongoEmulator;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.source.SourceProbe;
import io.dbtransfer.testing.FlinkStandaloneCluster;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.TestCertificates;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS to MongoDB with certificate verification, proven to work and not only to fail: the emulator
 * serves a certificate of a test CA ({@link MongoEmulator#startTls}) and accepts TLS connections
 * only. The job on a standalone Flink cluster (its CDC source on the TaskManager, its checks in
 * {@code flink run}), {@code verify} and {@code cutover} (run through {@code bin/dbtransfer})
 * connect with {@code tls=true} and a JVM trust store holding that CA ({@code
 * -Djavax.net.ssl.trustStore} in {@code env.java.opts.all} / {@code DBTRANSFER_JAVA_OPTS}); a trust
 * store of another CA, and the JDK's default one, are refused with a message naming {@code
 * mongo.uri}, the trust store in use and the fix.
 */
class MongoTlsITCase {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;

    private static TestCertificates ca;
    private static TestCertificates otherCa;
    private static MongoEmulator mongo;
    private static MongoClient client;
    private static String uri;

    @BeforeAll
    static void startServer() throws Exception {
        ca = TestCertificates.create(dir, "mongo");
        otherCa = TestCertificates.create(dir, "mongo-other");
        mongo = MongoEmulator.startTls(ca.serverCertificate.toFile(), ca.serverKey.toFile());
        uri = mongo.connectionString() + "&tls=true";
        // The test's own client trusts the CA through its settings, not the JVM's trust store.
        client =
                MongoClients.create(
                        MongoClientSettings.builder()
                                .applyConnectionString(new ConnectionString(uri))
                                .applyToSslSettings(
                                        b -> b.enabled(true).context(sslContext(ca.trustStore)))
                                .build());
    }

    @AfterAll
    static void stopServer() {
        if (client != null) {
            client.close();
        }
        if (mongo != null) {
            mongo.close();
        }
    }

    @Test
    void theEmulatorSpeaksTlsOnlyAndAnUntrustedCertificateIsRefusedNamingTheFix() {
        assertThat(client.getDatabase("admin").runCommand(new Document("ping", 1)).get("ok"))
                .isIn(1, 1.0);
        // This JVM's default trust store (the JDK's CAs) does not hold the test CA.
        assertThat(System.getProperty("javax.net.ssl.trustStore")).isNull();
        assertThatThrownBy(() -> SourceProbe.check(uri, "tls_db", List.of("items")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mongo.uri: the TLS handshake with MongoDB at")
                .hasMessageContaining("tls=true")
                .hasMessageContaining("not signed by a trusted CA")
                .hasMessageContaining("javax.net.ssl.trustStore is not set")
                .hasMessageContaining("-Djavax.net.ssl.trustStore=")
                .hasMessageContaining("env.java.opts.all")
                .hasMessageContaining("DBTRANSFER_JAVA_OPTS");
        // Plain TCP to the TLS port: no answer a driver could use.
        String plain = mongo.connectionString();
        assertThatThrownBy(() -> SourceProbe.check(plain, "tls_db", List.of("items")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mongo.uri: cannot reach MongoDB");
    }

    @Test
    void theJobVerifyAndCutoverConnectWithVerifiedCertificatesAndAnotherCaIsRefused()
            throws Exception {
        assertThat(FlinkRunITCase.JOB_JAR)
                .as("the shaded job jar (built by package)")
                .isRegularFile();
        MigrationFixture f =
                new MigrationFixture("mongotls")
                        .mongo(uri, client)
                        .collections("items:\n  columns:\n    qty: INT\n");
        MongoCollection<Document> items = f.mongo().getCollection("items");
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            docs.add(new Document("_id", i).append("qty", i));
        }
        items.insertMany(docs);
        Path jobFile = f.writeJobFile(dir.resolve("job.yaml"));

        String trust = trustOptions(ca);
        Map<String, Object> conf = Map.of("env.java.opts.all", projectJavaOpts() + " " + trust);
        try (FlinkStandaloneCluster cluster =
                new FlinkStandaloneCluster(dir.resolve("cluster"), conf).start()) {
            String job =
                    cluster.submit(
                            Map.of(),
                            "-p",
                            "1",
                            FlinkRunITCase.JOB_JAR.toString(),
                            "--config",
                            jobFile.toString());
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            assertThat(f.count("items")).isEqualTo(200);
            // Streamed changes: the change stream on the TaskManager reads over TLS too.
            items.updateOne(Filters.eq("_id", 7), Updates.set("qty", 700));
            items.deleteOne(Filters.eq("_id", 8));
            items.insertOne(new Document("_id", 1000).append("qty", 1));
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            assertThat(f.count("items")).isEqualTo(200);

            // verify and cutover, as an operator runs them, with the CA in DBTRANSFER_JAVA_OPTS.
            Run verify =
                    dbtransfer(
                            trust,
                            "verify",
                            "--config",
                            jobFile.toString(),
                            "--report",
                            dir.resolve("verify-report.json").toString());
            assertThat(verify.exit).as(verify.output).isZero();
            Path certificate = dir.resolve("cutover.json");
            Run cutover =
                    dbtransfer(
                            trust,
                            "cutover",
                            "--config",
                            jobFile.toString(),
                            "--out",
                            certificate.toString(),
                            "--quiet-for",
                            "1s",
                            "--settle",
                            "1s",
                            "--timeout",
                            "120s");
            assertThat(cutover.exit).as(cutover.output).isZero();
            assertThat(certificate).isRegularFile();

            cluster.cli(Map.of(), "cancel", job);
            cluster.assertAlive();
            assertThat(Files.readString(cluster.logDir.resolve("taskmanager.log")))
                    .contains("MySQL change sink")
                    .doesNotContain("SSLHandshakeException");
        }

        // Another CA's trust store: verify, cutover and the job's own checks (the main() that
        // flink run calls) refuse with the trust store in use and the fix.
        String wrong = trustOptions(otherCa);
        for (String command : List.of("verify", "cutover")) {
            Run refused = dbtransfer(wrong, command, "--config", jobFile.toString());
            assertThat(refused.exit).as(refused.output).isEqualTo(2);
            assertThat(refused.output)
                    .contains("mongo.uri: the TLS handshake with MongoDB at")
                    .contains("not signed by a trusted CA")
                    .contains("javax.net.ssl.trustStore=" + otherCa.trustStore)
                    .contains("DBTRANSFER_JAVA_OPTS");
        }
        Run job = jobMain(wrong, "--config", jobFile.toString());
        assertThat(job.exit).as(job.output).isEqualTo(2);
        assertThat(job.output)
                .contains("dbtransfer: mongo.uri: the TLS handshake with MongoDB at")
                .contains("javax.net.ssl.trustStore=" + otherCa.trustStore)
                .contains("env.java.opts.all");
    }

    /** Exit code and everything printed by a child process. */
    record Run(int exit, String output) {}

    /** {@code bin/dbtransfer ARGS} with the test's classpath and {@code DBTRANSFER_JAVA_OPTS}. */
    private static Run dbtransfer(String javaOpts, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bin/dbtransfer"));
        cmd.addAll(List.of(args));
        return run(
                cmd,
                Map.of(
                        "DBTRANSFER_CLASSPATH",
                        System.getProperty("java.class.path"),
                        "DBTRANSFER_JAVA_OPTS",
                        "-Xmx256m " + javaOpts));
    }

    /** The job's {@code main()} as {@code flink run} calls it, in a JVM of its own. */
    private static Run jobMain(String javaOpts, String... args) throws Exception {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Xmx256m"));
        cmd.addAll(List.of(projectJavaOpts().trim().split("\\s+")));
        cmd.addAll(List.of(javaOpts.split(" ")));
        cmd.add("-cp");
        cmd.add(
                FlinkRunITCase.JOB_JAR.toAbsolutePath()
                        + File.pathSeparator
                        + Files.readString(FlinkStandaloneCluster.CLASSPATH_FILE).trim());
        cmd.add("io.dbtransfer.MongoToMySqlJob");
        cmd.addAll(List.of(args));
        return run(cmd, Map.of());
    }

    private static Run run(List<String> cmd, Map<String, String> env) throws Exception {
        File out = File.createTempFile("out", ".txt", dir.toFile());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out);
        pb.environment().keySet().removeIf(k -> k.startsWith("DBTRANSFER_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish: " + Files.readString(out.toPath()));
        }
        return new Run(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8));
    }

    /** The JVM options that make {@code certificates}' trust store the JVM's default one. */
    private static String trustOptions(TestCertificates certificates) {
        return "-Djavax.net.ssl.trustStore="
                + certificates.trustStore
                + " -Djavax.net.ssl.trustStorePassword="
                + TestCertificates.STORE_PASSWORD
                + " -Djavax.net.ssl.trustStoreType=PKCS12";
    }

    /** {@code env.java.opts.all} of the project's {@code flink-conf/config.yaml}. */
    @SuppressWarnings("unchecked")
    private static String projectJavaOpts() throws Exception {
        try (InputStream in = Files.newInputStream(Path.of("flink-conf/config.yaml"))) {
            Map<String, Object> conf = new Yaml().load(in);
            Map<String, Object> env = (Map<String, Object>) conf.get("env");
            Map<String, Object> java = (Map<String, Object>) env.get("java");
            Map<String, Object> opts = (Map<String, Object>) java.get("opts");
            return String.valueOf(opts.get("all"));
        }
    }

    private static SSLContext sslContext(Path trustStore) {
        try (InputStream in = Files.newInputStream(trustStore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, TestCertificates.STORE_PASSWORD.toCharArray());
            TrustManagerFactory tmf =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
