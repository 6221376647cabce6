package io.dbtransfer.cli;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.dialect.MismatchRows;
import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.embedded.EmbeddedMariaDb;
import io.dbtransfer.embedded.EmbeddedPostgres;
import io.dbtransfer.embedded.MongoEmulator;
import io.dbtransfer.mapping.MappingInference;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.pipeline.JobEnvironment;
import io.dbtransfer.pipeline.MigrationJob;
import io.dbtransfer.reverse.BinlogCheck;
import io.dbtransfer.verify.ConsistencyChecker;
import io.dbtransfer.verify.ConsistencyReport;
import io.dbtransfer.workload.ExtendedJsonLines;
import io.dbtransfer.workload.LiveChangeSimulator;
import io.dbtransfer.workload.RawDocumentLoader;
import io.dbtransfer.workload.ReviewDocuments;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import org.bson.BsonDocument;
import org.bson.BsonDocumentReader;
import org.bson.Document;
import org.bson.UuidRepresentation;
import org.bson.codecs.DecoderContext;
import org.bson.codecs.configuration.CodecRegistries;
import org.bson.codecs.configuration.CodecRegistry;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code bin/dbtransfer demo}: a whole live migration on embedded servers — load a collection,
 * start the job, write live changes during the snapshot and after it, wait until the target has
 * caught up, compare both sides independently, report. The target is embedded MariaDB, or with
 * {@code --target postgresql} embedded PostgreSQL (reconcile runs on both).
 */
@Command(
        name = "demo",
        description = {
            "A whole live migration on embedded servers: MongoDB emulator + MariaDB (or"
                    + " PostgreSQL with --target postgresql), live writes during the snapshot and"
                    + " after it, an independent comparison, a report."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:CONSISTENT",
            "1:INCONSISTENT (or not caught up within --timeout)",
            "2:bad input or an error"
        })
final class DemoCommand implements Callable<Integer> {

    private static final String DATABASE = "demo";
    private static final String COLLECTION = "reviews";

    @Option(
            names = "--docs",
            paramLabel = "N",
            description = "Generated documents (default: ${DEFAULT-VALUE}).")
    int docs = 20_000;

    @Option(
            names = "--live-rate",
            paramLabel = "R",
            description = "Live changes per second (default: ${DEFAULT-VALUE}).")
    double rate = 300;

    @Option(
            names = "--live-changes",
            paramLabel = "M",
            description =
                    "Live changes to apply (default: a fifth of the documents, at least 100).")
    Long liveChangesOption;

    @Option(
            names = "--load",
            paramLabel = "FILE.jsonl",
            description =
                    "Your own documents (MongoDB Extended JSON, one a line) instead of generated"
                            + " ones; the mapping is inferred from them. Every line is loaded"
                            + " (see --hold-back); a line that cannot be is reported with its"
                            + " number and reason, and the rest still load.")
    Path load;

    @Option(
            names = "--hold-back",
            paramLabel = "P%",
            description =
                    "Hold back the last P percent of the documents and insert them as live"
                            + " changes while the job runs (default: 10% of generated documents,"
                            + " none of a --load file).")
    String holdBackOption;

    @Option(
            names = "--delivery",
            paramLabel = "MODE",
            description = "exactly-once or idempotent (default: ${DEFAULT-VALUE}).")
    String delivery = "exactly-once";

    @Option(
            names = "--parallelism",
            paramLabel = "P",
            description = "Job parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism = 2;

    @Option(
            names = "--report",
            paramLabel = "PATH",
            description =
                    "JSON report (default: target/dbtransfer-demo-report.json in the checkout).")
    Path reportOption;

    @Option(
            names = "--work-dir",
            paramLabel = "DIR",
            description = "MariaDB data and checkpoints (default: target/demo in the checkout).")
    Path workDirOption;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "5m",
            description =
                    "How long to wait for MySQL to catch up after the live writes (default:"
                            + " ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
            names = "--keep-running",
            description =
                    "Keep the servers and the job running after the report, and print the"
                            + " verify and cutover commands for them.")
    boolean keepRunning;

