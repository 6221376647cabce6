package io.dbtransfer.bench;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.PostgresDialect;
import io.dbtransfer.embedded.EmbeddedMariaDb;
import io.dbtransfer.embedded.EmbeddedPostgres;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.MismatchPolicy;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.workload.ReviewDocuments;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.yaml.snakeyaml.Yaml;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code bin/dbtransfer benchmark}: the raw ceilings, the closed-database baseline, a live
 * migration with a latency probe and the speed-versus-guarantee table — all measured in one run on
 * the same data, written as Markdown and an SVG chart.
 */
public final class BenchmarkCommand {

    /**
     * Documents of the warm-up job: a fifth of the run, at least 50,000 (or all of a smaller run)
     * and at most 200,000. At 1M documents a 50,000-document warm-up left the JIT compiling through
     * the measured snapshot: 104 s of compiler time in its 430 s, tier-4 compilations of the
     * normalizer and the deserializer 5 minutes in (JFR jdk.Compilation and jdk.CompilerStatistics,
     * benchmarks/results/throughput-2026-12-03-1m.md).
     */
    static int warmupDocs(int docs) {
        return Math.min(docs, Math.max(50_000, Math.min(200_000, docs / 5)));
    }

    private final int docs;
    private final double liveRate;
    private final Duration liveDuration;
    private final Duration variantLive;
    private final Path out;
    private final List<Variant> variants;
    private final String variantKeys;
    private final boolean postgres;
    private boolean inProcessEmulator;

    /**
     * Runs the emulator in this JVM, as before 2026-12-04 (default: a JVM of its own, see {@link
     * BenchmarkEmulator}).
     */
    public BenchmarkCommand inProcessEmulator(boolean inProcess) {
        this.inProcessEmulator = inProcess;
        return this;
    }

    public BenchmarkCommand(
            int docs,
            double liveRate,
            Duration liveDuration,
            Duration variantLive,
            Path out,
            String variantKeys,
            boolean postgres) {
        this.docs = docs;
        this.liveRate = liveRate;
        this.liveDuration = liveDuration;
        this.variantLive = variantLive;
        this.out = out;
        // Unknown keys are refused here, before any server starts.
        this.variantKeys = variantKeys == null ? Variant.TRADEOFFS : variantKeys;
        this.variants = Variant.select(this.variantKeys);
        this.postgres = postgres;
    }

    /** The command with every option that changes what is measured, as given or defaulted. */
    String commandLine() {
        return "bin/dbtransfer benchmark --docs "
                + docs
                + " --live-rate "
                + (liveRate == Math.rint(liveRate) ? String.valueOf((long) liveRate) : liveRate)
                + " --live-duration "
                + liveDuration.toSeconds()
                + "s --variant-live-duration "
                + variantLive.toSeconds()
                + "s --variants "
                + variantKeys
                + (postgres ? "" : " --no-postgresql")
                + (inProcessEmulator ? " --in-process-emulator" : "");
    }

