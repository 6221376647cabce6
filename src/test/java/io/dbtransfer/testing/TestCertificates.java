package io.dbtransfer.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test CA and a server certificate it signed (for {@code localhost} and {@code 127.0.0.1}), made
 * with {@code openssl} in a directory, plus a PKCS12 trust store holding only the CA (made with
 * {@code keytool}).
 */
public final class TestCertificates {
    /** Password of the trust stores; not a secret, they hold public certificates only. */
    public static final String STORE_PASSWORD = "changeit";

    public final Path caCertificate;
    public final Path serverCertificate;
    public final Path serverKey;
    public final Path trustStore;

    private TestCertificates(Path dir, String name) {
        this.caCertificate = dir.resolve(name + "-ca.pem");
        this.serverCertificate = dir.resolve(name + "-server.pem");
        this.serverKey = dir.resolve(name + "-server.key");
        this.trustStore = dir.resolve(name + "-truststore.p12");
    }

    /** Creates a CA named {@code name}, a server certificate signed by it, and its trust store. */
    public static TestCertificates create(Path dir, String name) throws Exception {
        TestCertificates c = new TestCertificates(dir, name);
        Path caKey = dir.resolve(name + "-ca.key");
        Path csr = dir.resolve(name + "-server.csr");
        Path ext = dir.resolve(name + "-server.ext");
        run(
                dir,
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=DBtransfer test CA " + name,
                "-keyout",
                caKey.toString(),
                "-out",
                c.caCertificate.toString());
        run(
                dir,
                "openssl",
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                c.serverKey.toString(),
                "-out",
                csr.toString());
        Files.writeString(
                ext,
                "subjectAltName=DNS:localhost,IP:127.0.0.1\n" + "extendedKeyUsage=serverAuth\n",
                StandardCharsets.US_ASCII);
        run(
                dir,
                "openssl",
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                c.caCertificate.toString(),
                "-CAkey",
                caKey.toString(),
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                ext.toString(),
                "-out",
                c.serverCertificate.toString());
        run(
                dir,
                "keytool",
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                c.caCertificate.toString(),
                "-keystore",
                c.trustStore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                STORE_PASSWORD);
        return c;
    }

    /** The {@code mariadbd} options that serve this certificate. */
    public List<String> serverOptions() {
        return List.of(
                "--ssl-ca=" + caCertificate,
                "--ssl-cert=" + serverCertificate,
                "--ssl-key=" + serverKey);
    }

    /** Connector/J URL properties that trust this CA only. */
    public String jdbcTrustProperties() {
        return "trustCertificateKeyStoreUrl=file:"
                + trustStore
                + "&trustCertificateKeyStoreType=PKCS12"
                + "&trustCertificateKeyStorePassword="
                + STORE_PASSWORD;
    }

    private static void run(Path dir, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(command));
        Process p =
                new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed:\n" + out);
        }
    }
}