    @Option(
            names = "--round-trip",
            description =
                    "Also the way back (MariaDB only): after the migration stop the job, cut over"
                            + " (certificate 1, with the binlog point), stream MySQL's changes back"
                            + " to MongoDB (bin/dbtransfer reverse), write to MySQL as an"
                            + " application would, cut back (cutover --to mongodb, certificate 2)."
                            + " MariaDB then runs with a ROW binlog. Exit 0 only if both are"
                            + " CONSISTENT.")
    boolean roundTrip;

    /** Called with the MongoDB URI and the MySQL URL before the servers stop (tests). */
    java.util.function.BiConsumer<String, String> beforeShutdown;

    @Option(names = "--repair", description = "Let reconciliation repair rows it finds wrong.")
    boolean repair;

    @Option(
            names = "--target",
            paramLabel = "DB",
            description =
                    "mariadb or postgresql: the embedded target database (default:"
                            + " ${DEFAULT-VALUE}); the job reconciles (and with --repair"
                            + " repairs) on both.")
    String target = "mariadb";

    /** Whether the demo writes to embedded PostgreSQL. */
    private boolean postgres() {
        return target.equals("postgresql");
    }

    /** The target's name in messages. */
    private String targetName() {
        return postgres() ? "PostgreSQL" : "MySQL";
    }

    @Override
    public Integer call() throws Exception {
        return run();
    }

    /** The documents of a run: those loaded first, those held back for live inserts. */
    private static final class Documents {
        final List<ExtendedJsonLines.Line> toLoad;
        final Deque<Document> heldBack = new ArrayDeque<>();
        final int hold;
        final List<ExtendedJsonLines.Rejected> rejected = new ArrayList<>();

        /** Filled by {@link #loadInto}: the documents MongoDB accepted. */
        List<ExtendedJsonLines.Line> initial;

        Documents(List<ExtendedJsonLines.Line> lines, double holdBackPercent) {
            int h = (int) Math.round(lines.size() * holdBackPercent / 100.0);
            if (holdBackPercent > 0 && lines.size() > 1) {
                h = Math.min(lines.size() - 1, Math.max(1, h));
            }
            this.hold = h;
            this.toLoad = lines.subList(0, lines.size() - hold);
            for (ExtendedJsonLines.Line l : lines.subList(lines.size() - hold, lines.size())) {
                heldBack.add(toDocument(l.document()));
            }
        }
    }

    /** What the run measured, for the report and the summary. */
    private static final class Outcome {
        long started;
        long liveStarted;
        long liveDone;
        long caughtUp;
        ConsistencyReport result;
        LiveChangeSimulator simulator;
        String jobStatus;
        long deadLetters;
        long reconcileMismatches;
    }

