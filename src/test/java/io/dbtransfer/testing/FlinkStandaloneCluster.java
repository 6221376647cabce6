package io.dbtransfer.testing;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real standalone Flink cluster from Maven jars: JobManager and TaskManager each in their own
 * JVM, configured from a copy of the project's {@code flink-conf/config.yaml} with test ports and
 * directories. Either a session cluster ({@link #start()}) with Flink's own {@code CliFrontend} as
 * a third JVM per command, or an application cluster ({@link #startApplication}) whose JobManager
 * runs the job's {@code main()} itself and can be killed and started again ({@link
 * #killJobManager()}, {@link #restartJobManager()}).
 *
 * <p>Every child JVM runs under a small bash guard that kills it when the guard's stdin closes —
 * which happens when this class closes it, and also when the test JVM dies in any way (even {@code
 * kill -9}), so no JobManager or TaskManager outlives the test.
 */
public final class FlinkStandaloneCluster implements AutoCloseable {

    /** Written at build time by the {@code flink-cluster-classpath} dependency-plugin execution. */
    public static final Path CLASSPATH_FILE = Path.of("target/flink-cluster-classpath.txt");

    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");
    private static final String GUARD =
            "exec 3<&0; \"$@\" <&- & child=$!;"
                    + " { cat <&3 >/dev/null; kill -TERM $child 2>/dev/null; sleep 5;"
                    + " kill -KILL $child 2>/dev/null; } & wait $child";
    private static final List<Process> ALL = new CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(() -> ALL.forEach(FlinkStandaloneCluster::kill)));
    }

    public final Path dir;
    public final Path confDir;
    public final Path logDir;
    public final int restPort;
    public final int prometheusPort;
    private final String classpath;
    private final List<String> jvmOpens;
    private final List<Process> processes = new ArrayList<>();
    private int cliCalls;
    private Process jobManager;
    private List<String> jobManagerArgs;
    private String jobManagerClass;
    private Map<String, String> jobManagerEnv = Map.of();
    private int jobManagerStarts;

    /**
     * Prepares the configuration in {@code dir/conf}: the project's config.yaml with free ports,
     * checkpoint and savepoint directories under {@code dir}, and {@code overrides} (dotted keys).
     */
    public FlinkStandaloneCluster(Path dir, Map<String, Object> overrides) throws IOException {
        if (!Files.isRegularFile(CLASSPATH_FILE)) {
            throw new IllegalStateException(
                    CLASSPATH_FILE + " is missing: run the build (mvn verify) to write it");
        }
        this.dir = dir;
        this.confDir = Files.createDirectories(dir.resolve("conf"));
        this.logDir = Files.createDirectories(dir.resolve("log"));
        this.classpath = Files.readString(CLASSPATH_FILE).trim();
        this.restPort = freePort();
        this.prometheusPort = freePort();
        Map<String, Object> conf;
        try (InputStream in = Files.newInputStream(Path.of("flink-conf/config.yaml"))) {
            conf = new Yaml().load(in);
        }
        put(conf, "jobmanager.rpc.port", freePort());
        put(conf, "rest.port", restPort);
        put(conf, "parallelism.default", 1);
        put(conf, "taskmanager.numberOfTaskSlots", 2);
        put(conf, "taskmanager.memory.process.size", "1280m");
        put(conf, "execution.checkpointing.interval", "1s");
        // The shipped 10 s during the snapshot would only make the tests wait; the state backend
        // stays the shipped one (RocksDB, incremental).
        put(conf, "execution.checkpointing.interval-during-backlog", "1s");
        put(conf, "execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        put(conf, "execution.checkpointing.savepoint-dir", dir.resolve("sp").toUri().toString());
        put(conf, "io.tmp.dirs", Files.createDirectories(dir.resolve("tmp")).toString());
        // JobManager and TaskManager each take one port of the range.
        put(conf, "metrics.reporter.prom.port", prometheusPort + "-" + (prometheusPort + 5));
        for (Map.Entry<String, Object> e : overrides.entrySet()) {
            put(conf, e.getKey(), e.getValue());
        }
        DumperOptions opts = new DumperOptions();
        opts.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Files.writeString(confDir.resolve("config.yaml"), new Yaml(opts).dump(conf));
        Files.writeString(
                confDir.resolve("log4j.properties"),
                String.join(
                        "\n",
                        "rootLogger.level = INFO",
                        "rootLogger.appenderRef.file.ref = MainAppender",
                        "appender.main.name = MainAppender",
                        "appender.main.type = File",
                        "appender.main.append = true",
                        "appender.main.fileName = ${sys:log.file}",
                        "appender.main.layout.type = PatternLayout",
                        "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                        ""));
        Object opens = get(conf, "env.java.opts.all");
        this.jvmOpens =
                opens == null ? List.of() : Arrays.asList(opens.toString().trim().split("\\s+"));
    }

    /** Starts JobManager and TaskManager and waits until the TaskManager's slots are offered. */
    public FlinkStandaloneCluster start() throws Exception {
        jobManagerClass = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
        jobManagerArgs = List.of("--configDir", confDir.toString());
        startJobManager();
        return startTaskManager();
    }

    /**
     * Starts an application cluster: a JobManager ({@code StandaloneApplicationClusterEntryPoint})
     * that runs {@code mainClass} of {@code jobJar} with {@code jobArgs} itself (the jar is passed
     * with {@code --jars}; the TaskManager fetches it from the blob server), and a TaskManager.
     * {@code env} is the JobManager's environment (where {@code main()} runs). Waits until the
     * TaskManager's slots are offered.
     */
    public FlinkStandaloneCluster startApplication(
            Path jobJar, String mainClass, Map<String, String> env, String... jobArgs)
            throws Exception {
        jobManagerClass =
                "org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint";
        List<String> args = new ArrayList<>();
        args.addAll(List.of("--configDir", confDir.toString()));
        args.addAll(List.of("--job-classname", mainClass));
        args.addAll(List.of("--jars", jobJar.toAbsolutePath().toUri().toString()));
        // Without "--" the entry point's parser takes the job's --config as --configDir.
        args.add("--");
        args.addAll(Arrays.asList(jobArgs));
        jobManagerArgs = List.copyOf(args);
        jobManagerEnv = Map.copyOf(env);
        startJobManager();
        return startTaskManager();
    }

    /** Kills the JobManager JVM with SIGKILL (no shutdown hooks, no clean-up) and waits for it. */
    public void killJobManager() throws Exception {
        Process guard = jobManager;
        List<ProcessHandle> jvms =
                guard.children()
                        .filter(h -> h.info().command().orElse("").endsWith("java"))
                        .toList();
        if (jvms.isEmpty()) {
            throw new AssertionError("No JobManager JVM under the guard; logs in " + logDir);
        }
        for (ProcessHandle jvm : jvms) {
            jvm.destroyForcibly();
            jvm.onExit().get(30, TimeUnit.SECONDS);
        }
        guard.waitFor(30, TimeUnit.SECONDS);
        processes.remove(guard);
        kill(guard);
    }

    /** Starts the JobManager again with the same command (its log is {@code jobmanager-N.log}). */
    public void restartJobManager() throws Exception {
        startJobManager();
    }

    /** The log file of the JobManager's current (latest) start. */
    public Path jobManagerLog() {
        return logDir.resolve(jobManagerName(jobManagerStarts) + ".log");
    }

    private void startJobManager() throws Exception {
        jobManagerStarts++;
        jobManager =
                launch(
                        jobManagerName(jobManagerStarts),
                        List.of("-Xmx512m"),
                        jobManagerClass,
                        jobManagerArgs,
                        jobManagerEnv);
        processes.add(jobManager);
    }

    private static String jobManagerName(int start) {
        return start == 1 ? "jobmanager" : "jobmanager-" + start;
    }

    private FlinkStandaloneCluster startTaskManager() throws Exception {
        List<String> tmParams = tmResourceParams();
        List<String> tmArgs = new ArrayList<>(List.of("--configDir", confDir.toString()));
        tmArgs.addAll(Arrays.asList(tmParams.get(1).trim().split("\\s+")));
        processes.add(
                launch(
                        "taskmanager",
                        Arrays.asList(tmParams.get(0).trim().split("\\s+")),
                        "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                        tmArgs,
                        Map.of()));
        Eventually.waitUntil(
                TestDurations.MEDIUM,
                "the standalone cluster to offer its task slots",
                () -> {
                    assertAlive();
                    return rest("/overview").contains("\"slots-total\":2");
                });
        return this;
    }

    /**
     * Runs {@code flink <args>} through CliFrontend; returns its output, fails on exit code ≠ 0.
     */
    public String cli(Map<String, String> env, String... args) throws Exception {
        String name = "cli-" + (++cliCalls) + "-" + args[0];
        List<String> all = new ArrayList<>(Arrays.asList(args));
        Process p =
                launch(
                        name,
                        List.of("-Xmx256m"),
                        "org.apache.flink.client.cli.CliFrontend",
                        all,
                        env);
        Path out = logDir.resolve(name + ".out");
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            kill(p);
            throw new AssertionError("flink " + String.join(" ", args) + " did not finish");
        }
        String output = Files.readString(out);
        if (p.exitValue() != 0) {
            throw new AssertionError(
                    "flink "
                            + String.join(" ", args)
                            + " exited "
                            + p.exitValue()
                            + ":\n"
                            + output);
        }
        return output;
    }

    /** {@code flink run -d …}: returns the submitted job's id. */
    public String submit(Map<String, String> env, String... runArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "-d"));
        args.addAll(Arrays.asList(runArgs));
        return find(JOB_ID, cli(env, args.toArray(new String[0])), "job id");
    }

    /** {@code flink stop --savepointPath …}: returns the savepoint's path. */
    public String stopWithSavepoint(String jobId) throws Exception {
        String out =
                cli(
                        Map.of(),
                        "stop",
                        "--savepointPath",
                        dir.resolve("savepoints").toUri().toString(),
                        jobId);
        return find(SAVEPOINT, out, "savepoint path");
    }

    /** GET on the cluster's REST API. */
    public String rest(String path) throws Exception {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create("http://localhost:" + restPort + path))
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    /** Everything the JobManager, TaskManager and CLI processes logged or printed. */
    public String allLogs() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.list(logDir)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                sb.append(Files.readString(f, StandardCharsets.ISO_8859_1));
            }
        }
        return sb.toString();
    }

    /** Fails when the JobManager or TaskManager has exited. */
    public void assertAlive() throws IOException {
        for (Process p : processes) {
            if (!p.isAlive()) {
                throw new AssertionError(
                        "A Flink cluster process ("
                                + (p == jobManager ? "JobManager" : "TaskManager")
                                + ") exited with "
                                + p.exitValue()
                                + "; logs in "
                                + logDir);
            }
        }
    }

    @Override
    public void close() {
        processes.forEach(FlinkStandaloneCluster::kill);
        processes.clear();
    }

    private List<String> tmResourceParams() throws Exception {
        Process p =
                launch(
                        "bash-java-utils",
                        List.of("-Xmx128m"),
                        "org.apache.flink.runtime.util.bash.BashJavaUtils",
                        List.of("GET_TM_RESOURCE_PARAMS", "--configDir", confDir.toString()),
                        Map.of());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            kill(p);
            throw new AssertionError("BashJavaUtils failed; see " + logDir);
        }
        List<String> result = new ArrayList<>();
        for (String line : Files.readAllLines(logDir.resolve("bash-java-utils.out"))) {
            if (line.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:")) {
                result.add(line.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()));
            }
        }
        if (result.size() < 2) {
            throw new AssertionError("BashJavaUtils printed no resource parameters: " + result);
        }
        return result;
    }

    private Process launch(
            String name,
            List<String> jvmArgs,
            String mainClass,
            List<String> args,
            Map<String, String> env)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", GUARD, "flink-" + name));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.addAll(jvmOpens);
        cmd.add("-Dlog.file=" + logDir.resolve(name + ".log"));
        cmd.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("FLINK_CONF_DIR", confDir.toString());
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(logDir.resolve(name + ".out").toFile());
        Process p = pb.start();
        ALL.add(p);
        return p;
    }

    private static void kill(Process guard) {
        try {
            guard.getOutputStream().close(); // the guard sends SIGTERM, then SIGKILL after 5 s
        } catch (IOException ignored) {
            // already closed
        }
        List<ProcessHandle> children = guard.descendants().toList();
        children.forEach(ProcessHandle::destroy);
        for (ProcessHandle c : children) {
            try {
                c.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                c.destroyForcibly();
            }
        }
        guard.destroyForcibly();
        ALL.remove(guard);
    }

    private static String find(Pattern pattern, String output, String what) {
        Matcher m = pattern.matcher(output);
        if (!m.find()) {
            throw new AssertionError("No " + what + " in the CLI output:\n" + output);
        }
        return m.group(1);
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> conf, String dottedKey, Object value) {
        // Flink reads nested and dotted keys alike; replace any existing form of the key.
        conf.remove(dottedKey);
        String[] parts = dottedKey.split("\\.");
        Map<String, Object> m = conf;
        for (int i = 0; i < parts.length - 1; i++) {
            Object next = m.get(parts[i]);
            if (!(next instanceof Map)) {
                String rest = String.join(".", Arrays.copyOfRange(parts, i, parts.length));
                m.put(rest, value);
                return;
            }
            m = (Map<String, Object>) next;
        }
        m.put(parts[parts.length - 1], value);
    }

    @SuppressWarnings("unchecked")
    private static Object get(Map<String, Object> conf, String dottedKey) {
        Object cur = conf;
        for (String part : dottedKey.split("\\.")) {
            if (!(cur instanceof Map)) {
                return null;
            }
            cur = ((Map<String, Object>) cur).get(part);
        }
        return cur;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
