package io.dbtransfer.bench;

import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.embedded.EmbeddedMariaDb;
import io.dbtransfer.embedded.MongoEmulator;
import io.dbtransfer.workload.ReviewDocuments;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import org.bson.Document;
import org.yaml.snakeyaml.Yaml;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/dbtransfer benchmark-verify}: on the same N review documents, the job's snapshot time
 * (exactly-once, parallelism 2, until every row is in MySQL) against the time of {@code verify},
 * which runs in a child JVM with a capped heap ({@code --verify-heap}) and reports its peak heap —
 * if it finishes under the cap, its memory does not grow with the collection.
 */
public final class VerifyBenchmark {

    private final int docs;
    private final int chunkSize;
    private final String verifyHeap;
    private final Path out;

    public VerifyBenchmark(int docs, int chunkSize, String verifyHeap, Path out) {
        this.docs = docs;
        this.chunkSize = chunkSize;
        this.verifyHeap = verifyHeap;
        this.out = out;
    }

    public int run() throws Exception {
        long started = System.currentTimeMillis();
        Path work = Files.createDirectories(Path.of("target/benchmark-verify"));
        say("Starting the MongoDB emulator and MariaDB");
        try (MongoEmulator mongoServer = MongoEmulator.start();
                MariaDb maria = new MariaDb(EmbeddedMariaDb.start(work.resolve("mariadb")));
                MongoClient client = MongoConnections.open(mongoServer.connectionString(), 10)) {
            MongoDatabase db = client.getDatabase("bench");
            MongoCollection<Document> reviews = db.getCollection("reviews");
            say(String.format(Locale.ROOT, "Loading %,d review documents", docs));
            BenchmarkCommand.loadReviews(reviews, docs);
            Map<String, Object> base = new LinkedHashMap<>();
            base.put("mongo.uri", mongoServer.connectionString());
            base.put("mongo.database", "bench");
            base.put("source.heartbeat-interval", "500 ms");
            base.put("source.split-size-mb", "8");
            base.put("collections", new Yaml().load(ReviewDocuments.mappingYaml("reviews")));
            maria.db.createDatabase("snap");
            String mysqlUrl = maria.db.jdbcUrl("snap");
            say("Snapshot by the job (" + Variant.baseline().name + ")");
            JobRun.Result snapshot =
                    JobRun.run(
                            Variant.baseline(),
                            base,
                            mysqlUrl,
                            db,
                            maria.db.serverPid(),
                            reviews.countDocuments(),
                            JobRun.sourceKeys(reviews),
                            0,
                            Duration.ZERO);
            say(
                    String.format(
                            Locale.ROOT,
                            "   snapshot %.1f s (%,.0f docs/s), %s",
                            snapshot.snapshotSeconds,
                            snapshot.docsPerSecond,
                            snapshot.verdict));

            Map<String, Object> job = new LinkedHashMap<>(base);
            job.put("mysql.url", mysqlUrl);
            Path jobFile = work.resolve("job.yaml");
            Files.writeString(jobFile, new Yaml().dump(job));
            Path report = work.resolve("verify-report.json");
            say("verify in a child JVM with -Xmx" + verifyHeap);
            String[] child = verifyInChildJvm(jobFile, report);
            double verifySeconds = Double.parseDouble(child[0]);
            long peakHeapMb = Long.parseLong(child[1]);
            int exit = Integer.parseInt(child[2]);
            say(
                    String.format(
                            Locale.ROOT,
                            "   verify %.1f s (%,.0f docs/s), peak heap %d MB of %s, exit %d",
                            verifySeconds,
                            docs / verifySeconds,
                            peakHeapMb,
                            verifyHeap,
                            exit));
            Path md =
                    out != null
                            ? out
                            : Path.of("benchmarks/results/verify-" + LocalDate.now() + ".md");
            Files.createDirectories(md.toAbsolutePath().getParent());
            Files.writeString(
                    md,
                    markdown(
                            snapshot,
                            verifySeconds,
                            peakHeapMb,
                            exit,
                            Files.readString(report),
                            System.currentTimeMillis() - started),
                    StandardCharsets.UTF_8);
            say("Wrote " + md);
            return exit == 0 && snapshot.consistent ? 0 : 1;
        }
    }