    int run() throws Exception {
        Main.requireEmbeddedServers("demo");
        Outcome o = new Outcome();
        o.started = System.currentTimeMillis();
        long liveChanges = checkOptions();
        Path report =
                reportOption != null
                        ? reportOption
                        : Main.inHome("target/dbtransfer-demo-report.json");
        Path workDir = workDirOption != null ? workDirOption : Main.inHome("target/demo");
        workDir = workDir.toAbsolutePath();
        Documents documents = documents();

        step(1, "Starting the embedded MongoDB emulator");
        MongoEmulator mongo = MongoEmulator.start();
        Files.createDirectories(workDir);
        AutoCloseable server;
        String mysqlUrl;
        if (postgres()) {
            step(2, "Starting embedded PostgreSQL");
            EmbeddedPostgres pg = EmbeddedPostgres.start(workDir.resolve("postgres"));
            server = pg;
            pg.createDatabase(DATABASE);
            mysqlUrl = pg.jdbcUrl(DATABASE);
        } else {
            step(2, "Starting embedded MariaDB (MySQL-compatible)");
            // A binlog only when the way back needs one: nothing else reads it, and with it every
            // commit of the forward job also writes (and, for XA, syncs) the binlog.
            EmbeddedMariaDb mariaDb =
                    roundTrip
                            ? EmbeddedMariaDb.start(
                                    workDir.resolve("mariadb"), BinlogCheck.SERVER_OPTIONS)
                            : EmbeddedMariaDb.start(workDir.resolve("mariadb"));
            server = mariaDb;
            mariaDb.createDatabase(DATABASE);
            mysqlUrl = mariaDb.jdbcUrl(DATABASE);
        }
        detail("MongoDB: " + mongo.connectionString());
        detail((postgres() ? "PostgreSQL: " : "MySQL:   ") + mysqlUrl);

        try (MongoClient client =
                MongoConnections.open(
                        MongoConnections.settings(mongo.connectionString(), null, 10)
                                .uuidRepresentation(UuidRepresentation.STANDARD))) {
            MongoDatabase db = client.getDatabase(DATABASE);
            MongoCollection<Document> coll = db.getCollection(COLLECTION);
            loadInto(coll, documents);
            String inferred = load == null ? null : inferMapping(coll);
            JobConfig config = jobConfig(mongo.connectionString(), mysqlUrl, delivery, inferred);
            step(
                    4,
                    "Starting the migration job (parallelism "
                            + parallelism
                            + ", "
                            + delivery
                            + ")");
            Configuration cluster =
                    JobEnvironment.localCluster(workDir.resolve("checkpoints").toUri().toString());
            int restPort = LocalJobProgress.restOn(cluster);
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironment(parallelism, cluster);
            MigrationJob.build(env, config);
            JobClient job = env.executeAsync("DBtransfer demo");
            LocalJobProgress figures = new LocalJobProgress(restPort, job.getJobID().toString());

            try (Connection mysql = MySqlConnections.open(mysqlUrl, null, null)) {
                applyLiveChanges(coll, documents, liveChanges, figures, o);
                step(
                        6,
                        "Waiting for "
                                + targetName()
                                + " to catch up, then comparing both sides document by document");
                ConsistencyChecker checker =
                        new ConsistencyChecker(
                                new DocumentNormalizer(config.mapping(), config.mismatchPolicy()));
                o.result = awaitCaughtUp(checker, db, mysql, job, figures);
                o.caughtUp = System.currentTimeMillis();
                o.jobStatus = job.getJobStatus().get().name();
                o.deadLetters = countDeadLetters(mysql);
                o.reconcileMismatches =
                        MismatchRows.countOpen(mysql, TargetDialect.forUrl(mysqlUrl));
                if (report.getParent() != null) {
                    Files.createDirectories(report.getParent());
                }
                Files.writeString(report, report(o, documents).render(), StandardCharsets.UTF_8);
                printSummary(o, documents, report);
                if (roundTrip) {
                    figures.close();
                    int code = roundTrip(job, workDir, mongo.connectionString(), mysqlUrl, config);
                    code = o.result.consistent() ? code : 1;
                    if (beforeShutdown != null) {
                        beforeShutdown.accept(mongo.connectionString(), mysqlUrl);
                    }
                    Files.writeString(
                            report,
                            report(o, documents).put("roundTrip", roundTripJson).render(),
                            StandardCharsets.UTF_8);
                    return code;
                }
                if (keepRunning) {
                    printStillRunning(mongo.connectionString(), mysqlUrl, figures);
                    CountDownLatch forever = new CountDownLatch(1);
                    Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
                    forever.await();
                }
                figures.close();
                job.cancel();
                return o.result.consistent() ? 0 : 1;
            }
        } finally {
            mongo.close();
            server.close();
        }
    }

    /** The round trip's outcome for the report. */
    private JsonOut roundTripJson;

