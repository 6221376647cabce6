package io.dbtransfer.connect;

import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.Redact;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;

/**
 * Opens the sink's MySQL sessions: utf8mb4, rewritten batches, READ COMMITTED (at REPEATABLE READ
 * concurrent subtasks deadlocked on child deletes even with disjoint keys). A {@code
 * jdbc:postgresql:} URL gets a PostgreSQL session instead (READ COMMITTED, its default).
 */
public final class MySqlConnections {

    /** What the sink's MySQL user needs, named in privilege errors. */
    public static final String PRIVILEGE_HINT =
            "the sink's MySQL user needs CREATE, SELECT, INSERT, UPDATE and DELETE on the target"
                    + " database (and XA_RECOVER_ADMIN on MySQL 8 for exactly-once delivery)";

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
        if (isPostgres(jdbcUrl)) {
            return openPostgres(jdbcUrl, username, password, autoCommit);
        }
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
                            + hint(e)
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

    /**
     * The database a JDBC URL names ({@code jdbc:mysql://db:3306/shop?x=y} → {@code shop}), or
     * {@code ""} when it names none (also for {@code null}).
     */
    public static String databaseOf(String jdbcUrl) {
        String path = jdbcUrl == null ? "" : jdbcUrl.replaceFirst("^jdbc:[a-z]+://[^/]*", "");
        return path.replaceFirst("^/", "").replaceFirst("\\?.*$", "");
    }

    /** Whether the URL names a PostgreSQL server. */
    public static boolean isPostgres(String jdbcUrl) {
        return jdbcUrl != null && jdbcUrl.toLowerCase(Locale.ROOT).startsWith("jdbc:postgresql:");
    }

    private static Connection openPostgres(
            String jdbcUrl, String username, String password, boolean autoCommit)
            throws SQLException {
        Properties props = new Properties();
        setDefault(props, jdbcUrl, "tcpKeepAlive", "true");
        if (username != null) {
            props.setProperty("user", username);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        try {
            Class.forName("org.postgresql.Driver");
        } catch (ClassNotFoundException e) {
            // Another driver may serve the URL.
        }
        Connection conn;
        try {
            conn = DriverManager.getConnection(jdbcUrl, props);
        } catch (SQLException e) {
            throw new SQLException(
                    "Cannot connect to PostgreSQL at "
                            + Redact.uri(jdbcUrl)
                            + ": "
                            + e.getMessage()
                            + (e.getSQLState() != null && e.getSQLState().startsWith("08")
                                    ? " (check host, port and that the server is running)"
                                    : ""),
                    e.getSQLState(),
                    e.getErrorCode(),
                    e);
        }
        try {
            conn.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
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

    public static void closeQuietly(AutoCloseable c) {
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

    /** Opens a connection or throws a {@link ConfigException} that names the cause and the fix. */
    public static Connection open(String url, String username, String password) {
        loadDriver();
        Properties props = new Properties();
        if (username != null) {
            props.setProperty("user", username);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        props.putIfAbsent("connectTimeout", "10000");
        try {
            return DriverManager.getConnection(url, props);
        } catch (SQLException e) {
            throw explain(url, e);
        }
    }

    /** A user-facing explanation of a MySQL error on the target at {@code url}. */
    public static ConfigException explain(String url, SQLException e) {
        String shown = Redact.uri(url);
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        switch (e.getErrorCode()) {
            case 1045:
                return new ConfigException(
                        "mysql: access denied at "
                                + shown
                                + ". Check mysql.username and the password"
                                + " (DBTRANSFER_MYSQL_PASSWORD or mysql.password-file).",
                        e);
            case 1049:
                return new ConfigException(
                        "mysql.url: the database in "
                                + shown
                                + " does not exist. Create it (CREATE DATABASE … CHARACTER SET"
                                + " utf8mb4) or fix the URL.",
                        e);
            case 1044:
            case 1142:
                return new ConfigException(
                        "mysql: the user lacks a privilege at "
                                + shown
                                + " ("
                                + Redact.uri(e.getMessage())
                                + "). Grant CREATE, SELECT, INSERT, UPDATE, DELETE and"
                                + " XA_RECOVER_ADMIN on the target database.",
                        e);
            default:
                Throwable tls = tlsCause(e);
                if (tls != null) {
                    return new ConfigException(tlsFailure(shown, tls), e);
                }
                if (state.startsWith("08")) {
                    return new ConfigException(
                            "mysql.url: cannot connect to "
                                    + shown
                                    + " ("
                                    + Redact.uri(rootMessage(e))
                                    + "). Check host, port and that the server is running.",
                            e);
                }
                return new ConfigException(
                        "mysql: error at " + shown + ": " + Redact.uri(e.getMessage()), e);
        }
    }

    /** The TLS failure in the cause chain (handshake, certificate), or null. */
    private static Throwable tlsCause(Throwable e) {
        for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
            if (c instanceof javax.net.ssl.SSLException
                    || c instanceof java.security.cert.CertificateException) {
                return c;
            }
        }
        return null;
    }

    /** What failed in the TLS handshake and which URL properties to check. */
    private static String tlsFailure(String shown, Throwable tls) {
        String root = rootMessage(tls);
        boolean name =
                root.contains("No subject alternative")
                        || root.contains("does not match")
                        || root.contains("hostname");
        return "mysql.url: the TLS handshake with "
                + shown
                + " failed ("
                + Redact.uri(root)
                + "). "
                + (name
                        ? "The server's certificate does not name the host of the URL"
                                + " (sslMode=VERIFY_IDENTITY): connect by a name the certificate"
                                + " lists, or use sslMode=VERIFY_CA."
                        : "The server's certificate is not trusted: the trust store of"
                                + " trustCertificateKeyStoreUrl (or the JVM's, if the URL names"
                                + " none) must hold the CA that signed it; check that URL, its"
                                + " trustCertificateKeyStoreType and trustCertificateKeyStorePassword,"
                                + " and sslMode.");
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    /** An actionable addition to a MySQL error message, or an empty string. */
    public static String hint(SQLException e) {
        switch (e.getErrorCode()) {
            case 1044: // ER_DBACCESS_DENIED_ERROR
            case 1045: // ER_ACCESS_DENIED_ERROR
            case 1142: // ER_TABLEACCESS_DENIED_ERROR
            case 1227: // ER_SPECIFIC_ACCESS_DENIED_ERROR
            case 1401: // ER_XAER_RMERR (no XA_RECOVER_ADMIN)
                return " (" + PRIVILEGE_HINT + ")";
            case 1049: // ER_BAD_DB_ERROR
                return " (create the database first)";
            default:
                return "";
        }
    }
}