    /**
     * Runs {@code bin/dbtransfer verify} (the CLI's main class) in a child JVM with the heap cap,
     * as a user runs it; returns seconds, peak heap MB and exit code. The peak heap is the largest
     * heap occupancy the JVM's own GC log reports (before each collection, and at exit).
     */
    private String[] verifyInChildJvm(Path jobFile, Path report) throws Exception {
        Path gcLog = jobFile.resolveSibling("verify-gc.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + verifyHeap);
        cmd.add("-Xlog:gc,gc+heap+exit:file=" + gcLog + ":uptime");
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports")) {
                cmd.add(a);
            }
        }
        cmd.add("-Dlog4j2.level=WARN");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CLI_MAIN);
        cmd.addAll(
                List.of(
                        "verify",
                        "--config",
                        jobFile.toString(),
                        "--report",
                        report.toString(),
                        "--chunk-size",
                        String.valueOf(chunkSize),
                        "--recheck-delay",
                        "1s"));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                output.append(line).append('\n');
                if (line.startsWith("verify:")) {
                    System.out.println("   " + line);
                }
            }
        }
        int code = p.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!Files.exists(report)) {
            throw new IllegalStateException(
                    "verify in the child JVM wrote no report (exit "
                            + code
                            + "); with -Xmx"
                            + verifyHeap
                            + " an OutOfMemoryError means its memory grows with the data:\n"
                            + output);
        }
        return new String[] {
            String.format(Locale.ROOT, "%.3f", seconds),
            Long.toString(peakHeapMb(Files.readAllLines(gcLog))),
            Integer.toString(code)
        };
    }

    /** The main class of {@code bin/dbtransfer}, started as its own process. */
    private static final String CLI_MAIN = "io.dbtransfer.cli.Main";

    private static final Pattern GC_BEFORE = Pattern.compile(" (\\d+)M->\\d+M\\(\\d+M\\)");
    private static final Pattern EXIT_USED = Pattern.compile("total \\d+K, used (\\d+)K");

    /** The largest heap occupancy in a unified GC log: before any collection, or at exit. */
    static long peakHeapMb(List<String> gcLog) {
        long peak = 0;
        for (String line : gcLog) {
            Matcher m = GC_BEFORE.matcher(line);
            if (m.find()) {
                peak = Math.max(peak, Long.parseLong(m.group(1)));
            }
            m = EXIT_USED.matcher(line);
            if (m.find()) {
                peak = Math.max(peak, Long.parseLong(m.group(1)) / 1024);
            }
        }
        return peak;
    }

    private String markdown(
            JobRun.Result snapshot,
            double verifySeconds,
            long peakHeapMb,
            int exit,
            String report,
            long totalMs) {
        StringBuilder sb = new StringBuilder();
        sb.append("# verify vs snapshot — ").append(LocalDate.now()).append("\n\n");
        sb.append("`bin/dbtransfer benchmark-verify --docs ")
                .append(docs)
                .append(" --chunk-size ")
                .append(chunkSize)
                .append(" --verify-heap ")
                .append(verifyHeap)
                .append("` on ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores; MongoDB emulator and embedded MariaDB in the same machine; ")
                .append(Provenance.describe())
                .append(".\n\n");
        sb.append("| | documents | seconds | docs/s | peak heap |\n|---|---:|---:|---:|---:|\n");
        sb.append(
                String.format(
                        Locale.ROOT,
                        "| job snapshot (exactly-once, p=2, until every row is in MySQL) | %,d |"
                                + " %.1f | %,.0f | %d MB (whole JVM: emulator, MariaDB client,"
                                + " MiniCluster) |%n",
                        snapshot.documents,
                        snapshot.snapshotSeconds,
                        snapshot.docsPerSecond,
                        snapshot.peakHeapMb));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "| `verify` (chunks of %d, child JVM, -Xmx%s) | %,d | %.1f | %,.0f | %d MB"
                                + " |%n",
                        chunkSize,
                        verifyHeap,
                        docs,
                        verifySeconds,
                        docs / verifySeconds,
                        peakHeapMb));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%nverify / snapshot time: **%.2f**. verify exit code %d; snapshot"
                                + " comparison: %s. Whole run %.0f s.%n",
                        verifySeconds / snapshot.snapshotSeconds,
                        exit,
                        snapshot.verdict,
                        totalMs / 1000.0));
        sb.append("\nPeak heap of verify: the sum of the heap pools' peaks in the child JVM")
                .append(" (an upper bound; garbage included). Finishing under the cap shows that")
                .append(" memory is bounded by a chunk, not by the collection.\n\n");
        sb.append("verify report:\n\n```json\n").append(trimmed(report)).append("```\n");
        return sb.toString();
    }

    private static String trimmed(String report) {
        int cut = report.indexOf("\"mismatches\"");
        return cut < 0 ? report : report.substring(0, cut) + "…\n";
    }

    private static void say(String s) {
        System.out.println(s);
    }

    /** Closes the embedded MariaDB with the other resources. */
    private static final class MariaDb implements AutoCloseable {
        final EmbeddedMariaDb db;

        MariaDb(EmbeddedMariaDb db) {
            this.db = db;
        }

        @Override
        public void close() {
            db.close();
        }
    }
}
