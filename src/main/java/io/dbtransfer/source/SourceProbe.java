package io.dbtransfer.source;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.Redact;
import io.dbtransfer.model.SourceVersion;

import com.mongodb.ConnectionString;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoCredential;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import com.mongodb.connection.ClusterDescription;
import com.mongodb.connection.ServerDescription;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks the source before the job starts — reachable, authenticated, database and collections
 * present, the user allowed to read and watch them — reads the operation time that versions
 * snapshot records, and the oplog's window.
 */
public final class SourceProbe {
    private static final Logger LOG = LoggerFactory.getLogger(SourceProbe.class);

    private SourceProbe() {}

    /**
     * Verifies the source and returns the snapshot version: the server's operation time now.
     *
     * @throws ConfigException naming the setting and the cause when the source cannot be used
     */
    public static long check(String uri, String database, List<String> collections) {
        return check(uri, null, database, collections);
    }

    /**
     * Verifies the source with a password resolved elsewhere ({@link JobConfig#mongoPassword()};
     * {@code null}: the URI's or the environment's) and returns the snapshot version.
     *
     * @throws ConfigException naming the setting and the cause when the source cannot be used
     */
    public static long check(
            String uri, String password, String database, List<String> collections) {
        String shown = Redact.uri(uri);
        ConnectionString cs =
                password == null
                        ? MongoConnections.parse(uri)
                        : MongoConnections.parse(uri, password);
        MongoClient[] opened = new MongoClient[1];
        try (MongoClient client = MongoConnections.open(uri, password, 10)) {
            opened[0] = client;
            MongoDatabase db = client.getDatabase(database);
            long version = operationTime(db.runCommand(new Document("ping", 1)));
            if (version == 0) {
                throw new ConfigException(
                        "mongo.uri "
                                + shown
                                + " is not a replica set member (no cluster time): change"
                                + " streams need a replica set or sharded cluster. Convert"
                                + " the server to a one-member replica set (rs.initiate()).");
            }
            List<String> existing = db.listCollectionNames().into(new ArrayList<>());
            List<String> missing = new ArrayList<>();
            for (String c : collections) {
                if (!existing.contains(c)) {
                    missing.add(c);
                }
            }
            if (missing.isEmpty()) {
                checkPrivileges(client, database, collections, cs, shown);
            }
            if (!missing.isEmpty()) {
                throw new ConfigException(
                        "mongo.collections: "
                                + missing
                                + " not found in database '"
                                + database
                                + "' at "
                                + shown
                                + " (it has "
                                + existing
                                + "). Check the names or create the collections first.");
            }
            return version;
        } catch (MongoTimeoutException e) {
            Throwable tls =
                    opened[0] == null ? null : tlsFailure(opened[0].getClusterDescription());
            if (tls != null) {
                throw new ConfigException(tlsHandshakeFailed(shown, tls));
            }
            throw new ConfigException(
                    "mongo.uri: cannot reach MongoDB at "
                            + shown
                            + " within 10 s. Check host, port, replicaSet name and that the"
                            + " server is running.");
        } catch (MongoSecurityException e) {
            throw new ConfigException(authenticationFailed(cs, shown, password != null, e));
        } catch (MongoCommandException e) {
            if (e.getErrorCode() == UNAUTHORIZED && cs.getUsername() == null) {
                throw new ConfigException(
                        "mongo.uri "
                                + shown
                                + " names no user, but the MongoDB server requires"
                                + " authentication ("
                                + e.getErrorMessage()
                                + "). Put the user into the URI (mongodb://USER@host/...,"
                                + " plus authSource=DB if the user is not defined in admin)"
                                + " and its password into the environment variable "
                                + JobConfig.MONGO_PASSWORD_ENV
                                + " or the file named by mongo.password-file.");
            }
            throw new ConfigException(
                    "mongo.uri: the server at "
                            + shown
                            + " refused a command ("
                            + e.getErrorCodeName()
                            + "): "
                            + e.getErrorMessage());
        }
    }

