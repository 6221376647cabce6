package io.dbtransfer.testing;

import io.dbtransfer.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The PostgreSQL every test of one JVM shares: the server named by {@code DBTRANSFER_POSTGRES_URL}
 * (e.g. {@code jdbc:postgresql://host:5432/postgres?user=u&password=p}; it needs {@code
 * max_prepared_transactions} &gt; 0), else one embedded PostgreSQL started on first use (under
 * {@code DBTRANSFER_TEST_TMP}, else {@code target/test-tmp}) and stopped at JVM exit.
 */
public final class TestPostgres {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres embedded;
    private static String serverUrl;

    private TestPostgres() {}

    /** Creates a fresh database named after {@code prefix} and returns a JDBC URL to it. */
    public static String newDatabase(String prefix) {
        String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String name =
                clean.substring(0, Math.min(clean.length(), 40))
                        + "_"
                        + Long.toString(System.currentTimeMillis() % 100_000_000L, 36)
                        + "_"
                        + DATABASES.incrementAndGet();
        try (Connection c = connect(urlFor("postgres"));
                Statement s = c.createStatement()) {
            s.execute(
                    "CREATE DATABASE \""
                            + name
                            + "\" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create test database " + name, e);
        }
        return urlFor(name);
    }

    /** A plain JDBC connection (autocommit) to {@code url}. */
    public static Connection connect(String url) throws SQLException {
        return DriverManager.getConnection(url);
    }

    private static synchronized String urlFor(String database) {
        if (serverUrl == null) {
            String external = System.getenv("DBTRANSFER_POSTGRES_URL");
            if (external != null && !external.isBlank()) {
                serverUrl = external.trim();
            } else {
                String tmp = System.getenv("DBTRANSFER_TEST_TMP");
                Path base = Paths.get(tmp == null || tmp.isBlank() ? "target/test-tmp" : tmp);
                try {
                    embedded = EmbeddedPostgres.start(base);
                } catch (IOException e) {
                    throw new UncheckedIOException("Could not start the embedded PostgreSQL", e);
                }
                serverUrl = embedded.jdbcUrl("postgres");
            }
        }
        int q = serverUrl.indexOf('?');
        String base = q < 0 ? serverUrl : serverUrl.substring(0, q);
        String query = q < 0 ? "" : serverUrl.substring(q);
        int slash = base.indexOf('/', "jdbc:postgresql://".length());
        String hostPart = slash < 0 ? base : base.substring(0, slash);
        return hostPart + "/" + database + query;
    }
}
