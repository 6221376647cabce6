package io.dbtransfer.sink;

import io.dbtransfer.config.Redact;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;

/**
 * Opens the sink's MySQL sessions: utf8mb4, rewritten batches, READ COMMITTED (at REPEATABLE READ
 * concurrent subtasks deadlocked on child deletes even with disjoint keys).
 */
public final class MySqlConnections {

    private MySqlConnections() {}

    /**
     * Opens a connection. Properties given in the URL win over the defaults set here; a non-null
     * {@code username} / {@code password} wins over the URL's.
     *
     * @throws SQLException naming the (password-masked) URL and what to check
     */
    public static Connection open(
            String jdbcUrl, String username, String password, boolean autoCommit)
            throws SQLException {
        Properties props = new Properties();
        // Connector/J lets Properties override the URL, so only fill in what the URL leaves out.
        setDefault(props, jdbcUrl, "rewriteBatchedStatements", "true");
        // The sink prepares the same few statements on every flush: cache their parsed form.
        setDefault(props, jdbcUrl, "cachePrepStmts", "true");
        setDefault(props, jdbcUrl, "prepStmtCacheSize", "256");
        setDefault(props, jdbcUrl, "prepStmtCacheSqlLimit", "16384");
        setDefault(props, jdbcUrl, "characterEncoding", "UTF-8");
        setDefault(props, jdbcUrl, "tcpKeepAlive", "true");
        if (username != null) {
            props.setProperty("user", username);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        loadDriver();
        Connection conn;
        try {
            conn = DriverManager.getConnection(jdbcUrl, props);
        } catch (SQLException e) {
            throw new SQLException(
                    "Cannot connect to MySQL at "
                            + Redact.uri(jdbcUrl)
                            + ": "
                            + e.getMessage()
                            + SchemaManager.hint(e)
                            + (e.getSQLState() != null && e.getSQLState().startsWith("08")
                                    ? " (check host, port and that the server is running)"
                                    : ""),
                    e.getSQLState(),
                    e.getErrorCode(),
                    e);
        }
        try {
            try (Statement s = conn.createStatement()) {
                s.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
            }
            conn.setAutoCommit(autoCommit);
            return conn;
        } catch (SQLException e) {
            closeQuietly(conn);
            throw e;
        }
    }

    private static void setDefault(Properties props, String url, String key, String value) {
        if (!url.toLowerCase(Locale.ROOT)
                .matches(".*[?&]" + key.toLowerCase(Locale.ROOT) + "=.*")) {
            props.setProperty(key, value);
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Closing after a failure: the original error matters.
            }
        }
    }

    private static void loadDriver() {
        try {
            // Registers Connector/J with DriverManager from the user-code class loader.
            Class.forName("com.mysql.cj.jdbc.Driver");
        } catch (ClassNotFoundException e) {
            // Another driver may serve the URL.
        }
    }
}