    /**
     * Refuses a user that may not read or watch the collections: {@code connectionStatus} with
     * {@code showPrivileges} lists the user's privileges with its roles expanded by the server.
     * Skipped (debug line) without access control or where the server cannot say.
     */
    static void checkPrivileges(
            MongoClient client,
            String database,
            List<String> collections,
            ConnectionString cs,
            String shown) {
        Document authInfo;
        try {
            Document status =
                    client.getDatabase("admin")
                            .runCommand(
                                    new Document("connectionStatus", 1)
                                            .append("showPrivileges", true));
            authInfo = status.get("authInfo", Document.class);
        } catch (MongoCommandException e) {
            LOG.debug("Privilege check skipped: connectionStatus failed: {}", e.getErrorMessage());
            return;
        }
        List<?> users = authInfo == null ? null : authInfo.get("authenticatedUsers", List.class);
        List<?> privileges =
                authInfo == null ? null : authInfo.get("authenticatedUserPrivileges", List.class);
        if (users == null || users.isEmpty() || privileges == null) {
            LOG.debug(
                    "Privilege check skipped: no authenticated user (no access control) or no"
                            + " privileges reported by {}",
                    shown);
            return;
        }
        List<String> missing =
                MongoPrivileges.parse(privileges).missingForSource(database, collections);
        if (missing.isEmpty()) {
            return;
        }
        String user = cs.getUsername() != null ? cs.getUsername() : String.valueOf(users.get(0));
        throw new ConfigException(
                "mongo.uri: the MongoDB user '"
                        + user
                        + "' at "
                        + shown
                        + " lacks "
                        + String.join(", ", missing)
                        + " (roles "
                        + roles(authInfo)
                        + "); the snapshot needs find and the change stream needs find and"
                        + " changeStream. Grant the built-in role read on the database:"
                        + " db.getSiblingDB('admin').grantRolesToUser('"
                        + user
                        + "', [{role: 'read', db: '"
                        + database
                        + "'}]), or a role with these actions.");
    }

    private static String roles(Document authInfo) {
        List<String> out = new ArrayList<>();
        List<?> roles = authInfo.get("authenticatedUserRoles", List.class);
        if (roles != null) {
            for (Object r : roles) {
                if (r instanceof Document) {
                    out.add(((Document) r).get("role") + "@" + ((Document) r).get("db"));
                }
            }
        }
        return out.toString();
    }

    /**
     * The oplog's window: first and last entry of {@code local.oplog.rs} and its {@code collStats}
     * size and cap; empty (logged) where it cannot be read, e.g. a user without read access to the
     * {@code local} database.
     */
    public static Optional<OplogWindow> oplogWindow(MongoClient client) {
        try {
            MongoDatabase local = client.getDatabase("local");
            Document first = oplogEnd(local, 1);
            Document last = oplogEnd(local, -1);
            if (first == null || last == null) {
                LOG.debug("Oplog window unknown: local.oplog.rs is empty");
                return Optional.empty();
            }
            Document stats = local.runCommand(new Document("collStats", "oplog.rs"));
            return Optional.of(
                    new OplogWindow(
                            first.get("ts", BsonTimestamp.class).getTime() & 0xFFFFFFFFL,
                            last.get("ts", BsonTimestamp.class).getTime() & 0xFFFFFFFFL,
                            ((Number) stats.get("size")).longValue(),
                            ((Number) stats.get("maxSize")).longValue()));
        } catch (MongoCommandException e) {
            LOG.info(
                    "Oplog window not checked: cannot read local.oplog.rs ({}: {}); the role"
                            + " read on the database local allows it",
                    e.getErrorCodeName(),
                    e.getErrorMessage());
        } catch (RuntimeException e) {
            LOG.debug("Oplog window not checked: {}", e.toString());
        }
        return Optional.empty();
    }

    private static Document oplogEnd(MongoDatabase local, int direction) {
        return local.getCollection("oplog.rs")
                .find()
                .sort(new Document("$natural", direction))
                .projection(new Document("ts", 1))
                .limit(1)
                .first();
    }

    /** mongod's code for a command that needs an authenticated (or more privileged) user. */
    private static final int UNAUTHORIZED = 13;

    /**
     * What failed (MongoDB authentication, for which user, database and mechanism), where the
     * password came from, and what to fix; never the password.
     */
    static String authenticationFailed(
            ConnectionString cs, String shown, boolean fromFile, MongoSecurityException e) {
        MongoCredential credential = e.getCredential();
        String mechanism =
                credential != null && credential.getMechanism() != null
                        ? credential.getMechanism()
                        : "negotiated";
        String authSource = cs.getCredential() != null ? cs.getCredential().getSource() : "admin";
        String env = System.getenv(JobConfig.MONGO_PASSWORD_ENV);
        String passwordFrom =
                env != null && !env.isEmpty()
                        ? "the environment variable " + JobConfig.MONGO_PASSWORD_ENV
                        : fromFile ? "mongo.password-file" : "the URI";
        String reason =
                e.getCause() instanceof MongoCommandException
                        ? ((MongoCommandException) e.getCause()).getErrorMessage()
                        : Redact.uri(String.valueOf(e.getMessage()));
        return "mongo.uri: MongoDB authentication failed for user '"
                + cs.getUsername()
                + "' (authSource '"
                + authSource
                + "', mechanism "
                + mechanism
                + ", password from "
                + passwordFrom
                + ") at "
                + shown
                + ": "
                + reason
                + " Fix the user name in mongo.uri, the password in "
                + JobConfig.MONGO_PASSWORD_ENV
                + " or mongo.password-file, or authSource=DB in mongo.uri if the user is defined in another"
                + " database.";
    }