    /**
     * Steps 7-10 ({@code --round-trip}): stops the migration job (its last XA transaction must
     * precede the point the cutover records), then {@link RoundTrip}; returns 0 when both
     * certificates are CONSISTENT.
     */
    private int roundTrip(
            JobClient job, Path workDir, String mongoUri, String mysqlUrl, JobConfig config)
            throws Exception {
        detail("stopping the migration job (the way back starts after its last transaction)");
        try {
            job.stopWithSavepoint(
                            false,
                            workDir.resolve("savepoints").toUri().toString(),
                            org.apache.flink.core.execution.SavepointFormatType.CANONICAL)
                    .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            detail("stop with savepoint failed (" + e + "); cancelling the job");
            job.cancel().get();
        }
        RoundTrip trip =
                new RoundTrip(
                        mongoUri,
                        mysqlUrl,
                        config.mapping().tableFor(COLLECTION),
                        workDir,
                        timeout,
                        System.out);
        RoundTrip.Outcome r;
        try (Connection mysql = MySqlConnections.open(mysqlUrl, null, null)) {
            r = trip.run(mysql, this::step);
        }
        String first = r.cutover() == 0 ? "CONSISTENT" : "INCONSISTENT";
        String second =
                r.cutover() != 0 ? "not run" : r.cutBack() == 0 ? "CONSISTENT" : "INCONSISTENT";
        System.out.println();
        System.out.println("Round trip");
        System.out.printf("  cutover (MongoDB → MySQL)    %s  %s%n", first, r.forwardCertificate());
        System.out.printf("  cut back (MySQL → MongoDB)   %s  %s%n", second, r.backCertificate());
        System.out.printf("  writes to MySQL in between   %s%n", trip.writes);
        roundTripJson =
                new JsonOut()
                        .put("cutoverVerdict", first)
                        .put("cutoverCertificate", r.forwardCertificate().toString())
                        .put("cutBackVerdict", second)
                        .put("cutBackCertificate", r.backCertificate().toString())
                        .put("mysqlWrites", trip.writes.toString());
        return r.bothConsistent() ? 0 : 1;
    }

    /** Rejects options out of range; returns the number of live changes to apply. */
    private long checkOptions() {
        if (!target.equals("mariadb") && !target.equals("postgresql")) {
            throw new ConfigException(
                    "--target must be mariadb or postgresql, got '" + target + "'");
        }
        if (roundTrip && postgres()) {
            throw new ConfigException(
                    "--round-trip needs --target mariadb: the way back reads MySQL's binary log;"
                            + " a PostgreSQL target has no reverse direction");
        }
        if (roundTrip && keepRunning) {
            throw new ConfigException(
                    "--round-trip and --keep-running exclude each other: the round trip stops the"
                            + " migration job");
        }
        if (docs < 1 || docs > 5_000_000) {
            throw new ConfigException("--docs must be between 1 and 5000000, got " + docs);
        }
        if (rate < 0.1) {
            throw new ConfigException("--live-rate must be at least 0.1, got " + rate);
        }
        long liveChanges = liveChangesOption == null ? Math.max(100, docs / 5) : liveChangesOption;
        if (liveChanges < 0 || liveChanges > 100_000_000) {
            throw new ConfigException(
                    "--live-changes must be between 0 and 100000000, got " + liveChanges);
        }
        if (parallelism < 1 || parallelism > 16) {
            throw new ConfigException("--parallelism must be between 1 and 16, got " + parallelism);
        }
        if (timeout.toMillis() < 1000) {
            throw new ConfigException(
                    "--timeout must be at least 1s, got " + DurationConverter.format(timeout));
        }
        return liveChanges;
    }

    /** The generated documents, or those of the {@code --load} file, split for hold-back. */
    private Documents documents() throws IOException {
        double holdBackPercent = holdBackPercent(holdBackOption, load == null ? 10 : 0);
        List<ExtendedJsonLines.Line> lines;
        List<ExtendedJsonLines.Rejected> rejected = new ArrayList<>();
        if (load == null) {
            lines = new ArrayList<>();
            long n = 0;
            for (Document d : generate(docs)) {
                lines.add(
                        new ExtendedJsonLines.Line(
                                ++n, d.toBsonDocument(BsonDocument.class, STANDARD_CODECS)));
            }
        } else {
            ExtendedJsonLines.Lines read = readJsonLines(load);
            lines = read.documents();
            rejected.addAll(read.rejected());
        }
        Documents d = new Documents(lines, holdBackPercent);
        d.rejected.addAll(rejected);
        return d;
    }

    /** Step 3: inserts the documents to load; reports the lines that could not be. */
    private void loadInto(MongoCollection<Document> coll, Documents d) {
        step(
                3,
                String.format(
                        "Loading %,d documents%s (%,d held back for live inserts)",
                        d.toLoad.size(), load == null ? "" : " from " + load, d.hold));
        RawDocumentLoader.Result loaded = RawDocumentLoader.insert(coll, d.toLoad);
        d.rejected.addAll(loaded.rejected());
        d.rejected.sort((a, b) -> Long.compare(a.number(), b.number()));
        d.initial = loaded.loaded();
        if (!d.rejected.isEmpty()) {
            detail(
                    String.format(
                            "loaded %,d, rejected %,d line(s):",
                            d.initial.size(), d.rejected.size()));
            for (ExtendedJsonLines.Rejected r :
                    d.rejected.subList(0, Math.min(20, d.rejected.size()))) {
                detail("  " + r);
            }
            if (d.rejected.size() > 20) {
                detail("  ... (all of them in the report)");
            }
        }
        if (d.initial.isEmpty()) {
            throw new ConfigException(
                    "--load: no document of "
                            + load
                            + " could be loaded ("
                            + d.rejected.size()
                            + " lines rejected, the first: "
                            + (d.rejected.isEmpty() ? "none" : d.rejected.get(0))
                            + "). Fix the file and run the demo again.");
        }
    }

