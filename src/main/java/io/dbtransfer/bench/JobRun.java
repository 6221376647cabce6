package io.dbtransfer.bench;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.pipeline.MigrationJob;
import io.dbtransfer.sink.XaCommitMarkers;
import io.dbtransfer.verify.ChunkedVerifier;
import io.dbtransfer.verify.VerifyReport;
import io.dbtransfer.workload.LiveChangeSimulator;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.ErrorInfo;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One measured run of the real job in its own MiniCluster: time until every snapshot row is in
 * MySQL, then live changes with a latency probe, then the time until both sides are equal.
 */
final class JobRun {

    /** What a run measured. */
    static final class Result {
        String variant;
        long documents;
        double snapshotSeconds;
        double firstRowSeconds;
        double docsPerSecond;
        double steadyDocsPerSecond;

        /**
         * Rows per second over the middle 80 % of the snapshot: rows that became visible between
         * the first count at or above 10 % of the documents and the first at or above 90 %, over
         * the time between those counts.
         */
        double middleDocsPerSecond;

        /** From the last live change until a marker written after it is in MySQL. */
        double catchUpSeconds;

        /**
         * Exactly-once: XA branches with changes that were written after the catch-up marker was in
         * MySQL ({@code -1}: not measured), and the seconds from the marker to the last of them (a
         * branch's commit marker row is stamped when the branch writes it, just before it is
         * prepared). A caught-up job writes none; any such branch carries changes from before the
         * marker that reached MySQL late.
         */
        long branchesAfterMarker = -1;

        double lastBranchAfterMarkerSeconds;

        /**
         * What the job went through, read from its execution graph at the end: whether it restarted
         * (and its last failure), and how many checkpoints failed. A restart rewinds the source to
         * the last completed checkpoint and replays from there.
         */
        String restarts = "";

        long failedCheckpoints;

        /** The final comparison ({@code verify}'s, repeated while anything differs). */
        double compareSeconds;

        /** Each pass of the final comparison: its verdict, counts and seconds. */
        final List<String> comparePasses = new ArrayList<>();

        long liveChanges;
        List<Long> latenciesMs = new ArrayList<>();
        boolean consistent;
        String verdict;
        long peakHeapMb;
        boolean failureInjected;
        boolean reconcile;

        /** Checkpoint interval while the source reported backlog (the snapshot), ms. */
        long backlogIntervalMs;

        /** The state backend the job ran with. */
        String stateBackend;

        /** CPU seconds per part of the process tree during the snapshot (see {@link CpuBudget}). */
        Map<String, Double> snapshotCpu = Map.of();

        /**
         * MariaDB statement counters during the snapshot ({@link StatementCounters}), the harness's
         * own progress queries included.
         */
        Map<String, Long> snapshotStatements = Map.of();

        /** Progress queries ({@code SELECT COUNT(*)}) the harness sent during the snapshot. */
        long harnessQueries;

        /** Wall seconds those queries took (an upper bound of the server CPU they cost). */
        double harnessQuerySeconds;

        /** Rows the harness's {@code COUNT(*)} queries read in all during the snapshot. */
        long harnessRowsCounted;

        /** How the progress probe counted: by key range, or the whole table and why. */
        String harnessCountMode = "";

        /**
         * Server CPU seconds per row of a {@code COUNT(*)} of the table, measured after the job
         * ended on the idle server (NaN when the server's CPU is not readable).
         */
        double countCpuPerRow = Double.NaN;

        /** The server CPU the probe's counts cost in the snapshot, estimated from the two above. */
        double harnessCpuSeconds() {
            return Double.isNaN(countCpuPerRow) ? Double.NaN : countCpuPerRow * harnessRowsCounted;
        }

        /** Status reads ({@code Com_xa_commit}) the harness's probe sent during the snapshot. */
        long harnessStatusQueries;

        /** The post-marker count as a parenthesis after "caught up …", or "" when not measured. */
        String afterMarker() {
            return branchesAfterMarker < 0
                    ? ""
                    : String.format(
                            Locale.ROOT,
                            " (then %d XA branch(es) with changes, the last %.1f s after the marker)",
                            branchesAfterMarker,
                            lastBranchAfterMarkerSeconds);
        }

        /** Whether the job restarted and how many checkpoints failed, in one phrase. */
        String jobHistory() {
            return restarts + ", " + failedCheckpoints + " failed checkpoint(s)";
        }

