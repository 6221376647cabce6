package io.dbtransfer.bench;

import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.embedded.EmbeddedMariaDb;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.ColumnType.Kind;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.MismatchRecord;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.reconcile.ReconcileOperator;
import io.dbtransfer.reconcile.ReconcileSettings;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.DiscardingSink;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.streaming.api.functions.source.SourceFunction;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code bin/dbtransfer benchmark-sweep}: reconcile sweeps over N documents (a parent row each, a
 * child row for every fourth) with the TaskManager in a child JVM capped at {@code --heap}. The
 * rows go straight into MariaDB (multi-row INSERT); the job builds the matching keyed state from a
 * generator of the same documents. Measured: sweep durations, peak heap, checkpoint durations
 * during sweeps; checked: a consistent table gives no mismatch, three rows changed behind the job's
 * back (different, extra, missing) are each reported once.
 */
public final class SweepBenchmark {

    static final TableSpec TAGS =
            new TableSpec(
                    "docs_tags",
                    List.of(
                            new ColumnSpec("doc_id", ColumnType.varchar(24), "doc_id"),
                            new ColumnSpec("_idx", ColumnType.of(Kind.INT), "_idx"),
                            new ColumnSpec("tag", ColumnType.of(Kind.TEXT), "tag")),
                    2);

    static final TableSpec DOCS =
            new TableSpec(
                    "docs",
                    List.of(
                            new ColumnSpec("_id", ColumnType.varchar(24), "_id"),
                            new ColumnSpec("n", ColumnType.of(Kind.BIGINT), "n"),
                            new ColumnSpec("name", ColumnType.of(Kind.TEXT), "name")),
                    1,
                    List.of(TAGS));

    static final Mapping MAPPING = new Mapping(Map.of("docs", DOCS));

    private final int docs;
    private final String heap;
    private final int pageSize;
    private final String stateBackend;
    private final Path out;

    /** {@code stateBackend}: {@code hashmap} or {@code rocksdb} (with incremental checkpoints). */
    public SweepBenchmark(int docs, String heap, int pageSize, String stateBackend, Path out) {
        this.docs = docs;
        this.heap = heap;
        this.pageSize = pageSize;
        this.stateBackend = stateBackend;
        this.out = out;
    }

    static String id(long i) {
        return String.format(Locale.ROOT, "d%09d", i);
    }

    /** Document {@code i} as the job's change: parent row, one child row for every fourth. */
    static RowChange document(long i) {
        String id = id(i);
        ChildRows[] children =
                i % 4 == 0
                        ? new ChildRows[] {
                            new ChildRows(
                                    "docs_tags", new String[][] {{id, "0", "tag-" + (i % 97)}})
                        }
                        : new ChildRows[] {new ChildRows("docs_tags", new String[0][])};
        return RowChange.upsert(
                "docs",
                "docs",
                "\"" + id + "\"",
                1000 + i,
                new String[] {id, Long.toString(i * 7), "name " + i},
                children);
    }

    public int run() throws Exception {
        Path work = Path.of("target/benchmark-sweep");
        deleteTree(work);
        Files.createDirectories(work);
        say("Starting MariaDB");
        try (EmbeddedMariaDb maria = EmbeddedMariaDb.start(work.resolve("mariadb"))) {
            maria.createDatabase("sweep");
            String url = maria.jdbcUrl("sweep");
            long loadStart = System.nanoTime();
            long rows = load(url);
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            say(String.format(Locale.ROOT, "Loaded %,d rows in %.1f s", rows, loadSeconds));
            List<String> lines = child(url, work);
            Map<String, String> result = new TreeMap<>();
            List<String> sweeps = new ArrayList<>();
            List<String> checkpoints = new ArrayList<>();
            List<String> mismatches = new ArrayList<>();
            for (String l : lines) {
                if (l.startsWith("RESULT ")) {
                    String[] kv = l.substring(7).split("=", 2);
                    result.put(kv[0], kv[1]);
                } else if (l.startsWith("SWEEP ")) {
                    sweeps.add(l.substring(6));
                } else if (l.startsWith("CHECKPOINT ")) {
                    checkpoints.add(l.substring(11));
                } else if (l.startsWith("MISMATCH ")) {
                    mismatches.add(l.substring(9));
                }
            }
            String report = report(rows, loadSeconds, result, sweeps, checkpoints, mismatches);
            Path md =
                    out != null
                            ? out
                            : Path.of("benchmarks/results/sweep-" + LocalDate.now() + ".md");
            Files.writeString(md, report);
            say("Wrote " + md);
            return "true".equals(result.get("ok")) ? 0 : 1;
        }
    }

