package io.dbtransfer.testing;

import io.dbtransfer.embedded.EmbeddedMariaDb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The MySQL every test of one JVM shares: the server named by {@code DBTRANSFER_MYSQL_URL} (e.g.
 * {@code jdbc:mysql://host:3306/?user=u&password=p}), else {@code mysql:8.4} in a container with
 * {@code -Pcontainers}, else one embedded MariaDB started on first use (under {@code
 * DBTRANSFER_TEST_TMP}, else {@code target/test-tmp}) and stopped at JVM exit.
 */
public final class TestMySql {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedMariaDb embedded;
    private static String serverUrl;
    private static Boolean mariaDb;

    private TestMySql() {}

    /** Creates a fresh database named after {@code prefix} and returns a JDBC URL to it. */
    public static String newDatabase(String prefix) {
        String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String name =
                clean.substring(0, Math.min(clean.length(), 40))
                        + "_"
                        + Long.toString(System.currentTimeMillis() % 100_000_000L, 36)
                        + "_"
                        + DATABASES.incrementAndGet();
        try (Connection c = connect(urlFor(""));
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create test database " + name, e);
        }
        return urlFor(name);
    }

    /** A plain JDBC connection (autocommit) to {@code url}. */
    public static Connection connect(String url) throws SQLException {
        return DriverManager.getConnection(url);
    }

    /** True when the shared server is MariaDB. */
    public static synchronized boolean isMariaDb() {
        if (mariaDb == null) {
            try (Connection c = connect(urlFor(""));
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT VERSION()")) {
                rs.next();
                mariaDb = rs.getString(1).toLowerCase(Locale.ROOT).contains("mariadb");
            } catch (SQLException e) {
                throw new IllegalStateException("Cannot reach the test MySQL", e);
            }
        }
        return mariaDb;
    }

    private static synchronized String urlFor(String database) {
        if (serverUrl == null) {
            String external = System.getenv("DBTRANSFER_MYSQL_URL");
            if (external != null && !external.isBlank()) {
                serverUrl = external.trim();
            } else if (Containers.enabled()) {
                serverUrl = Containers.mysqlRootUrl();
            } else {
                String tmp = System.getenv("DBTRANSFER_TEST_TMP");
                Path base = Paths.get(tmp == null || tmp.isBlank() ? "target/test-tmp" : tmp);
                try {
                    embedded = EmbeddedMariaDb.start(base);
                } catch (IOException e) {
                    throw new UncheckedIOException("Could not start the embedded MariaDB", e);
                }
                serverUrl = embedded.jdbcUrl("");
            }
        }
        int q = serverUrl.indexOf('?');
        String base = q < 0 ? serverUrl : serverUrl.substring(0, q);
        String query = q < 0 ? "" : serverUrl.substring(q);
        int slash = base.indexOf('/', "jdbc:mysql://".length());
        String hostPart = slash < 0 ? base : base.substring(0, slash);
        return hostPart + "/" + database + query;
    }
}
