package io.dbtransfer.embedded;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import java.io.File;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An in-memory MongoDB emulator on the wire protocol (mongo-java-server plus a change-stream layer)
 * that the MongoDB Java driver and Flink CDC's incremental {@code MongoDBSource} can use in place
 * of a replica set. It is not mongod: see {@code ChangeStreamBackend} for what it adds and the
 * project's notes for what it lacks.
 *
 * <p>Its threads are daemon threads: a forgotten emulator does not keep the JVM alive.
 */
public final class MongoEmulator implements AutoCloseable {

    private static final String HOST = "127.0.0.1";

    /** Driver option: talk to this one server as it is, without replica-set discovery. */
    private static final String CONNECTION_OPTIONS = "directConnection=true";

    private final ChangeStreamBackend backend;
    private final EmulatorServer server;
    private final int port;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MongoEmulator(ChangeStreamBackend backend, EmulatorServer server, int port) {
        this.backend = backend;
        this.server = server;
        this.port = port;
    }

    /** Starts an emulator on a free port of 127.0.0.1. */
    public static MongoEmulator start() {
        return start(0);
    }

    /** Starts an emulator on 127.0.0.1:{@code port} (0 for a free port). */
    public static MongoEmulator start(int port) {
        return start(new ChangeStreamBackend(), port);
    }

    /**
     * Starts an emulator on a free port with access control: one user of the {@code admin} database
     * who authenticates with SCRAM-SHA-256 (the only mechanism offered); every other command on a
     * connection that has not authenticated fails with code 13 {@code Unauthorized}, a wrong
     * password with code 18 {@code AuthenticationFailed}, as on mongod. The user holds {@link
     * EmulatedRole#root()}: it may do everything once authenticated.
     */
    public static MongoEmulator start(String user, String password) {
        return start(user, password, List.of(EmulatedRole.root()));
    }

    /**
     * As {@link #start(String, String)}, for a user holding {@code roles}: {@code connectionStatus}
     * reports them (and their privileges with {@code showPrivileges: true}), and {@code find} and
     * change streams are refused with code 13 {@code Unauthorized} where they grant neither.
     */
    public static MongoEmulator start(String user, String password, List<EmulatedRole> roles) {
        return start(new ChangeStreamBackend(new ScramSha256Server(user, password), roles), 0);
    }

    /**
     * Starts an emulator on a free port that accepts TLS connections only: it serves {@code
     * certificateChain} (PEM, the server's certificate first) with {@code privateKey} (PEM, PKCS#8
     * or PKCS#1, unencrypted). Clients connect with {@code tls=true} ({@link #connectionString()}
     * does not add it) and must trust the certificate's CA.
     */
    public static MongoEmulator startTls(File certificateChain, File privateKey) {
        SslContext ssl;
        try {
            ssl = SslContextBuilder.forServer(certificateChain, privateKey).build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IllegalStateException(
                    "Could not load the emulator's TLS certificate "
                            + certificateChain
                            + " / key "
                            + privateKey
                            + ": "
                            + e.getMessage(),
                    e);
        }
        return start(new ChangeStreamBackend(), 0, ssl);
    }

    private static MongoEmulator start(ChangeStreamBackend backend, int port) {
        return start(backend, port, null);
    }

    private static MongoEmulator start(ChangeStreamBackend backend, int port, SslContext ssl) {
        backend.enableOplog();
        EmulatorServer server = new EmulatorServer(backend, ssl);
        InetSocketAddress address = bindOnDaemonThread(server, port);
        return new MongoEmulator(backend, server, address.getPort());
    }

    /**
     * Netty's event-loop threads inherit daemon status from the thread that starts them: the
     * acceptor thread is started by {@code bind}, the I/O threads by the acceptor thread.
     */
    private static InetSocketAddress bindOnDaemonThread(EmulatorServer server, int port) {
        // The event loops' threads are daemon threads themselves; binding on a daemon thread too
        // keeps any thread netty starts from the caller's thread out of the picture.
        FutureTask<InetSocketAddress> bind =
                new FutureTask<>(
                        () -> {
                            server.bind(HOST, port);
                            return server.getLocalAddress();
                        });
        Thread thread = new Thread(bind, "mongo-emulator-start");
        thread.setDaemon(true);
        thread.start();
        try {
            return bind.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IllegalStateException("Could not start the Mongo emulator", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
            throw new IllegalStateException("Interrupted while starting the Mongo emulator", e);
        }
    }

    /**
     * {@code mongodb://127.0.0.1:PORT/?directConnection=true}: accepted by the driver and, split
     * into {@link #host()} and {@link #connectionOptions()}, by Flink CDC's {@code MongoDBSource}.
     */
    public String connectionString() {
        return "mongodb://" + host() + "/?" + CONNECTION_OPTIONS;
    }

    /** The query-string options of {@link #connectionString()}, for {@code connectionOptions}. */
    public String connectionOptions() {
        return CONNECTION_OPTIONS;
    }

    /** {@code 127.0.0.1:PORT}, for {@code MongoDBSource.builder().hosts(...)}. */
    public String host() {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    /**
     * Opens a simulated multi-document transaction (the emulator runs none): every write until
     * {@link #commitTransaction} joins it; see {@code EmulatedOplog#beginTransaction}.
     */
    public void beginTransaction() {
        backend.beginTransaction();
    }

    /**
     * Commits the simulated transaction: its changes appear in change streams with one {@code
     * clusterTime} and this {@code txnNumber}, in order.
     */
    public void commitTransaction(long txnNumber) {
        backend.commitTransaction(txnNumber);
    }

    /**
     * Forgets all change history: every change stream positioned before this moment (open cursors
     * and saved resume tokens alike) fails with {@code ChangeStreamHistoryLost} (286) when opened
     * or read next, as on a replica set whose oplog rolled over. New streams are not affected.
     */
    public void expireHistory() {
        backend.expireHistory();
    }

    /**
     * Makes the change streams of one collection positioned before this moment fail with {@code
     * ChangeStreamHistoryLost} (286), and no other: a test's stand-in for one collection whose
     * stream fell out of the oplog window while the others kept up.
     */
    public void expireHistory(String database, String collection) {
        backend.expireHistory(database, collection);
    }

    /**
     * Caps the emulated oplog at {@code bytes} (encoded oplog documents), like {@code
     * replSetResizeOplog} on mongod but without its 990 MB minimum: the oldest entries are dropped
     * from then on, and change streams positioned before them fail with error 286.
     */
    public void resizeOplog(long bytes) {
        backend.resizeOplog(bytes);
    }

    /**
     * The newest cluster time ({@code seconds << 32 | increment}) handed out, or the current second
     * if that is later: what {@code $clusterTime} on the next reply would be at least.
     */
    public long currentClusterTimeVersion() {
        return backend.emulatedOplog().currentTime();
    }

    /**
     * Documents the emulator has read from storage to answer queries since it started, over all
     * collections: mongod's {@code totalDocsExamined}, summed. A query served by the ordered {@code
     * _id} index adds the candidates it read; one that scans adds the collection's size.
     */
    public long documentsExamined() {
        return backend.documentsExamined();
    }

    /** Closes client connections and stops the server; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "MongoEmulator[" + host() + "]";
    }
}
