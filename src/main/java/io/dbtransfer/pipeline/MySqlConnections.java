package io.dbtransfer.pipeline;

import io.dbtransfer.config.ConfigException;
import io.dbtransfer.config.Redact;

import org.apache.flink.connector.jdbc.JdbcConnectionOptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Opens MySQL connections for checks and tools, turning driver errors into actionable ones. */
public final class MySqlConnections {

    private MySqlConnections() {}

    /** Opens a connection or throws a {@link ConfigException} that names the cause and the fix. */
    public static Connection open(String url, String username, String password) {
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

    /**
     * Connection options for flink-connector-jdbc's {@code JdbcSink} (dead letters, mismatches).
     */
    public static JdbcConnectionOptions jdbcSinkConnection(
            String url, String username, String password) {
        JdbcConnectionOptions.JdbcConnectionOptionsBuilder conn =
                new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                        .withUrl(url)
                        .withDriverName("com.mysql.cj.jdbc.Driver");
        if (username != null) {
            conn.withUsername(username);
        }
        if (password != null) {
            conn.withPassword(password);
        }
        return conn.build();
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
}