    public int run() throws Exception {
        long started = System.currentTimeMillis();
        Path work = Files.createDirectories(Path.of("target/benchmark"));
        say("Starting the MongoDB emulator and MariaDB");
        try (BenchmarkEmulator mongoServer =
                        inProcessEmulator
                                ? BenchmarkEmulator.inThisJvm()
                                : BenchmarkEmulator.start(work.resolve("emulator"));
                AutoCloseableDb maria =
                        new AutoCloseableDb(EmbeddedMariaDb.start(work.resolve("mariadb")));
                // The harness's own client waits long: reloading 1M documents between variants
                // once timed out at 10 s while the emulator dropped the collection and expired
                // its oplog (2026-12-03), and lost the variants measured before.
                MongoClient client = MongoConnections.open(mongoServer.connectionString(), 120)) {
            MongoDatabase db = client.getDatabase("bench");
            MongoCollection<Document> reviews = db.getCollection("reviews");
            say(String.format("Loading %,d review documents", docs));
            long loadStart = System.nanoTime();
            loadReviews(reviews, docs);
            Measurement load =
                    new Measurement("load (insertMany)", docs, 0, System.nanoTime() - loadStart);
            db.getCollection("probe").insertOne(new Document("_id", "p").append("seq", 0L));

            Map<String, Object> base = new LinkedHashMap<>();
            base.put("mongo.uri", mongoServer.connectionString());
            base.put("mongo.database", "bench");
            base.put("source.heartbeat-interval", "500 ms");
            base.put("source.split-size-mb", "8");
            Map<String, Object> collections = new LinkedHashMap<>();
            collections.putAll(new Yaml().load(ReviewDocuments.mappingYaml("reviews")));
            collections.putAll(
                    new Yaml()
                            .load("probe:\n  key-type: VARCHAR(8)\n  columns:\n    seq: BIGINT\n"));
            base.put("collections", collections);
            JobConfig config = JobConfig.fromMap(withUrl(base, maria.db.jdbcUrl("x")), Map.of());
            TableSpec table = config.mapping().tableFor("reviews");

            awaitIdleMachine();
            say("Measuring the raw ceilings");
            Measurement source =
                    Ceilings.sourceRead(db.getCollection("reviews", RawBsonDocument.class));
            long normStart = System.nanoTime();
            List<RowChange> rows =
                    normalizeAll(db.getCollection("reviews", BsonDocument.class).find(), config);
            Measurement normalize =
                    new Measurement(
                            "normalize (pure, 1 thread)",
                            rows.size(),
                            0,
                            System.nanoTime() - normStart);
            maria.db.createDatabase("ceilings");
            Measurement insert;
            Measurement loadData;
            Map<String, Double> insertCpu;
            Map<String, Long> insertStatements;
            try (Connection c =
                    MySqlConnections.open(
                            maria.db.jdbcUrl("ceilings") + "&allowLoadLocalInfile=true",
                            null,
                            null)) {
                CpuBudget.Snapshot before = CpuBudget.take(maria.db.serverPid());
                Map<String, Long> statementsBefore = StatementCounters.take(c);
                insert = Ceilings.insert(c, table, rows, 1L, 1000);
                insertStatements =
                        StatementCounters.delta(statementsBefore, StatementCounters.take(c));
                insertCpu = CpuBudget.between(before, CpuBudget.take(maria.db.serverPid()));
                loadData = Ceilings.loadData(c, table, rows, 1L, work);
            }
            // On the console too, so that a run that fails later keeps them.
            for (Measurement m : List.of(source, normalize, insert, loadData)) {
                say(m);
            }
            if (!postgres) {
                // Not needed again: at 1M documents these rows held over a GB of the heap the
                // measured jobs share.
                rows = null;
            }

            List<Variant> variants = this.variants;
            // Warm-up: the first job in a JVM pays for class loading and JIT compilation of Flink,
            // Flink CDC and the sink; without it the first variant would be measured cold and
            // every other one warm.
            // It runs on warmupDocs(docs) documents of its own database: at 1M documents a
            // warm-up over the whole collection doubled the run and measured nothing.
            int warmDocs = warmupDocs(docs);
            say(String.format("Warm-up job on %,d documents (not measured)", warmDocs));
            MongoDatabase warmDb = client.getDatabase("warmup");
            loadReviews(warmDb.getCollection("reviews"), warmDocs);
            warmDb.getCollection("probe").insertOne(new Document("_id", "p").append("seq", 0L));
            Map<String, Object> warmBase = new LinkedHashMap<>(base);
            warmBase.put("mongo.database", "warmup");
            maria.db.createDatabase("warmup");
            JobRun.run(
                    variants.get(0),
                    warmBase,
                    maria.db.jdbcUrl("warmup"),
                    warmDb,
                    maria.db.serverPid(),
                    warmDocs,
                    JobRun.sourceKeys(warmDb.getCollection("reviews")),
                    liveRate,
                    Duration.ZERO);
            warmDb.drop();
            List<JobRun.Result> results = new ArrayList<>();
            int n = 0;
            for (Variant v : variants) {
                n++;
                String dbName = "run" + n;
                maria.db.createDatabase(dbName);
                if (n > 1) {
                    // Every variant starts from the same documents: the live phase before it
                    // inserted, deleted and grew documents (comments and images become child rows).
                    reviews.drop();
                    loadReviews(reviews, docs);
                }
                long count = reviews.countDocuments();
                List<String> keys = JobRun.sourceKeys(reviews);
                Duration live = n == 1 ? liveDuration : variantLive;
                awaitIdleMachine();
                say(
                        String.format(
                                "Run %d/%d: %s (%,d documents, then %s of live changes at %.0f/s)",
                                n, variants.size(), v.name, count, live, liveRate));
                JobRun.Result r =
                        JobRun.run(
                                v,
                                base,
                                maria.db.jdbcUrl(dbName),
                                db,
                                maria.db.serverPid(),
                                count,
                                keys,
                                liveRate,
                                live);
                say(
                        String.format(
                                "   snapshot %.1f s (%,.0f docs/s), live p50 %d ms, caught up %.1f s%s, compared %.1f s, %s",
                                r.snapshotSeconds,
                                r.docsPerSecond,
                                r.percentile(0.5),
                                r.catchUpSeconds,
                                r.afterMarker(),
                                r.compareSeconds,
                                r.consistent ? "CONSISTENT" : "INCONSISTENT"));
                say("   " + r.jobHistory());
                results.add(r);
            }
            Measurement insertAfter = insertAgain(maria.db, table, config, n);
            say(insertAfter);
            PostgresColumn pg =
                    postgres
                            ? postgresColumn(work, base, db, reviews, rows, table, variants.get(0))
                            : null;
            String date = LocalDate.now().toString();
            Path md = out != null ? out : Path.of("benchmarks/results/" + date + ".md");
            Files.createDirectories(md.toAbsolutePath().getParent());
            Path svg = md.resolveSibling(md.getFileName().toString().replace(".md", ".svg"));
            Files.writeString(
                    svg, Report.chart(source, insert, loadData, results), StandardCharsets.UTF_8);
            Files.writeString(
                    md,
                    Report.markdown(
                            commandLine(),
                            mongoServer.where(),
                            docs,
                            load,
                            source,
                            normalize,
                            insert,
                            insertAfter,
                            loadData,
                            insertCpu,
                            insertStatements,
                            results,
                            pg,
                            liveRate,
                            svg.getFileName().toString(),
                            System.currentTimeMillis() - started),
                    StandardCharsets.UTF_8);
            say("Wrote " + md + " and " + svg);
            boolean allConsistent =
                    results.stream().allMatch(r -> r.consistent)
                            && (pg == null || pg.run().consistent);
            return allConsistent ? 0 : 1;
        }
    }