    private long load(String url) throws Exception {
        long rows = 0;
        try (Connection c = DriverManager.getConnection(url)) {
            SchemaManager.createTables(c, MAPPING);
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                int per = 2000;
                for (long from = 0; from < docs; from += per) {
                    StringBuilder p =
                            new StringBuilder(
                                    "INSERT INTO docs (_id, n, name, _src_version) VALUES ");
                    StringBuilder t =
                            new StringBuilder("INSERT INTO docs_tags (doc_id, _idx, tag) VALUES ");
                    boolean anyTag = false;
                    for (long i = from; i < Math.min(docs, from + per); i++) {
                        RowChange d = document(i);
                        if (i > from) {
                            p.append(',');
                        }
                        p.append("('")
                                .append(d.parent[0])
                                .append("',")
                                .append(d.parent[1])
                                .append(",'")
                                .append(d.parent[2])
                                .append("',")
                                .append(d.version)
                                .append(')');
                        rows++;
                        for (String[] tag : d.children[0].rows) {
                            t.append(anyTag ? "," : "")
                                    .append("('")
                                    .append(tag[0])
                                    .append("',")
                                    .append(tag[1])
                                    .append(",'")
                                    .append(tag[2])
                                    .append("')");
                            anyTag = true;
                            rows++;
                        }
                    }
                    st.execute(p.toString());
                    if (anyTag) {
                        st.execute(t.toString());
                    }
                    c.commit();
                }
            }
        }
        return rows;
    }

    /** Runs {@link Child} with the heap cap; returns its protocol lines. */
    private List<String> child(String url, Path work) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports")) {
                cmd.add(a);
            }
        }
        cmd.add("-Dlog4j2.level=WARN");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Child.class.getName());
        cmd.add(url);
        cmd.add(String.valueOf(docs));
        cmd.add(String.valueOf(pageSize));
        cmd.add(work.resolve("checkpoints").toAbsolutePath().toUri().toString());
        cmd.add(stateBackend);
        say("TaskManager (and JobManager) in a child JVM with -Xmx" + heap);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("RESULT ")
                        || line.startsWith("SWEEP ")
                        || line.startsWith("CHECKPOINT ")
                        || line.startsWith("MISMATCH ")) {
                    lines.add(line);
                }
                if (line.startsWith("bench:")
                        || line.startsWith("SWEEP ")
                        || line.startsWith("MISMATCH ")
                        || line.contains("OutOfMemoryError")
                        || line.startsWith("Exception")) {
                    System.out.println("   " + line);
                }
            }
        }
        int code = p.waitFor();
        if (code != 0) {
            throw new IllegalStateException(
                    "the child JVM failed (exit "
                            + code
                            + "); with -Xmx"
                            + heap
                            + " an OutOfMemoryError means memory grows with the table");
        }
        return lines;
    }

    private String report(
            long rows,
            double loadSeconds,
            Map<String, String> r,
            List<String> sweeps,
            List<String> checkpoints,
            List<String> mismatches) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Reconcile sweeps at scale — ").append(LocalDate.now()).append("\n\n");
        sb.append("Command: `benchmarks/run-sweep --docs ")
                .append(docs)
                .append(" --heap ")
                .append(heap)
                .append(" --page-size ")
                .append(pageSize)
                .append(" --state-backend ")
                .append(stateBackend)
                .append("` (run under `flock /tmp/dbtransfer-cpu.lock`), commit `")
                .append(commit())
                .append("`.\n\n");
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Data: %,d documents = %,d MySQL rows (a parent row each, a child row for"
                                + " every fourth), loaded with multi-row INSERTs in %.1f s; the"
                                + " job builds its keyed state (%s) from a generator of"
                                + " the same documents. Parallelism 2 (each subtask sweeps its"
                                + " own state keys and reads every MySQL row), one JVM with"
                                + " -Xmx%s for JobManager and TaskManager, page size %d,"
                                + " reconcile.time-slice %s, checkpoints every %s with a timeout"
                                + " of %s (0 tolerated failures: a timed-out checkpoint fails the"
                                + " job).\n\n",
                        docs,
                        rows,
                        loadSeconds,
                        stateBackend.equals("rocksdb")
                                ? "RocksDB backend, incremental checkpoints"
                                : "heap backend",
                        heap,
                        pageSize,
                        r.get("slice"),
                        r.get("checkpointInterval"),
                        r.get("checkpointTimeout")));
        sb.append("| result | value |\n|---|---:|\n");
        for (String k :
                List.of(
                        "sweepSecondsMax",
                        "rowsPerSecond",
                        "peakHeapMb",
                        "maxHeapAfterGcMb",
                        "sweepKeysPerSubtask",
                        "checkpointsCompleted",
                        "checkpointsFailed",
                        "checkpointsFailedSinceTheFirstSweep",
                        "checkpointMsMaxDuringSweeps",
                        "checkpointMsMedianDuringSweeps",
                        "checkpointMsMaxOverall",
                        "checkpointStateMbMax",
                        "mismatchesBeforeTamper",
                        "mismatchesAfterTamper",
                        "ok")) {
            sb.append("| ").append(k).append(" | ").append(r.get(k)).append(" |\n");
        }
        sb.append("\nSweeps (subtask, end offset s, duration s, state keys + MySQL keys):\n\n");
        for (String s : sweeps) {
            sb.append("- ").append(s).append('\n');
        }
        sb.append("\nMismatches reported (the three rows changed behind the job's back):\n\n");
        for (String m : mismatches) {
            sb.append("- ").append(m).append('\n');
        }
        sb.append(
                "\nCheckpoints (id, trigger offset s, duration ms, state MB, during a sweep):\n\n");
        sb.append("<details><summary>")
                .append(checkpoints.size())
                .append(" checkpoints</summary>\n\n");
        for (String c : checkpoints) {
            sb.append("- ").append(c).append('\n');
        }
        sb.append("\n</details>\n\n");
        sb.append(
                "Notes: peak heap is the largest used heap sampled every 200 ms (garbage"
                        + " included); heap after GC is the largest heap usage right after a"
                        + " collection (young ones included, so old garbage not yet collected"
                        + " counts too) — an upper bound of the live set. Checkpoint failures"
                        + " before the first sweep are triggers refused while the tasks were"
                        + " still starting; with no tolerated failure, a checkpoint that timed out"
                        + " would have failed the job. rowsPerSecond: MySQL rows (parent"
                        + " and child) a subtask reads per second of its longest sweep. Sweep"
                        + " durations are wall time from start to end of a sweep, spread over"
                        + " 200 ms timer firings of which it may use reconcile.time-slice each.\n");
        return sb.toString();
    }

    private static String commit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").start();
            String c = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            return c.isEmpty() ? "?" : c;
        } catch (Exception e) {
            return "?";
        }
    }

    private static void deleteTree(Path p) throws Exception {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private static void say(String s) {
        System.out.println(s);
    }

    /** Emits 0 … n-1, then idles (an unbounded source, so timers and checkpoints go on). */
    static final class Numbers implements SourceFunction<Long> {
        private static final long serialVersionUID = 1L;
        private final long n;
        private volatile boolean running = true;

        Numbers(long n) {
            this.n = n;
        }

        @Override
        public void run(SourceContext<Long> ctx) throws Exception {
            for (long i = 0; i < n && running; i++) {
                synchronized (ctx.getCheckpointLock()) {
                    ctx.collect(i);
                }
            }
            EMITTED = true;
            while (running) {
                Thread.sleep(100);
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    static volatile boolean EMITTED;

    /** Prints every mismatch as a protocol line. */
    static final class PrintMismatches implements SinkFunction<MismatchRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void invoke(MismatchRecord m, Context context) {
            System.out.println("MISMATCH " + m.kind + " " + m.key + " " + m.differingColumns);
            MISMATCHES.incrementAndGet();
        }
    }

    static final java.util.concurrent.atomic.AtomicInteger MISMATCHES =
            new java.util.concurrent.atomic.AtomicInteger();

    /** The capped JVM: MiniCluster, the job, the measurements; prints protocol lines. */
    public static final class Child {
        private Child() {}

        public static void main(String[] args) throws Exception {
            PrintStream out = System.out;
            String url = args[0];
            long docs = Long.parseLong(args[1]);
            int pageSize = Integer.parseInt(args[2]);
            String checkpointDir = args[3];
            String stateBackend = args[4];
            Duration interval = Duration.ofSeconds(2);
            Duration timeout = Duration.ofSeconds(20);
            long sliceMs = 100;
            Configuration conf = new Configuration();
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir);
            conf.set(RestOptions.BIND_PORT, "0");
            conf.set(WebOptions.CHECKPOINTS_HISTORY_SIZE, 100_000);
            conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(300));
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            conf.set(TaskManagerOptions.NUM_TASK_SLOTS, 2);
            Variant.configureStateBackend(conf, stateBackend);
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(2);
            env.enableCheckpointing(interval.toMillis());
            env.getCheckpointConfig().setCheckpointTimeout(timeout.toMillis());
            env.getCheckpointConfig().setTolerableCheckpointFailureNumber(0);
            ReconcileSettings settings =
                    ReconcileSettings.builder(url, MAPPING)
                            .checkDelayMs(1000)
                            .recheckDelayMs(1000)
                            .maxBackoffMs(5000)
                            .maxRechecks(3)
                            .sweepIntervalMs(5000)
                            .sweepPaging(pageSize, sliceMs)
                            .build();
            SingleOutputStreamOperator<RowChange> reconciled =
                    env.addSource(new Numbers(docs))
                            .setParallelism(1)
                            .name("documents")
                            .map(SweepBenchmark::document)
                            .setParallelism(1)
                            .returns(TypeInformation.of(RowChange.class))
                            .keyBy(RowChange::routingKey, Types.STRING)
                            .transform(
                                    "Reconcile",
                                    TypeInformation.of(RowChange.class),
                                    new ReconcileOperator(settings))
                            .uid("reconcile");
            reconciled.addSink(new DiscardingSink<>()).name("discard");
            reconciled
                    .getSideOutput(ReconcileOperator.MISMATCHES)
                    .addSink(new PrintMismatches())
                    .name("mismatches");
            var graph = env.getStreamGraph().getJobGraph();
            long t0 = System.currentTimeMillis();
            Sampler heap = new Sampler();
            heap.start();
            boolean ok;
            try (MiniCluster cluster =
                    new MiniCluster(
                            new MiniClusterConfiguration.Builder()
                                    .setConfiguration(conf)
                                    .setNumTaskManagers(1)
                                    .setNumSlotsPerTaskManager(2)
                                    .build())) {
                cluster.start();
                JobID job = cluster.submitJob(graph).get().getJobID();
                Metrics m = new Metrics(cluster.getRestAddress().get().toString(), job);
                List<long[]> windows = new ArrayList<>(); // [start, end] of every sweep
                long[] done = new long[2];
                long[] durations = new long[2];
                long[] lastKeys = new long[2];
                long firstSweepFailed = -1;
                int phase = 0; // 0 loading/checking, 1 tampered
                int before = 0;
                long[] sweepsAtTamper = new long[2];
                long deadline = System.currentTimeMillis() + Duration.ofMinutes(40).toMillis();
                while (true) {
                    Thread.sleep(500);
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("no result within 40 minutes");
                    }
                    var status = cluster.getJobStatus(job).get();
                    if (status.isGloballyTerminalState()) {
                        throw new IllegalStateException("the job ended: " + status);
                    }
                    Map<Integer, long[]> v = m.read();
                    if (v == null) {
                        continue;
                    }
                    long now = System.currentTimeMillis();
                    long pending = 0;
                    for (int s = 0; s < 2; s++) {
                        long[] x = v.get(s);
                        if (x == null) {
                            continue;
                        }
                        pending += x[2];
                        if (firstSweepFailed < 0 && x[4] + x[0] > 0) {
                            firstSweepFailed = failedCheckpoints(cluster, job);
                        }
                        if (x[0] > done[s]) {
                            done[s] = x[0];
                            durations[s] = x[1];
                            lastKeys[s] = x[3];
                            windows.add(new long[] {now - x[1], now});
                            out.printf(
                                    Locale.ROOT,
                                    "SWEEP subtask %d, end %.1f s, %.1f s, %s%n",
                                    s,
                                    (now - t0) / 1e3,
                                    x[1] / 1e3,
                                    x[3] + " keys (state + MySQL)");
                        }
                    }
                    if (phase == 0 && EMITTED && pending == 0 && done[0] >= 1 && done[1] >= 1) {
                        before = MISMATCHES.get();
                        tamper(url, docs);
                        out.println("bench: tampered 3 rows (different, extra, missing)");
                        sweepsAtTamper = done.clone();
                        phase = 1;
                    } else if (phase == 1
                            && done[0] >= sweepsAtTamper[0] + 2
                            && done[1] >= sweepsAtTamper[1] + 2
                            && pending == 0) {
                        break;
                    }
                }
                int after = MISMATCHES.get() - before;
                CheckpointStatsSnapshot stats =
                        cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
                long completed = stats.getCounts().getNumberOfCompletedCheckpoints();
                long failed = stats.getCounts().getNumberOfFailedCheckpoints();
                List<Long> during = new ArrayList<>();
                long maxAll = 0;
                long maxState = 0;
                for (AbstractCheckpointStats c : stats.getHistory().getCheckpoints()) {
                    if (c.getStatus() == CheckpointStatsStatus.FAILED) {
                        out.printf(
                                Locale.ROOT,
                                "CHECKPOINT %d, %.1f s, FAILED: %s%n",
                                c.getCheckpointId(),
                                (c.getTriggerTimestamp() - t0) / 1e3,
                                ((org.apache.flink.runtime.checkpoint.FailedCheckpointStats) c)
                                        .getFailureMessage());
                    }
                    if (c.getStatus() != CheckpointStatsStatus.COMPLETED) {
                        continue;
                    }
                    long trig = c.getTriggerTimestamp();
                    long d = c.getEndToEndDuration();
                    boolean inSweep = false;
                    for (long[] w : windows) {
                        if (trig + d >= w[0] && trig <= w[1]) {
                            inSweep = true;
                        }
                    }
                    if (inSweep) {
                        during.add(d);
                    }
                    maxAll = Math.max(maxAll, d);
                    maxState = Math.max(maxState, c.getStateSize());
                    out.printf(
                            Locale.ROOT,
                            "CHECKPOINT %d, %.1f s, %d ms, %.1f MB%s%n",
                            c.getCheckpointId(),
                            (trig - t0) / 1e3,
                            d,
                            c.getStateSize() / 1048576.0,
                            inSweep ? ", during a sweep" : "");
                }
                during.sort(null);
                long sweepMax = Math.max(durations[0], durations[1]);
                long mysqlRows = docs + (docs + 3) / 4;
                long failedDuringSweeps = failed - Math.max(0, firstSweepFailed);
                ok = before == 0 && after == 3 && failedDuringSweeps == 0;
                result(out, "slice", sliceMs + " ms");
                result(out, "checkpointInterval", interval.toSeconds() + " s");
                result(out, "checkpointTimeout", timeout.toSeconds() + " s");
                result(out, "sweepSecondsMax", String.format(Locale.ROOT, "%.1f", sweepMax / 1e3));
                result(
                        out,
                        "rowsPerSecond",
                        String.format(Locale.ROOT, "%,.0f", mysqlRows / (sweepMax / 1e3)));
                result(out, "peakHeapMb", String.valueOf(heap.peak() / 1048576));
                result(out, "maxHeapAfterGcMb", String.valueOf(heap.maxAfterGc / 1048576));
                result(out, "sweepKeysPerSubtask", lastKeys[0] + " / " + lastKeys[1]);
                result(out, "checkpointsCompleted", String.valueOf(completed));
                result(out, "checkpointsFailed", String.valueOf(failed));
                result(
                        out,
                        "checkpointsFailedSinceTheFirstSweep",
                        String.valueOf(failedDuringSweeps));
                result(
                        out,
                        "checkpointMsMaxDuringSweeps",
                        during.isEmpty() ? "-" : String.valueOf(during.get(during.size() - 1)));
                result(
                        out,
                        "checkpointMsMedianDuringSweeps",
                        during.isEmpty() ? "-" : String.valueOf(during.get(during.size() / 2)));
                result(out, "checkpointMsMaxOverall", String.valueOf(maxAll));
                result(
                        out,
                        "checkpointStateMbMax",
                        String.format(Locale.ROOT, "%.1f", maxState / 1048576.0));
                result(out, "mismatchesBeforeTamper", String.valueOf(before));
                result(out, "mismatchesAfterTamper", String.valueOf(after));
                result(out, "ok", String.valueOf(ok));
                cluster.cancelJob(job).get();
            }
            heap.interrupt();
            out.flush();
            System.exit(0);
        }

        private static long failedCheckpoints(MiniCluster cluster, JobID job) throws Exception {
            return cluster.getExecutionGraph(job)
                    .get()
                    .getCheckpointStatsSnapshot()
                    .getCounts()
                    .getNumberOfFailedCheckpoints();
        }

        private static void result(PrintStream out, String k, String v) {
            out.println("RESULT " + k + "=" + v);
        }

        /** Changes three rows behind the job's back: one different, one extra, one missing. */
        private static void tamper(String url, long docs) throws Exception {
            try (Connection c = DriverManager.getConnection(url);
                    Statement st = c.createStatement()) {
                st.execute("UPDATE docs SET n = n + 1 WHERE _id = '" + id(docs / 3 + 12) + "'");
                st.execute(
                        "INSERT INTO docs (_id, n, name, _src_version) VALUES ('x-extra', 1,"
                                + " 'extra', 5)");
                st.execute("DELETE FROM docs_tags WHERE doc_id = '" + id(docs * 2 / 5) + "'");
                st.execute("DELETE FROM docs WHERE _id = '" + id(docs * 2 / 5) + "'");
            }
        }
    }

    /**
     * Tracks the heap after every garbage collection (young ones included): the largest value is an
     * upper bound of the live set.
     */
    static final class Sampler extends Thread {
        volatile long maxAfterGc;
        volatile long maxUsed;

        Sampler() {
            setDaemon(true);
        }

        long peak() {
            return maxUsed;
        }

        @Override
        public void run() {
            for (java.lang.management.GarbageCollectorMXBean gc :
                    ManagementFactory.getGarbageCollectorMXBeans()) {
                ((javax.management.NotificationEmitter) gc)
                        .addNotificationListener(
                                (n, h) -> {
                                    if (!com.sun.management.GarbageCollectionNotificationInfo
                                            .GARBAGE_COLLECTION_NOTIFICATION
                                            .equals(n.getType())) {
                                        return;
                                    }
                                    var info =
                                            com.sun.management.GarbageCollectionNotificationInfo
                                                    .from(
                                                            (javax.management.openmbean
                                                                            .CompositeData)
                                                                    n.getUserData());
                                    long after = 0;
                                    for (var e :
                                            info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                                        if (HEAP_POOLS.contains(e.getKey())) {
                                            after += e.getValue().getUsed();
                                        }
                                    }
                                    maxAfterGc = Math.max(maxAfterGc, after);
                                },
                                null,
                                null);
            }
            while (!isInterrupted()) {
                maxUsed =
                        Math.max(
                                maxUsed,
                                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    static final java.util.Set<String> HEAP_POOLS = heapPools();

    private static java.util.Set<String> heapPools() {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                out.add(pool.getName());
            }
        }
        return out;
    }

    /** Reads the reconcile gauges of both subtasks through the REST API. */
    static final class Metrics {
        private final HttpClient http = HttpClient.newHttpClient();
        private final ObjectMapper json = new ObjectMapper();
        private final String base;
        private final JobID job;
        private String vertex;
        private String ids;

        static final String[] NAMES = {
            "reconcileSweepsDone",
            "reconcileLastSweepMillis",
            "reconcilePending",
            "reconcileLastSweepKeys",
            "reconcileSweepKeys"
        };

        Metrics(String base, JobID job) {
            this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
            this.job = job;
        }

        private JsonNode get(String path) throws Exception {
            HttpResponse<String> r =
                    http.send(
                            HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
            return json.readTree(r.body());
        }

        /** Per subtask: sweeps done, last sweep ms, pending keys, last sweep's keys; or null. */
        Map<Integer, long[]> read() throws Exception {
            if (vertex == null) {
                for (JsonNode v : get("/jobs/" + job).path("vertices")) {
                    if (v.path("name").asText().contains("Reconcile")) {
                        vertex = v.path("id").asText();
                    }
                }
                if (vertex == null) {
                    return null;
                }
            }
            if (ids == null) {
                StringBuilder found = new StringBuilder();
                int n = 0;
                for (JsonNode id : get("/jobs/" + job + "/vertices/" + vertex + "/metrics")) {
                    String name = id.path("id").asText();
                    for (String wanted : NAMES) {
                        if (name.endsWith("." + wanted)) {
                            found.append(n++ == 0 ? "" : ",").append(name);
                        }
                    }
                }
                if (n < 2 * NAMES.length) {
                    return null; // not registered yet
                }
                ids = found.toString();
            }
            JsonNode values = get("/jobs/" + job + "/vertices/" + vertex + "/metrics?get=" + ids);
            Map<Integer, long[]> out = new TreeMap<>();
            for (JsonNode n : values) {
                String id = n.path("id").asText();
                int s = Integer.parseInt(id.substring(0, id.indexOf('.')));
                long[] x = out.computeIfAbsent(s, k -> new long[NAMES.length]);
                for (int i = 0; i < NAMES.length; i++) {
                    if (id.endsWith("." + NAMES[i])) {
                        x[i] = (long) Double.parseDouble(n.path("value").asText());
                    }
                }
            }
            return out.size() == 2 ? out : null;
        }
    }
}
