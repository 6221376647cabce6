package io.dbtransfer.connect;

import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.Redact;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens MongoDB clients for the job, its probes and the tools: one place that parses the URI
 * (naming the setting when it is malformed), resolves the password (URI, {@value #PASSWORD_ENV}, or
 * one resolved by the caller, e.g. from {@code mongo.password-file}) and sets the timeouts.
 */
public final class MongoConnections {

    /** The environment variable that holds the MongoDB password. */
    public static final String PASSWORD_ENV = "DBTRANSFER_MONGO_PASSWORD";

    private MongoConnections() {}

    /** Opens a client for a source URI (password from the URI or the environment). */
    public static MongoClient open(String uri, int timeoutSeconds) {
        return open(uri, null, timeoutSeconds);
    }

    /**
     * Opens a client for a source URI with a password resolved elsewhere (where the job was built);
     * {@code null}: the URI's or the environment's.
     */
    public static MongoClient open(String uri, String password, int timeoutSeconds) {
        return MongoClients.create(settings(uri, password, timeoutSeconds).build());
    }

    /**
     * The client settings {@link #open} uses (URI, password, timeouts), for a caller that adds its
     * own (e.g. a UUID representation) before {@link #open(MongoClientSettings.Builder)}.
     */
    public static MongoClientSettings.Builder settings(
            String uri, String password, int timeoutSeconds) {
        ConnectionString cs = password == null ? parse(uri) : parse(uri, password);
        if (password == null) {
            password = password(cs);
        }
        MongoClientSettings.Builder settings =
                MongoClientSettings.builder()
                        .applyConnectionString(cs)
                        .applyToClusterSettings(
                                b -> b.serverSelectionTimeout(timeoutSeconds, TimeUnit.SECONDS))
                        .applyToSocketSettings(
                                b -> b.connectTimeout(timeoutSeconds, TimeUnit.SECONDS));
        if (cs.getUsername() != null && password != null) {
            String authDb = cs.getCredential().getSource();
            settings.credential(
                    MongoCredential.createCredential(
                            cs.getUsername(), authDb, password.toCharArray()));
        }
        return settings;
    }

    /** Opens a client with settings from {@link #settings}. */
    public static MongoClient open(MongoClientSettings.Builder settings) {
        return MongoClients.create(settings.build());
    }

    /**
     * Parses a MongoDB URI, naming the setting when it is malformed; a URI that names a user but no
     * password gets the one from {@value #PASSWORD_ENV}.
     */
    public static ConnectionString parse(String uri) {
        return parse(uri, System.getenv(PASSWORD_ENV));
    }

    /** {@code mongodb://user@} or {@code mongodb+srv://user@}: a user and no password. */
    private static final Pattern USER_WITHOUT_PASSWORD =
            Pattern.compile("^(mongodb(?:\\+srv)?://)([^:@/?]+)@");

    /**
     * Parses a MongoDB URI; when the driver refuses it because it names a user but no password
     * (SCRAM needs one), {@code password} is merged into it in memory. Only the redacted URI is
     * ever shown.
     */
    public static ConnectionString parse(String uri, String password) {
        try {
            return new ConnectionString(uri);
        } catch (IllegalArgumentException e) {
            Matcher m = uri == null ? null : USER_WITHOUT_PASSWORD.matcher(uri);
            if (m != null && m.find()) {
                if (password == null || password.isEmpty()) {
                    throw new ConfigException(
                            "mongo.uri '"
                                    + Redact.uri(uri)
                                    + "' names the user '"
                                    + m.group(2)
                                    + "' but no password was given: set the environment variable "
                                    + PASSWORD_ENV
                                    + " for the process that builds the job (flink run), or"
                                    + " mongo.password-file.");
                }
                return parseValid(
                        uri,
                        m.group(1)
                                + m.group(2)
                                + ":"
                                + encode(password)
                                + "@"
                                + uri.substring(m.end()));
            }
            return parseValid(uri, uri);
        }
    }

    private static ConnectionString parseValid(String uri, String merged) {
        try {
            return new ConnectionString(merged);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    "mongo.uri '"
                            + Redact.uri(uri)
                            + "' is not a valid MongoDB URI: "
                            + Redact.uri(e.getMessage()));
        }
    }

    /** The password from the URI or {@value #PASSWORD_ENV}. */
    public static String password(ConnectionString cs) {
        String env = System.getenv(PASSWORD_ENV);
        if (env != null && !env.isEmpty()) {
            return env;
        }
        return cs.getPassword() == null ? null : new String(cs.getPassword());
    }

    /**
     * Percent-encodes a user name or password for a connection string (the driver decodes {@code
     * %20}, not {@code +}, as a space).
     */
    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