    /**
     * PostgreSQL's ceilings and the baseline variant against embedded PostgreSQL, from the same
     * freshly loaded documents (no live phase: the MariaDB run measures it).
     */
    private PostgresColumn postgresColumn(
            Path work,
            Map<String, Object> base,
            MongoDatabase db,
            MongoCollection<Document> reviews,
            List<RowChange> rows,
            TableSpec table,
            Variant baseline)
            throws Exception {
        say("Starting embedded PostgreSQL");
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(work.resolve("postgres"))) {
            say("Measuring PostgreSQL's ceilings");
            pg.createDatabase("ceilings");
            Measurement insert;
            Measurement copy;
            String version;
            try (Connection c =
                    MySqlConnections.open(
                            pg.jdbcUrl("ceilings") + "&reWriteBatchedInserts=true", null, null)) {
                version = c.getMetaData().getDatabaseProductVersion();
                insert = Ceilings.insert(c, PostgresDialect.INSTANCE, table, rows, 1L, 1000);
                copy = Ceilings.copy(c, table, rows, 1L, work);
            }
            pg.createDatabase("run_pg");
            reviews.drop();
            loadReviews(reviews, docs);
            long count = reviews.countDocuments();
            say(String.format("PostgreSQL run: %s (%,d documents)", baseline.name, count));
            JobRun.Result r =
                    JobRun.run(
                            baseline,
                            base,
                            pg.jdbcUrl("run_pg"),
                            db,
                            -1,
                            count,
                            JobRun.sourceKeys(reviews),
                            liveRate,
                            Duration.ZERO);
            say(
                    String.format(
                            "   snapshot %.1f s (%,.0f docs/s), %s",
                            r.snapshotSeconds,
                            r.docsPerSecond,
                            r.consistent ? "CONSISTENT" : "INCONSISTENT"));
            return new PostgresColumn(
                    "embedded PostgreSQL "
                            + version
                            + " (fsync, synchronous_commit and full_page_writes off)",
                    insert,
                    copy,
                    r);
        }
    }

    /**
     * Inserts the benchmark's {@code docs} review documents (seed 1, so every call loads the same
     * documents) in batches of 1,000.
     */
    static void loadReviews(MongoCollection<Document> reviews, int docs) {
        ReviewDocuments gen = new ReviewDocuments(1);
        for (int i = 0; i < docs; i += 1000) {
            reviews.insertMany(gen.next(Math.min(1000, docs - i)));
        }
    }

    private static Map<String, Object> withUrl(Map<String, Object> base, String url) {
        Map<String, Object> m = new LinkedHashMap<>(base);
        m.put("mysql.url", url);
        return m;
    }

    /**
     * The multi-row INSERT ceiling once more, after the jobs, on the same rows (the documents
     * {@link #loadReviews} loads, made again by the same generator). One measurement before the job
     * is not a stable denominator on this VM: at 1M documents the ceiling varied 4,481–10,307
     * docs/s from run to run (I/O-bound: the table outgrows the buffer pool). The two measurements
     * bracket the job. The jobs' and the first ceiling's databases are dropped first, so that this
     * one, like the first, writes into an otherwise empty server.
     */
    private Measurement insertAgain(EmbeddedMariaDb db, TableSpec table, JobConfig config, int runs)
            throws Exception {
        say("Measuring the INSERT ceiling again, after the jobs");
        db.createDatabase("ceilings_after");
        try (Connection c = MySqlConnections.open(db.jdbcUrl("ceilings_after"), null, null)) {
            try (Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS ceilings");
                st.execute("DROP DATABASE IF EXISTS warmup");
                for (int i = 1; i <= runs; i++) {
                    st.execute("DROP DATABASE IF EXISTS run" + i);
                }
            }
            ReviewDocuments generator = new ReviewDocuments(1);
            Iterable<BsonDocument> documents =
                    () ->
                            Stream.generate(() -> generator.next().toBsonDocument())
                                    .limit(docs)
                                    .iterator();
            List<RowChange> rows = normalizeAll(documents, config);
            awaitIdleMachine(); // the drops above leave InnoDB work behind
            Measurement m = Ceilings.insert(c, table, rows, 1L, 1000);
            return new Measurement(
                    "sink ceiling: multi-row INSERT, again after the jobs",
                    m.items,
                    m.bytes,
                    m.nanos,
                    m.rows);
        }
    }

    private static List<RowChange> normalizeAll(
            Iterable<BsonDocument> documents, JobConfig config) {
        DocumentNormalizer normalizer =
                new DocumentNormalizer(config.mapping(), MismatchPolicy.NULL_AND_KEEP_IN_EXTRA);
        List<RowChange> rows = new ArrayList<>();
        for (BsonDocument d : documents) {
            NormalizeResult r =
                    normalizer.normalize(
                            ChangeRecord.upsert(
                                    "reviews",
                                    CanonicalValues.canonicalJson(d.get("_id")),
                                    d.toJson(CanonicalValues.CANONICAL),
                                    1L),
                            0L);
            if (r.change != null) {
                rows.add(r.change);
            }
        }
        return rows;
    }

    /**
     * Waits (at most {@value #IDLE_WAIT_SECONDS} s) until the machine has been nearly idle (under
     * {@value #IDLE_CORES} cores busy) for one second: loading a million documents leaves the
     * emulator's JVM collecting for tens of seconds afterwards, and MariaDB flushing, and a
     * measurement started meanwhile shares the cores with that work (the INSERT ceiling measured
     * straight after the load was 0.63–0.69× the same measurement after the jobs, 2026-12-04).
     */
    private static void awaitIdleMachine() throws InterruptedException {
        long start = System.nanoTime();
        double busy = Double.NaN;
        while (System.nanoTime() - start < IDLE_WAIT_SECONDS * 1_000_000_000L) {
            long cpu = CpuBudget.machineCpuNanos();
            long at = System.nanoTime();
            Thread.sleep(1000);
            if (cpu == 0) {
                return; // no /proc/stat: nothing to wait for
            }
            busy = (CpuBudget.machineCpuNanos() - cpu) / (double) (System.nanoTime() - at);
            if (busy < IDLE_CORES) {
                break;
            }
        }
        say(
                String.format(
                        java.util.Locale.ROOT,
                        "   machine idle after %.1f s (%.2f cores busy in the last second)",
                        (System.nanoTime() - start) / 1e9,
                        busy));
    }

    private static final int IDLE_WAIT_SECONDS = 120;
    private static final double IDLE_CORES = 0.15;

    private static void say(String s) {
        System.out.println(s);
    }

    /** One measurement on the console (run-tradeoffs reads the INSERT ceilings' lines). */
    private static void say(Measurement m) {
        say(
                String.format(
                        "   %s: %,d in %.1f s = %,.0f/s",
                        m.name, m.items, m.seconds(), m.perSecond()));
    }

    /** Closes the embedded MariaDB with the other resources. */
    private static final class AutoCloseableDb implements AutoCloseable {
        final EmbeddedMariaDb db;

        AutoCloseableDb(EmbeddedMariaDb db) {
            this.db = db;
        }

        @Override
        public void close() {
            db.close();
        }
    }

    static String fmt(double d) {
        return String.format(Locale.ROOT, "%,.0f", d);
    }
}