    /** Own documents: the mapping is inferred from them (all of them are the sample). */
    private static String inferMapping(MongoCollection<Document> coll) {
        MappingInference inference = new MappingInference();
        for (BsonDocument d : coll.withDocumentClass(BsonDocument.class).find()) {
            inference.add(d);
        }
        String inferred = inference.yaml(COLLECTION);
        detail("inferred mapping:\n" + inferred.stripTrailing().indent(12).stripTrailing());
        return inferred;
    }

    /** Step 5: the live changes (updates, deletes, the held-back inserts) while the job runs. */
    private void applyLiveChanges(
            MongoCollection<Document> coll,
            Documents d,
            long liveChanges,
            LocalJobProgress figures,
            Outcome o)
            throws Exception {
        List<Object> ids = new ArrayList<>();
        for (ExtendedJsonLines.Line l : d.initial) {
            ids.add(l.document().get("_id"));
        }
        o.simulator = new LiveChangeSimulator(coll, d.heldBack, ids, rate, liveChanges, 7L);
        step(
                5,
                String.format(
                        "Applying %,d live changes at %.0f/s while the snapshot runs",
                        liveChanges, rate));
        o.liveStarted = System.currentTimeMillis();
        Thread live = new Thread(o.simulator, "live-changes");
        live.start();
        while (live.isAlive()) {
            live.join(2000);
            progress(
                    "live changes "
                            + o.simulator.stats().total()
                            + "/"
                            + liveChanges
                            + " | "
                            + figures.poll());
        }
        o.liveDone = System.currentTimeMillis();
        endProgress();
        detail("applied: " + o.simulator.stats());
    }

    /**
     * Step 6: compares both sides until they are equal, the job ended or {@code --timeout} passed;
     * returns the last comparison.
     */
    private ConsistencyReport awaitCaughtUp(
            ConsistencyChecker checker,
            MongoDatabase db,
            Connection mysql,
            JobClient job,
            LocalJobProgress figures)
            throws Exception {
        ConsistencyReport result;
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (true) {
            result = checker.compare(db, mysql);
            if (result.consistent() || System.currentTimeMillis() > deadline) {
                break;
            }
            if (job.getJobStatus().get().isGloballyTerminalState()) {
                break;
            }
            progress(
                    "catching up: "
                            + result.targetRows
                            + " rows, "
                            + result.missing
                            + " missing, "
                            + result.extra
                            + " extra, "
                            + result.different
                            + " different | "
                            + figures.poll());
            Thread.sleep(1000);
        }
        endProgress();
        return result;
    }

    /** The JSON report. */
    private JsonOut report(Outcome o, Documents d) {
        ConsistencyReport result = o.result;
        LiveChangeSimulator simulator = o.simulator;
        return new JsonOut()
                .put("verdict", result.consistent() ? "CONSISTENT" : "INCONSISTENT")
                .put("sourceDocuments", result.sourceDocuments)
                .put("targetRows", result.targetRows)
                .put("childRows", result.childRows)
                .put("missing", result.missing)
                .put("extra", result.extra)
                .put("different", result.different)
                .put("deadLettered", result.deadLettered)
                .put("deadLetterRecords", o.deadLetters)
                .put("liveChangesApplied", simulator.stats().total())
                .put("liveInserts", simulator.stats().inserts.get())
                .put("liveUpdates", simulator.stats().updates.get())
                .put("liveReplaces", simulator.stats().replaces.get())
                .put("liveDeletes", simulator.stats().deletes.get())
                .put("initialDocuments", d.initial.size())
                .put("loadedDocuments", d.initial.size())
                .put("heldBackDocuments", d.hold)
                .put("rejectedDocuments", d.rejected.size())
                .put("rejectedLines", rejectedLines(d.rejected))
                .put("deliveryGuarantee", delivery)
                .put("parallelism", parallelism)
                .put("liveWritesStartedAfterMs", o.liveStarted - o.started)
                .put("catchUpAfterLiveWritesMs", o.caughtUp - o.liveDone)
                .put("durationMs", o.caughtUp - o.started)
                .put("jobStatus", o.jobStatus)
                .put("mismatchSamples", result.samples)
                .put("target", postgres() ? "postgresql" : "mariadb")
                .put("reconcileVerdict", reconcileVerdict(o))
                .put("reconcileMismatches", o.reconcileMismatches);
    }