        long percentile(double p) {
            if (latenciesMs.isEmpty()) {
                return -1;
            }
            List<Long> sorted = new ArrayList<>(latenciesMs);
            Collections.sort(sorted);
            return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size())));
        }

        /** Median latency of the first and of the last third of the probes. */
        long[] lagTrend() {
            int n = latenciesMs.size();
            if (n < 6) {
                return new long[] {-1, -1};
            }
            return new long[] {
                median(latenciesMs.subList(0, n / 3)), median(latenciesMs.subList(n - n / 3, n))
            };
        }

        private static long median(List<Long> xs) {
            List<Long> s = new ArrayList<>(xs);
            Collections.sort(s);
            return s.get(s.size() / 2);
        }
    }

    private JobRun() {}

    static Result run(
            Variant variant,
            Map<String, Object> baseSettings,
            String mysqlUrl,
            MongoDatabase mongo,
            long mariaDbPid,
            long documents,
            List<String> sourceKeys,
            double liveRate,
            Duration liveDuration)
            throws Exception {
        Map<String, Object> settings = new java.util.LinkedHashMap<>(baseSettings);
        settings.put("mysql.url", mysqlUrl);
        settings.put("sink.delivery-guarantee", variant.delivery);
        settings.put("job.checkpoint-interval", variant.checkpointInterval);
        settings.put("sink.batch-size", String.valueOf(variant.batchSize));
        settings.put("reconcile.enabled", String.valueOf(variant.reconcile));
        settings.put("sink.transaction-prefix", "bench-" + Math.abs(mysqlUrl.hashCode() % 100000));
        settings.putAll(variant.settings);
        JobConfig config = JobConfig.fromMap(settings, Map.of());

        Configuration conf = new Configuration();
        // Filesystem checkpoints as in production: the JobManager's in-memory storage refuses
        // state above 5 MB, which the reconcile state of a few hundred thousand keys exceeds.
        conf.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                java.nio.file.Path.of("target/benchmark/checkpoints")
                        .toAbsolutePath()
                        .toUri()
                        .toString());
        // Any free REST port: a fixed 8081 fails when another Flink runs on the machine.
        conf.set(org.apache.flink.configuration.RestOptions.BIND_PORT, "0");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        // The variant's state backend and checkpoint interval during the snapshot (FLIP-309
        // backlog), set as a cluster configuration sets them.
        if (variant.backlogInterval != null) {
            conf.setString(
                    CheckpointingOptions.CHECKPOINTING_INTERVAL_DURING_BACKLOG.key(),
                    variant.backlogInterval);
        }
        String backend = variant.stateBackend;
        Variant.configureStateBackend(conf, backend);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(variant.parallelism);
        MigrationJob.build(env, config);
        JobGraph graph = env.getStreamGraph().getJobGraph();

        Result r = new Result();
        r.variant = variant.name;
        r.documents = documents;
        r.reconcile = variant.reconcile;
        r.backlogIntervalMs = env.getCheckpointConfig().getCheckpointIntervalDuringBacklog();
        r.stateBackend = backend.equals("rocksdb") ? "rocksdb, incremental" : backend;
        // The probe starts at 0 in every run: the previous run's catch-up marker (milliseconds x
        // 1000) left it far above this run's probe values, which MySQL then showed at once.
        mongo.getCollection("probe").updateOne(Filters.eq("_id", "p"), Updates.set("seq", 0L));
        resetPeaks();
        MiniCluster cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(conf)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(4)
                                .build());
        cluster.start();
        try (Connection mysql = MySqlConnections.open(mysqlUrl, null, null);
                CpuBudget.Recorder cpu = new CpuBudget.Recorder(mariaDbPid)) {
            Map<String, Long> statementsBefore = StatementCounters.take(mysql);
            long start = System.nanoTime();
            JobID job = cluster.submitJob(graph).get().getJobID();
            boolean failed = false;
            double firstRow = -1;
            ProgressProbe probe =
                    new ProgressProbe(
                            mysql, "reviews", "exactly-once".equals(variant.delivery), sourceKeys);
            long c10 = -1;
            long c90 = -1;
            double t10 = 0;
            double t90 = 0;
            long visible;
            while ((visible = probe.visible()) < documents) {
                double at = (System.nanoTime() - start) / 1e9;
                if (firstRow < 0 && visible > 0) {
                    firstRow = at;
                }
                if (c10 < 0 && visible >= documents / 10) {
                    c10 = visible;
                    t10 = at;
                }
                if (c90 < 0 && visible >= documents * 9 / 10) {
                    c90 = visible;
                    t90 = at;
                }
                if (variant.injectFailure && !failed && visible > documents / 3) {
                    cluster.terminateTaskManager(0).get();
                    cluster.startTaskManager();
                    failed = true;
                    r.failureInjected = true;
                }
                if (cluster.getJobStatus(job).get().isGloballyTerminalState()) {
                    throw new IllegalStateException(
                            "job ended during the snapshot: " + variant.name);
                }
                Thread.sleep(100);
            }
            r.snapshotSeconds = (System.nanoTime() - start) / 1e9;
            r.snapshotCpu = cpu.stop();
            r.harnessQueries = probe.countQueries;
            r.harnessQuerySeconds = probe.countNanos / 1e9;
            r.harnessStatusQueries = probe.statusQueries;
            r.harnessRowsCounted = probe.rowsCounted;
            r.harnessCountMode =
                    probe.wholeTableReason == null
                            ? "by key range"
                            : "whole table (" + probe.wholeTableReason + ")";
            r.snapshotStatements =
                    StatementCounters.delta(statementsBefore, StatementCounters.take(mysql));
            r.docsPerSecond = documents / r.snapshotSeconds;
            r.firstRowSeconds = firstRow < 0 ? r.snapshotSeconds : firstRow;
            r.steadyDocsPerSecond =
                    r.snapshotSeconds > r.firstRowSeconds
                            ? documents / (r.snapshotSeconds - r.firstRowSeconds)
                            : r.docsPerSecond;
            // The last count crossed 90 % too when it reached every document at once.
            if (c90 < 0) {
                c90 = visible;
                t90 = r.snapshotSeconds;
            }
            r.middleDocsPerSecond =
                    c10 >= 0 && t90 > t10 ? (c90 - c10) / (t90 - t10) : r.steadyDocsPerSecond;

            if (liveDuration.toMillis() > 0) {
                MongoCollection<Document> reviews = mongo.getCollection("reviews");
                LiveChangeSimulator simulator =
                        LiveChangeSimulator.builder(reviews)
                                .knownIds(LiveChangeSimulator.readIds(reviews))
                                .ratePerSecond(liveRate)
                                .duration(liveDuration)
                                .generateInsertsWhenHeldBackRunsOut(true)
                                .seed(11)
                                .build();
                Thread live = new Thread(simulator, "bench-live");
                live.start();
                probe(mongo.getCollection("probe"), mysql, live, r.latenciesMs);
                live.join();
                r.liveChanges = simulator.stats().total();
            }
            long liveEnd = System.nanoTime();
            // Caught up when a marker written after the last live change is in MySQL: one
            // change stream feeds the job, and a checkpoint commits all that came before it.
            if (liveDuration.toMillis() > 0
                    && !probeOnce(
                            mongo.getCollection("probe"),
                            mysql,
                            System.currentTimeMillis() * 1000,
                            new ArrayList<>())) {
                throw new IllegalStateException(
                        "the job did not catch up: a marker written after the live changes was"
                                + " not in MySQL a minute later ("
                                + variant.name
                                + ")");
            }
            r.catchUpSeconds = (System.nanoTime() - liveEnd) / 1e9;
            Timestamp markerSeen = serverNow(mysql);
            // The same comparison as `verify` (memory bounded by a chunk; a whole-collection
            // comparison ran a 12 GB heap out at 1M documents), repeated while anything differs
            // or is in flux: an at-least-once sink may still be flushing another subtask's rows.
            ChunkedVerifier verifier =
                    new ChunkedVerifier(
                            new DocumentNormalizer(config.mapping(), config.mismatchPolicy()),
                            1000,
                            2000,
                            line -> {});
            VerifyReport report = null;
            long compareStart = System.nanoTime();
            long deadline = compareStart + Duration.ofMinutes(15).toNanos();
            for (int pass = 1; System.nanoTime() < deadline; pass++) {
                long passStart = System.nanoTime();
                report = verifier.verify(mongo, mysql);
                r.comparePasses.add(
                        String.format(
                                java.util.Locale.ROOT,
                                "pass %d: %s (%.1f s)",
                                pass,
                                report,
                                (System.nanoTime() - passStart) / 1e9));
                System.out.println("   compare " + r.comparePasses.get(pass - 1));
                r.consistent = report.verdict().equals("CONSISTENT") && report.inFlux == 0;
                if (r.consistent) {
                    break;
                }
                Thread.sleep(500);
            }
            r.compareSeconds = (System.nanoTime() - compareStart) / 1e9;
            if (liveDuration.toMillis() > 0 && "exactly-once".equals(variant.delivery)) {
                branchesAfter(mysql, markerSeen, r);
            }
            r.verdict = String.valueOf(report);
            r.peakHeapMb = peakHeapMb();
            history(cluster.getExecutionGraph(job).get(), r);
            cluster.cancelJob(job).get();
            r.countCpuPerRow = countCpuPerRow(cluster, job, mysql, mariaDbPid);
        } finally {
            cluster.close();
        }
        return r;
    }

    /** Sequential probes: update one document, wait until MySQL shows it, record the latency. */
    private static void probe(
            MongoCollection<Document> probe, Connection mysql, Thread live, List<Long> out)
            throws Exception {
        long seq = System.currentTimeMillis();
        while (live.isAlive()) {
            probeOnce(probe, mysql, ++seq, out);
            Thread.sleep(50);
        }
    }

    /**
     * Sets the probe document's {@code seq} and waits up to a minute for MySQL to show it; adds the
     * latency in ms to {@code out} and returns true when it did.
     */
    private static boolean probeOnce(
            MongoCollection<Document> probe, Connection mysql, long seq, List<Long> out)
            throws Exception {
        try (PreparedStatement ps =
                mysql.prepareStatement("SELECT seq FROM probe WHERE _id = 'p'")) {
            long sent = System.nanoTime();
            probe.updateOne(Filters.eq("_id", "p"), Updates.set("seq", seq));
            long deadline = sent + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getLong(1) >= seq) {
                        out.add((System.nanoTime() - sent) / 1_000_000);
                        return true;
                    }
                }
                Thread.sleep(2);
            }
            return false;
        }
    }

    private static void history(AccessExecutionGraph graph, Result r) {
        ErrorInfo failure = graph.getFailureInfo();
        boolean restarted = graph.getStatusTimestamp(JobStatus.RESTARTING) > 0;
        r.restarts =
                !restarted
                        ? "no restart"
                        : "restarted, last failure: "
                                + (failure == null
                                        ? "unknown"
                                        : failure.getExceptionAsString()
                                                .lines()
                                                .findFirst()
                                                .orElse(""));
        CheckpointStatsSnapshot stats = graph.getCheckpointStatsSnapshot();
        r.failedCheckpoints = stats == null ? 0 : stats.getCounts().getNumberOfFailedCheckpoints();
    }

    private static Timestamp serverNow(Connection mysql) throws Exception {
        try (Statement st = mysql.createStatement();
                ResultSet rs = st.executeQuery("SELECT CURRENT_TIMESTAMP(3)")) {
            rs.next();
            return rs.getTimestamp(1);
        }
    }

    /** Counts the non-empty XA branches written after {@code markerSeen} (server time). */
    private static void branchesAfter(Connection mysql, Timestamp markerSeen, Result r)
            throws Exception {
        try (PreparedStatement ps =
                mysql.prepareStatement(
                        "SELECT COUNT(*), MAX(created_at) FROM "
                                + XaCommitMarkers.TABLE
                                + " WHERE created_at > ?")) {
            ps.setTimestamp(1, markerSeen);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                r.branchesAfterMarker = rs.getLong(1);
                Timestamp last = rs.getTimestamp(2);
                r.lastBranchAfterMarkerSeconds =
                        last == null ? 0 : (last.getTime() - markerSeen.getTime()) / 1000.0;
            }
        }
    }

    /**
     * What one row of the progress probe's {@code COUNT(*)} costs the server: three counts of the
     * full table once the job has ended, the server's process CPU around them divided by the rows
     * read. The probe's counts read growing tables under load, so the estimate it gives is rough.
     */
    private static double countCpuPerRow(
            MiniCluster cluster, JobID job, Connection mysql, long serverPid) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!cluster.getJobStatus(job).get().isGloballyTerminalState()
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        long before = CpuBudget.processCpuNanos(serverPid);
        if (before == 0) {
            return Double.NaN;
        }
        long rows = 0;
        for (int i = 0; i < 3; i++) {
            rows += count(mysql, "reviews");
        }
        long cpu = CpuBudget.processCpuNanos(serverPid) - before;
        return rows == 0 ? Double.NaN : cpu / 1e9 / rows;
    }

    /**
     * The keys of a collection, read before the job for the progress probe's key ranges; empty
     * unless every key is a string.
     */
    static List<String> sourceKeys(MongoCollection<Document> collection) {
        List<String> keys = new ArrayList<>();
        for (Object id : LiveChangeSimulator.readIds(collection)) {
            if (!(id instanceof String)) {
                return List.of();
            }
            keys.add((String) id);
        }
        return keys;
    }

    static long count(Connection c, String table) throws Exception {
        String quoted = MySqlReadBack.dialectOf(c).quoteIdentifier(table);
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + quoted)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    private static long peakHeapMb() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum / (1024 * 1024);
    }
}
