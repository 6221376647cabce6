package io.dbtransfer.testing;

import io.dbtransfer.embedded.MongoEmulator;

import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import java.security.SecureRandom;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The MongoDB every test of this JVM uses: the replica set named by {@code DBTRANSFER_MONGO_URI} if
 * set, else a {@code mongo:7} replica set in a container with {@code -Pcontainers}, else one {@link
 * MongoEmulator} started on first use and stopped at JVM exit.
 */
public final class TestMongo {

    /** Environment variable with the URI of a real replica set to test against. */
    public static final String URI_VARIABLE = "DBTRANSFER_MONGO_URI";

    private static final AtomicLong DATABASE_COUNTER = new AtomicLong();
    private static final String RUN_ID = randomSuffix();

    private static MongoEmulator emulator;
    private static String uri;
    private static MongoClient client;

    private TestMongo() {}

    /** The connection string of the Mongo under test. */
    public static synchronized String uri() {
        if (uri == null) {
            String configured = System.getenv(URI_VARIABLE);
            if (configured != null && !configured.isBlank()) {
                uri = configured.trim();
            } else if (Containers.enabled()) {
                uri = Containers.mongoReplicaSetUri();
            } else {
                emulator = MongoEmulator.start();
                Runtime.getRuntime()
                        .addShutdownHook(new Thread(TestMongo::shutDown, "test-mongo-shutdown"));
                uri = emulator.connectionString();
            }
        }
        return uri;
    }

    /** {@code host:port[,host:port...]}, for {@code MongoDBSource.builder().hosts(...)}. */
    public static String hosts() {
        return String.join(",", new ConnectionString(uri()).getHosts());
    }

    /**
     * The URI's query-string options (e.g. {@code directConnection=true}), for {@code
     * MongoDBSource.builder().connectionOptions(...)}; {@code null} if there are none.
     */
    public static String connectionOptions() {
        String full = uri();
        int query = full.indexOf('?');
        if (query < 0 || query == full.length() - 1) {
            return null;
        }
        return full.substring(query + 1);
    }

    /** The user name in the URI, for {@code MongoDBSource.builder().username(...)}; or null. */
    public static String username() {
        return new ConnectionString(uri()).getUsername();
    }

    /** The password in the URI, for {@code MongoDBSource.builder().password(...)}; or null. */
    public static String password() {
        char[] password = new ConnectionString(uri()).getPassword();
        return password == null ? null : new String(password);
    }

    /** A client shared by all tests of this JVM; do not close it. */
    public static synchronized MongoClient client() {
        if (client == null) {
            client = MongoClients.create(uri());
        }
        return client;
    }

    /** True when the tests run against the emulator rather than a real replica set. */
    public static synchronized boolean isEmulator() {
        uri();
        return emulator != null;
    }

    /** The emulator, for emulator-only features; fails when testing against a real server. */
    public static synchronized MongoEmulator emulator() {
        if (!isEmulator()) {
            throw new IllegalStateException(
                    "Tests run against a real MongoDB ("
                            + URI_VARIABLE
                            + " is set); emulator-only tests must skip themselves with"
                            + " Assumptions.assumeTrue(TestMongo.isEmulator())");
        }
        return emulator;
    }

    /** A database name no other call (in this or another run) returns. */
    public static String newDatabaseName(String prefix) {
        String clean = prefix.replaceAll("[^A-Za-z0-9_]", "_");
        if (clean.length() > 30) {
            clean = clean.substring(0, 30);
        }
        return clean + "_" + RUN_ID + "_" + DATABASE_COUNTER.incrementAndGet();
    }

    private static String randomSuffix() {
        return Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36)
                .toLowerCase(Locale.ROOT);
    }

    private static synchronized void shutDown() {
        if (client != null) {
            client.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }
}