    /** CONSISTENT (no open mismatch recorded by the job's reconciliation) or INCONSISTENT. */
    private static String reconcileVerdict(Outcome o) {
        return o.reconcileMismatches == 0 ? "CONSISTENT" : "INCONSISTENT";
    }

    /** The readable summary on stdout. */
    private static void printSummary(Outcome o, Documents d, Path report) {
        ConsistencyReport result = o.result;
        System.out.println();
        System.out.println("Summary");
        System.out.printf(
                "  verdict              %s%n", result.consistent() ? "CONSISTENT" : "INCONSISTENT");
        System.out.printf(
                "  documents            %,d loaded, %,d held back, %,d rejected%n",
                d.initial.size(), d.hold, d.rejected.size());
        System.out.printf("  source documents     %,d%n", result.sourceDocuments);
        System.out.printf("  target rows          %,d%n", result.targetRows);
        System.out.printf(
                "  missing/extra/diff   %d / %d / %d%n",
                result.missing, result.extra, result.different);
        System.out.printf("  dead-lettered        %d%n", result.deadLettered);
        System.out.printf(
                "  in-job reconcile     %s (%d mismatches in %s so far)%n",
                reconcileVerdict(o), o.reconcileMismatches, MismatchRows.TABLE);
        System.out.printf(
                "  live changes applied %,d (%s)%n",
                o.simulator.stats().total(), o.simulator.stats());
        System.out.printf(
                "  duration             %.1f s (caught up %.1f s after the last live write)%n",
                (o.caughtUp - o.started) / 1000.0, (o.caughtUp - o.liveDone) / 1000.0);
        System.out.printf("  report               %s%n", report.toAbsolutePath());
        for (String s : result.samples) {
            System.out.println("  " + s);
        }
    }

    /** With {@code --keep-running}: where the servers are and the commands to check them. */
    private void printStillRunning(String mongoUri, String mysqlUrl, LocalJobProgress figures) {
        System.out.println();
        System.out.println("Still running (Ctrl-C stops everything):");
        System.out.println("  MongoDB: " + mongoUri + "  (database " + DATABASE + ")");
        if (postgres()) {
            System.out.println("  PostgreSQL: " + mysqlUrl + "  (user postgres, no password)");
        } else {
            System.out.println("  MySQL:   " + mysqlUrl + "  (user root, no password)");
        }
        System.out.println(
                "  Change a row in "
                        + targetName()
                        + " behind the job's back and watch it appear in "
                        + MismatchRows.TABLE
                        + " within two sweeps (reconcile.sweep-interval 5 s)"
                        + (repair
                                ? ", with status repaired: the row is rewritten from MongoDB."
                                : "; --repair also repairs it."));
        System.out.println(
                "  Check it independently of the job, with the mapping the job"
                        + " recorded in "
                        + targetName()
                        + " (run from any directory):");
        String servers =
                " --mongo-uri " + shellQuote(mongoUri) + " --mysql-url " + shellQuote(mysqlUrl);
        System.out.println("    bin/dbtransfer verify" + servers);
        System.out.println("    bin/dbtransfer cutover" + servers);
        System.out.println("  Its progress:");
        System.out.println("    bin/dbtransfer status --rest " + figures.restAddress());
    }