    /**
     * The TLS error (an {@link SSLException} in the cause chain) that kept the driver from
     * connecting to a server of {@code cluster}, or null when none did.
     */
    static Throwable tlsFailure(ClusterDescription cluster) {
        for (ServerDescription server : cluster.getServerDescriptions()) {
            for (Throwable t = server.getException(); t != null; t = t.getCause()) {
                if (t instanceof SSLException) {
                    return t;
                }
                if (t.getCause() == t) {
                    break;
                }
            }
        }
        return null;
    }

    /**
     * The message for a failed TLS handshake with the source: which case it is (certificate not
     * trusted, host name not in the certificate, no TLS on the server), the trust store in use and
     * where to set it. The MongoDB Java driver, here and in Flink CDC's source, trusts the JVM's
     * default trust store only; it takes no CA file from the URI.
     */
    static String tlsHandshakeFailed(String shown, Throwable tls) {
        StringBuilder causes = new StringBuilder();
        for (Throwable t = tls; t != null; t = t.getCause() == t ? null : t.getCause()) {
            causes.append(' ').append(t.getMessage());
        }
        String all = causes.toString();
        String store = System.getProperty("javax.net.ssl.trustStore");
        String inUse =
                store == null || store.isEmpty()
                        ? "this JVM trusts the JDK's default CAs only (javax.net.ssl.trustStore is"
                                + " not set)"
                        : "this JVM trusts the CAs in javax.net.ssl.trustStore=" + store;
        String where =
                " Set it on every JVM that connects to MongoDB: for Flink in env.java.opts.all"
                        + " (flink run, JobManager and TaskManagers), for bin/dbtransfer (verify,"
                        + " cutover) in DBTRANSFER_JAVA_OPTS.";
        String head =
                "mongo.uri: the TLS handshake with MongoDB at "
                        + shown
                        + " failed ("
                        + Redact.uri(String.valueOf(tls.getMessage()))
                        + "). ";
        if (all.contains("PKIX") || all.contains("certification path")) {
            return head
                    + "The server's certificate is not signed by a trusted CA: "
                    + inUse
                    + ". Fix: import the CA that signed the server's certificate into a trust"
                    + " store (keytool -importcert -file ca.pem -keystore ca.p12 -storetype"
                    + " PKCS12) and pass -Djavax.net.ssl.trustStore=ca.p12"
                    + " -Djavax.net.ssl.trustStorePassword=…; the MongoDB Java driver takes no CA"
                    + " file from the URI."
                    + where;
        }
        if (all.contains("subject alternative") || all.contains("No name matching")) {
            return head
                    + "The server's certificate does not list the host name of mongo.uri. Fix:"
                    + " connect with a host name the certificate lists (subjectAltName), or"
                    + " reissue the certificate for this host.";
        }
        return head
                + "Check that the server offers TLS on this port (net.tls.mode) and that "
                + inUse
                + " including the CA that signed the server's certificate."
                + where;
    }

    /** The current operation time of the server as a version (0 when it reports none). */
    public static long operationTime(MongoClient client) {
        return operationTime(client.getDatabase("admin").runCommand(new Document("ping", 1)));
    }

    /** The {@code operationTime} (or {@code $clusterTime}) of a command reply as a version. */
    static long operationTime(Document reply) {
        Object t = reply.get("operationTime");
        if (!(t instanceof BsonTimestamp) && reply.get("$clusterTime") instanceof Document) {
            t = ((Document) reply.get("$clusterTime")).get("clusterTime");
        }
        if (!(t instanceof BsonTimestamp)) {
            return 0;
        }
        BsonTimestamp ts = (BsonTimestamp) t;
        return SourceVersion.of(ts.getTime() & 0xFFFFFFFFL, ts.getInc() & 0xFFFFFFFFL);
    }
}
