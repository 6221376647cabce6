package io.dbtransfer.cli;

import io.dbtransfer.bench.BenchmarkCommand;
import io.dbtransfer.bench.SweepBenchmark;
import io.dbtransfer.bench.VerifyBenchmark;
import io.dbtransfer.model.ConfigException;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code benchmark} and {@code benchmark-verify}: the measurements of {@code benchmarks/}. */
final class BenchmarkCommands {

    private BenchmarkCommands() {}

    static int docs(int docs) {
        if (docs < 1000 || docs > 50_000_000) {
            throw new ConfigException("--docs must be between 1000 and 50000000, got " + docs);
        }
        return docs;
    }

    /** {@code bin/dbtransfer benchmark}. */
    @Command(
            name = "benchmark",
            description =
                    "Ceilings, closed-database baseline, live migration and trade-off table on"
                            + " embedded servers; writes a Markdown report.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:measured and written", "2:bad input or an error"})
    static final class Benchmark implements Callable<Integer> {
        @Option(
                names = "--docs",
                paramLabel = "N",
                description = "Documents (default: ${DEFAULT-VALUE}).")
        int docs = 50_000;

        @Option(
                names = "--live-rate",
                paramLabel = "R",
                description = "Live changes per second (default: ${DEFAULT-VALUE}).")
        double liveRate = 1000;

        @Option(
                names = "--live-duration",
                paramLabel = "DURATION",
                description = "Live phase of the main run (default: 60s).")
        Duration live = Duration.ofSeconds(60);

        @Option(
                names = "--variant-live-duration",
                paramLabel = "DURATION",
                description = "Live phase of each trade-off variant (default: 10s).")
        Duration variantLive = Duration.ofSeconds(10);

        @Option(
                names = "--out",
                paramLabel = "FILE.md",
                description =
                        "Report (default: benchmarks/results/DATE.md under the current directory;"
                                + " benchmarks/run runs from the checkout).")
        Path out;

        /** The former option in seconds, still accepted. */
        @Option(names = "--live-seconds", hidden = true, paramLabel = "S")
        void liveSeconds(Long s) {
            if (s != null) {
                live = Duration.ofSeconds(s);
            }
        }

        /** The former option in seconds, still accepted. */
        @Option(names = "--variant-live-seconds", hidden = true, paramLabel = "S")
        void variantLiveSeconds(Long s) {
            if (s != null) {
                variantLive = Duration.ofSeconds(s);
            }
        }

        @Option(names = "--no-tradeoffs", description = "Leave out the trade-off variants.")
        boolean noTradeoffs;

        @Option(
                names = "--variants",
                paramLabel = "KEY,...",
                description =
                        "Run exactly these job variants, the first as the baseline (live phase,"
                                + " ratios): baseline, reconcile-off, idempotent, p1,"
                                + " checkpoint-5s, batch-200, failure, idempotent-failure, heap,"
                                + " heap-backlog-off, rocksdb, rocksdb-backlog-off. Default: the"
                                + " trade-off table (baseline only with --no-tradeoffs).")
        String variants;

        @Option(
                names = "--no-postgresql",
                description =
                        "Leave out the PostgreSQL column (PostgreSQL's INSERT and COPY ceilings"
                                + " and the baseline job against embedded PostgreSQL).")
        boolean noPostgres;

        @Option(
                names = "--in-process-emulator",
                description =
                        "Run the MongoDB emulator in the benchmark's JVM (as before 2026-12-04)"
                                + " instead of a JVM of its own; its heap is then marked by the"
                                + " measured JVM's collector.")
        boolean inProcessEmulator;

        @Override
        public Integer call() throws Exception {
            Main.requireEmbeddedServers("benchmark");
            if (liveRate < 1) {
                throw new ConfigException("--live-rate must be at least 1, got " + liveRate);
            }
            return new BenchmarkCommand(
                            docs(docs),
                            liveRate,
                            live,
                            variantLive,
                            out,
                            variants != null ? variants : noTradeoffs ? "baseline" : null,
                            !noPostgres)
                    .inProcessEmulator(inProcessEmulator)
                    .run();
        }
    }

    /** {@code bin/dbtransfer benchmark-verify}. */
    @Command(
            name = "benchmark-verify",
            description = "Throughput and memory of verify on embedded servers.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:measured and written", "2:bad input or an error"})
    static final class BenchmarkVerify implements Callable<Integer> {
        @Option(
                names = "--docs",
                paramLabel = "N",
                description = "Documents (default: ${DEFAULT-VALUE}).")
        int docs = 50_000;

        @Option(
                names = "--chunk-size",
                paramLabel = "N",
                description = "Documents per chunk (default: ${DEFAULT-VALUE}).")
        int chunk = 1000;

        @Option(
                names = "--verify-heap",
                paramLabel = "SIZE",
                description = "Heap of the verify JVM (default: ${DEFAULT-VALUE}).")
        String heap = "256m";

        @Option(names = "--out", paramLabel = "FILE.md", description = "Report file.")
        Path out;

        @Override
        public Integer call() throws Exception {
            Main.requireEmbeddedServers("benchmark-verify");
            if (chunk < 1 || chunk > 1_000_000) {
                throw new ConfigException(
                        "--chunk-size must be between 1 and 1000000, got " + chunk);
            }
            return new VerifyBenchmark(docs(docs), chunk, heap, out).run();
        }
    }

    /** {@code bin/dbtransfer benchmark-sweep}. */
    @Command(
            name = "benchmark-sweep",
            description =
                    "Reconcile sweeps over N documents' rows with the TaskManager heap capped.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:measured and written", "2:bad input or an error"})
    static final class BenchmarkSweep implements Callable<Integer> {
        @Option(
                names = "--docs",
                paramLabel = "N",
                description = "Documents (default: ${DEFAULT-VALUE}).")
        int docs = 1_000_000;

        @Option(
                names = "--heap",
                paramLabel = "SIZE",
                description = "Heap of the JobManager+TaskManager JVM (default: ${DEFAULT-VALUE}).")
        String heap = "1g";

        @Option(
                names = "--page-size",
                paramLabel = "N",
                description = "Keys per sweep page (default: ${DEFAULT-VALUE}).")
        int pageSize = 1000;

        @Option(
                names = "--state-backend",
                paramLabel = "NAME",
                description =
                        "Keyed state backend: hashmap, or rocksdb with incremental checkpoints"
                                + " (default: ${DEFAULT-VALUE}).")
        String stateBackend = "hashmap";

        @Option(names = "--out", paramLabel = "FILE.md", description = "Report file.")
        Path out;

        @Override
        public Integer call() throws Exception {
            Main.requireEmbeddedServers("benchmark-sweep");
            if (pageSize < 1 || pageSize > 1_000_000) {
                throw new ConfigException(
                        "--page-size must be between 1 and 1000000, got " + pageSize);
            }
            if (!stateBackend.equals("hashmap") && !stateBackend.equals("rocksdb")) {
                throw new ConfigException(
                        "--state-backend must be hashmap or rocksdb, got '" + stateBackend + "'");
            }
            return new SweepBenchmark(docs(docs), heap, pageSize, stateBackend, out).run();
        }
    }
}