    private JobConfig jobConfig(
            String mongoUri, String mysqlUrl, String delivery, String inferredYaml) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("mongo.uri", mongoUri);
        root.put("mongo.database", DATABASE);
        root.put("mysql.url", mysqlUrl);
        root.put("mysql.username", postgres() ? "postgres" : "root");
        root.put("sink.delivery-guarantee", delivery);
        root.put("job.checkpoint-interval", "1 s");
        root.put("source.split-size-mb", "1");
        root.put("source.heartbeat-interval", "500 ms");
        root.put("sink.transaction-prefix", "dbtransfer-demo");
        root.put("reconcile.sweep-interval", "5 s");
        root.put("reconcile.repair", repair);
        root.put(
                "collections",
                new Yaml()
                        .load(
                                inferredYaml == null
                                        ? ReviewDocuments.mappingYaml(COLLECTION)
                                        : inferredYaml));
        return JobConfig.fromMap(root, Map.of());
    }

    /** {@code s} quoted for a POSIX shell. */
    static String shellQuote(String s) {
        return s.matches("[A-Za-z0-9_/:.,=@%+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    private static List<Document> generate(int count) {
        return new ReviewDocuments(42L).next(count);
    }

    /** The documents of {@code file} and the lines that are not documents (reported, not fatal). */
    static ExtendedJsonLines.Lines readJsonLines(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(
                    "--load: file " + file + " does not exist (or is not a regular file)");
        }
        ExtendedJsonLines.Lines read = ExtendedJsonLines.readLines(file);
        if (read.documents().isEmpty()) {
            throw new ConfigException(
                    "--load: "
                            + file
                            + " holds no MongoDB Extended JSON document ("
                            + read.rejected().size()
                            + " lines rejected"
                            + (read.rejected().isEmpty()
                                    ? ""
                                    : ", the first: " + read.rejected().get(0))
                            + "). Give a file with one document a line.");
        }
        return read;
    }

    /** {@code --hold-back P%} as a percentage in [0, 90]; {@code fallback} when not given. */
    static double holdBackPercent(String option, double fallback) {
        if (option == null) {
            return fallback;
        }
        String v = option.strip();
        if (v.endsWith("%")) {
            v = v.substring(0, v.length() - 1).strip();
        }
        double p;
        try {
            p = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            p = Double.NaN;
        }
        if (!(p >= 0 && p <= 90)) {
            throw new ConfigException(
                    "--hold-back must be a percentage between 0% and 90% (e.g. --hold-back 10%), got '"
                            + option
                            + "'");
        }
        return p;
    }

    private static List<String> rejectedLines(List<ExtendedJsonLines.Rejected> rejected) {
        List<String> out = new ArrayList<>();
        for (ExtendedJsonLines.Rejected r : rejected) {
            out.add(r.toString());
        }
        return out;
    }

    /** Codecs that encode a {@link java.util.UUID} as binary subtype 04. */
    private static final CodecRegistry STANDARD_CODECS =
            CodecRegistries.withUuidRepresentation(
                    MongoClientSettings.getDefaultCodecRegistry(), UuidRepresentation.STANDARD);

    /**
     * {@code d} as a {@link Document} for the live-change simulator, decoded with explicit codecs:
     * subtype 04 becomes a {@link java.util.UUID} (written back as 04), subtype 03 stays binary.
     */
    private static Document toDocument(BsonDocument d) {
        return STANDARD_CODECS
                .get(Document.class)
                .decode(new BsonDocumentReader(d), DecoderContext.builder().build());
    }

    private static long countDeadLetters(Connection mysql) {
        try (var st = mysql.createStatement();
                var rs =
                        st.executeQuery(
                                "SELECT COUNT(*) FROM "
                                        + MySqlReadBack.dialectOf(mysql)
                                                .quoteIdentifier(DeadLetterRows.TABLE))) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return -1;
        }
    }

    private void step(int n, String text) {
        System.out.printf("[%d/%d] %s%n", n, roundTrip ? 10 : 6, text);
    }

    private static void detail(String text) {
        System.out.println("      " + text);
    }

    /** On a terminal one line rewritten in place; elsewhere a plain line every 10 s. */
    private static final ConsoleProgress PROGRESS =
            new ConsoleProgress(System.out, System.console() != null, 10_000);

    private static void progress(String text) {
        PROGRESS.update("      " + text);
    }

    private static void endProgress() {
        PROGRESS.clear();
    }
}
