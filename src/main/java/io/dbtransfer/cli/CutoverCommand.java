package io.dbtransfer.cli;

import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.Redact;
import io.dbtransfer.model.SourceVersion;
import io.dbtransfer.model.TargetType;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.reverse.BinlogCheck;
import io.dbtransfer.reverse.BinlogPosition;
import io.dbtransfer.reverse.ReverseMarkers;
import io.dbtransfer.source.SourceProbe;
import io.dbtransfer.verify.ChunkedVerifier;
import io.dbtransfer.verify.SourceWatch;
import io.dbtransfer.verify.TargetLedger;
import io.dbtransfer.verify.VerifyReport;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

/**
 * {@code bin/dbtransfer cutover}: waits until the source is quiet (or a given time is covered),
 * waits until the target (MySQL or PostgreSQL) has applied the last source change seen (drain),
 * runs a final full sweep (the independent chunked verify of every collection and its child tables,
 * plus the job's open mismatches and dead letters) and writes a consistency certificate (JSON and a
 * readable summary). Exit 0 only when consistent, 1 inconsistent, 2 error. For a MySQL target it
 * records the binlog point the reverse direction starts at; {@code --to mongodb} certifies the way
 * back (issue #17).
 */
@Command(
        name = "cutover",
        description = {
            "Wait until the source is quiet (or a time is covered), drain, run a final sweep and"
                    + " write a consistency certificate (JSON + summary).",
            "Without --config the mapping the job recorded in the target is used (and its"
                    + " collections and database unless given); a --config whose mapping differs"
                    + " from the recorded one is refused.",
            "For a MySQL/MariaDB target with a ROW binlog a CONSISTENT certificate records the"
                    + " binlog point the way back starts at (reverseStartsAt); --to mongodb cuts"
                    + " back after bin/dbtransfer reverse: it drains the reverse stream and"
                    + " certifies MongoDB the same way."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:CONSISTENT: the certificate says the target holds the source",
            "1:INCONSISTENT (the certificate lists the reasons)",
            "2:bad input or an error, e.g. no recorded mapping, a differing --config, --timeout"
                    + " passed before the source was quiet"
        })
public final class CutoverCommand implements Callable<Integer> {

    @Mixin JobArgs job = new JobArgs();

    @Option(
            names = "--to",
            paramLabel = "DB",
            description =
                    "mongodb: the way back (MySQL → MongoDB): insert a marker into MySQL, wait"
                            + " (up to --timeout) until the reverse job has written everything"
                            + " before it to MongoDB, then run the same final sweep and certify."
                            + " Default: the forward direction, MongoDB → the SQL target.")
    String to;

    @Option(
            names = "--quiet-for",
            paramLabel = "DURATION",
            description =
                    "Certify once the source has had no change for this long (default: 30s)."
                            + " Excludes --covered-until.")
    Duration quietForOption;

    @Option(
            names = "--covered-until",
            paramLabel = "TIME",
            description =
                    "Certify every source change up to this ISO-8601 time, e.g."
                            + " 2026-11-25T17:00:00Z, while writers go on.")
    String coveredUntilText;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "30m",
            description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
            names = "--settle",
            paramLabel = "DURATION",
            defaultValue = "3s",
            description =
                    "How long the target must stay unchanged to count as drained (default:"
                            + " ${DEFAULT-VALUE}).")
    Duration settle;

    @Option(
            names = "--out",
            paramLabel = "FILE.json",
            description =
                    "The certificate; a .txt summary is written beside it (default:"
                            + " ${DEFAULT-VALUE}, in the current directory).")
    Path certificate = Path.of("dbtransfer-cutover-certificate.json");

    @Option(
            names = "--allow-dead-letters",
            description = "Certify even with dead letters (documents the mapping cannot hold).")
    boolean allowDeadLetters;

    @Option(
            names = "--chunk-size",
            paramLabel = "N",
            description = "Documents per compared chunk in the sweep (default: ${DEFAULT-VALUE}).")
    int chunk = 1000;

    @Option(
            names = "--recheck-delay",
            paramLabel = "DURATION",
            description = "Wait before re-reading a differing document (default: 2s).")
    Duration recheckDelay = Duration.ofSeconds(2);

    /** The former option in milliseconds, still accepted. */
    @Option(names = "--recheck-delay-ms", hidden = true, paramLabel = "MS")
    void recheckDelayMs(Long ms) {
        if (ms != null) {
            recheckDelay = Duration.ofMillis(ms);
        }
    }

    private final PrintStream out;
    private final PrintStream err;

    CutoverCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** A cutover with these arguments (as on the command line after {@code cutover}). */
    public CutoverCommand(String[] args, PrintStream out, PrintStream err) {
        this(out, err);
        Main.parse(this, args);
    }

    @Override
    public Integer call() throws Exception {
        return run();
    }

    /** Runs the cutover check; returns the exit code (errors are thrown). */
    public int run() throws Exception {
        checkOptions();
        if (to != null && to.equalsIgnoreCase("mongodb")) {
            return toMongo();
        }
        Duration quietFor = quietForOption == null ? Duration.ofSeconds(30) : quietForOption;
        Instant coveredUntil = coveredUntilText == null ? null : instant(coveredUntilText);
        CheckTarget target = CheckTarget.resolve(job, "cutover", err);
        Mapping mapping = target.mapping;
        ConsoleProgress progress = ConsoleProgress.forStderr(err);
        long started = System.currentTimeMillis();
        long deadline = System.nanoTime() + timeout.toNanos();

        long now =
                SourceProbe.check(
                        target.mongoUri,
                        target.mongoPassword,
                        target.database,
                        new ArrayList<>(mapping.byCollection().keySet()));
        try (MongoClient client = MongoConnections.open(target.mongoUri, target.mongoPassword, 10);
                Connection mysql =
                        MySqlConnections.open(
                                target.mysqlUrl, target.mysqlUser, target.mysqlPassword)) {
            requireTables(mysql, mapping, target.mysqlUrl);
            MongoDatabase db = client.getDatabase(target.database);
            long coveredUpTo =
                    coveredUntil == null
                            ? -1
                            : SourceVersion.of(coveredUntil.getEpochSecond(), 0xFFFFFFFFL);
            // Watch from now, or from an earlier --covered-until to learn what changed after it.
            long from =
                    coveredUntil == null ? now : SourceVersion.of(coveredUntil.getEpochSecond(), 0);
            long startAt = SourceVersion.compare(from, now) < 0 ? from : now;
            try (SourceWatch watch = new SourceWatch(db, mapping, startAt, coveredUpTo).start()) {
                // (a) the source point to certify
                long covered =
                        coveredUntil == null
                                ? awaitQuiet(
                                        watch,
                                        client,
                                        quietFor,
                                        target.database,
                                        deadline,
                                        progress)
                                : awaitCovered(
                                        client, coveredUntil, coveredUpTo, deadline, progress);
                long lastChange = watch.lastCoveredChange();
                progress.message(
                        "cutover: source point covered "
                                + describe(covered)
                                + "; last change seen "
                                + (lastChange == 0 ? "none" : describe(lastChange)));

                // (b) drain
                boolean drained =
                        drain(
                                mysql,
                                mapping,
                                lastChange,
                                settle,
                                deadline,
                                progress,
                                coveredUntil == null);
                // (c) the reverse direction's start point, read before the sweep: every change
                // before it is certified below, every change after it is the reverse job's.
                List<String> reverseWhy = new ArrayList<>();
                BinlogPosition reverseStart = reverseStartPoint(mysql, reverseWhy);
                // (d) final full sweep
                long sweepStart = System.currentTimeMillis();
                VerifyReport sweep = finalSweep(target, db, mysql, watch, coveredUntil, progress);
                long sweepMs = System.currentTimeMillis() - sweepStart;
                TargetLedger.Entries open = TargetLedger.openMismatches(mysql, mapping);
                TargetLedger.Entries dead = TargetLedger.deadLetters(mysql, mapping);
                long hwm = TargetLedger.highWaterMark(mysql, mapping);

                // (e) verdict and certificate
                List<String> reasons =
                        reasons(sweep, open, dead, drained, lastChange, hwm, coveredUntil, watch);
                String verdict = reasons.isEmpty() ? "CONSISTENT" : "INCONSISTENT";
                if (reverseStart != null && !reasons.isEmpty()) {
                    reverseStart = null;
                    reverseWhy.add(
                            "not recorded: the certificate is not CONSISTENT; the way back starts"
                                    + " from a certified point only (run cutover again)");
                }
                String reverseNote =
                        reverseStart != null
                                ? "Stop the migration job now (its exactly-once XA transactions"
                                        + " after this point stop the binlog reader), then start"
                                        + " the way back: bin/dbtransfer reverse"
                                        + " --from-certificate "
                                        + certificate
                                : String.join("; ", reverseWhy);
                String json =
                        certificate(
                                verdict,
                                reasons,
                                coveredUntil == null
                                        ? "quiet-for " + quietFor.toMillis() / 1000.0 + " s"
                                        : "covered-until " + coveredUntil,
                                target.database,
                                Redact.uri(target.mysqlUrl),
                                direction(target),
                                reverseJson(reverseStart),
                                reverseNote,
                                covered,
                                lastChange,
                                watch.changes(),
                                hwm,
                                drained,
                                sweep,
                                sweepMs,
                                open,
                                dead,
                                allowDeadLetters,
                                System.currentTimeMillis() - started);
                String text =
                        afterFirstLine(
                                summary(verdict, reasons, covered, hwm, sweep, open, dead),
                                "  reverse starts at     "
                                        + (reverseStart == null
                                                ? "not recorded: " + reverseNote
                                                : reverseStart.text()
                                                        + (reverseStart.gtidSet() == null
                                                                ? ""
                                                                : " (GTID set "
                                                                        + reverseStart.gtidSet()
                                                                        + ")")));
                writeCertificate(json, text);
                progress.clear();
                out.print(text);
                out.println("certificate: " + certificate.toAbsolutePath());
                return reasons.isEmpty() ? 0 : 1;
            }
        }
    }

    /**
     * {@code cutover --to mongodb}, the way back: inserts a marker into MySQL, waits until the
     * reverse job has recorded it in MongoDB (everything MySQL committed before it is in MongoDB),
     * then runs the same independent sweep and writes a certificate in the same format with the
     * direction {@code mysql-to-mongodb} (its source is MySQL, its target MongoDB).
     */
    private int toMongo() throws Exception {
        CheckTarget target = CheckTarget.resolve(job, "cutover --to mongodb", err);
        Mapping mapping = target.mapping;
        if (TargetType.fromJdbcUrl(target.mysqlUrl) == TargetType.POSTGRESQL) {
            throw new ConfigException(
                    "--to mongodb: the target "
                            + Redact.uri(target.mysqlUrl)
                            + " is PostgreSQL; the way back reads MySQL's binary log (issue #17"
                            + " covers MySQL/MariaDB → MongoDB), a PostgreSQL target has none."
                            + " Use a MySQL or MariaDB target for a migration that must be able to"
                            + " go back.");
        }
        ConsoleProgress progress = ConsoleProgress.forStderr(err);
        long started = System.currentTimeMillis();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (MongoClient client = MongoConnections.open(target.mongoUri, target.mongoPassword, 10);
                Connection mysql =
                        MySqlConnections.open(
                                target.mysqlUrl, target.mysqlUser, target.mysqlPassword)) {
            requireTables(mysql, mapping, target.mysqlUrl);
            MongoDatabase db = client.getDatabase(target.database);
            // (a) drain: a marker committed after the application's last write; the reverse job
            // records it only after every change before it is in MongoDB.
            long marker = ReverseMarkers.insert(mysql);
            progress.message(
                    "cutover --to mongodb: marker "
                            + marker
                            + " inserted into MySQL's "
                            + ReverseMarkers.TABLE
                            + "; waiting until the reverse job has written everything before it"
                            + " to MongoDB");
            OptionalLong seen = ReverseMarkers.lastSeen(db);
            while (seen.isEmpty() || seen.getAsLong() < marker) {
                if (System.nanoTime() > deadline) {
                    throw new ConfigException(
                            "--timeout "
                                    + DurationConverter.format(timeout)
                                    + " passed before the reverse job recorded marker "
                                    + marker
                                    + " in MongoDB ("
                                    + target.database
                                    + "."
                                    + ReverseMarkers.COLLECTION
                                    + " holds "
                                    + (seen.isEmpty() ? "no marker" : "marker " + seen.getAsLong())
                                    + "): the reverse stream is not drained, so MongoDB cannot be"
                                    + " certified. Is bin/dbtransfer reverse running (from the"
                                    + " cutover certificate's point) against "
                                    + Redact.uri(target.mysqlUrl)
                                    + " and MongoDB database '"
                                    + target.database
                                    + "'? Start it, or raise --timeout.");
                }
                progress.update(
                        "cutover --to mongodb: waiting for marker "
                                + marker
                                + " (MongoDB has "
                                + (seen.isEmpty() ? "none" : seen.getAsLong())
                                + ")");
                Thread.sleep(250);
                seen = ReverseMarkers.lastSeen(db);
            }
            progress.message("cutover --to mongodb: the reverse stream reached marker " + marker);
            // (b) the same final sweep, read the other way round
            long sweepStart = System.currentTimeMillis();
            ChunkedVerifier verifier =
                    new ChunkedVerifier(
                            new DocumentNormalizer(mapping, target.policy),
                            chunk,
                            recheckDelay.toMillis(),
                            m -> progress.message("cutover --to mongodb: " + m));
            VerifyReport sweep = mirrored(verifier.verify(db, mysql));
            long sweepMs = System.currentTimeMillis() - sweepStart;
            TargetLedger.Entries none = new TargetLedger.Entries();
            List<String> reasons = new ArrayList<>();
            if (sweep.missing + sweep.extra + sweep.different > 0) {
                reasons.add(
                        "the sweep found "
                                + sweep.missing
                                + " row(s) missing in MongoDB, "
                                + sweep.extra
                                + " extra document(s) in MongoDB and "
                                + sweep.different
                                + " different document(s)");
            }
            if (!allowDeadLetters && sweep.deadLettered > 0) {
                reasons.add(
                        sweep.deadLettered
                                + " MongoDB document(s) the mapping cannot hold (they never"
                                + " reached MySQL; --allow-dead-letters accepts them)");
            }
            long reverseDead =
                    db.getCollection(io.dbtransfer.reverse.DocumentRefresh.DEAD_LETTER_COLLECTION)
                            .countDocuments();
            if (!allowDeadLetters && reverseDead > 0) {
                reasons.add(
                        reverseDead
                                + " dead letter(s) of the reverse job in MongoDB's "
                                + io.dbtransfer.reverse.DocumentRefresh.DEAD_LETTER_COLLECTION
                                + ": MySQL rows that could not become a document"
                                + " (--allow-dead-letters accepts them)");
            }
            if (sweep.inFlux > 0) {
                reasons.add(
                        sweep.inFlux
                                + " document(s) changed while the sweep ran: MySQL was not quiet;"
                                + " stop the application's writes to MySQL and run cutover --to"
                                + " mongodb again");
            }
            String verdict = reasons.isEmpty() ? "CONSISTENT" : "INCONSISTENT";
            String json =
                    certificate(
                            verdict,
                            reasons,
                            "marker " + marker,
                            target.database,
                            "mongodb database " + target.database,
                            "mysql-to-mongodb",
                            null,
                            "source: MySQL "
                                    + Redact.uri(target.mysqlUrl)
                                    + ", drained up to marker "
                                    + marker
                                    + " in "
                                    + ReverseMarkers.TABLE,
                            0,
                            0,
                            0,
                            0,
                            true,
                            sweep,
                            sweepMs,
                            none,
                            none,
                            allowDeadLetters,
                            System.currentTimeMillis() - started);
            String text =
                    afterFirstLine(
                            summary(verdict, reasons, 0, 0, sweep, none, none),
                            "  direction             way back, MySQL → MongoDB (drained up to"
                                    + " marker "
                                    + marker
                                    + ")");
            writeCertificate(json, text);
            progress.clear();
            out.print(text);
            out.println("certificate: " + certificate.toAbsolutePath());
            return reasons.isEmpty() ? 0 : 1;
        }
    }

    /**
     * The sweep's report seen from MySQL as the source: a MongoDB document without a row is extra
     * (in MongoDB), a row without a document missing; counts and digests change sides.
     */
    private static VerifyReport mirrored(VerifyReport r) {
        long m = r.missing;
        r.missing = r.extra;
        r.extra = m;
        long docs = r.sourceDocuments;
        r.sourceDocuments = r.targetRows;
        r.targetRows = docs;
        for (VerifyReport.TableStats t : r.tables.values()) {
            long tm = t.missing;
            t.missing = t.extra;
            t.extra = tm;
            long td = t.sourceDocuments;
            t.sourceDocuments = t.targetRows;
            t.targetRows = td;
            var digest = t.sourceDigest;
            t.sourceDigest = t.targetDigest;
            t.targetDigest = digest;
        }
        for (String[] x : r.mismatches) {
            x[2] = x[2].equals("missing") ? "extra" : x[2].equals("extra") ? "missing" : x[2];
        }
        return r;
    }

    /** The certificate's direction: from MongoDB to the SQL target. */
    private static String direction(CheckTarget target) {
        return TargetType.fromJdbcUrl(target.mysqlUrl) == TargetType.POSTGRESQL
                ? "mongodb-to-postgresql"
                : "mongodb-to-mysql";
    }

    /**
     * The binlog position the reverse job starts at, or {@code null} with the reason in {@code
     * why}: a PostgreSQL target has no way back, a MySQL without a ROW binlog cannot give one.
     */
    private static BinlogPosition reverseStartPoint(Connection mysql, List<String> why)
            throws SQLException {
        if (MySqlReadBack.dialectOf(mysql).type() == TargetType.POSTGRESQL) {
            why.add(
                    "PostgreSQL target: no way back (reverse replication reads MySQL's binary"
                            + " log; issue #17 covers MySQL/MariaDB → MongoDB)");
            return null;
        }
        BinlogPosition p = BinlogCheck.startPoint(mysql, why);
        if (p == null) {
            why.add(0, "not recorded, the certificate still holds (no way back from this point)");
        }
        return p;
    }

    private static JsonOut reverseJson(BinlogPosition p) {
        return p == null
                ? null
                : new JsonOut()
                        .put("file", p.file())
                        .put("position", p.position())
                        .put("gtidSet", p.gtidSet());
    }

    /** Rejects options that contradict each other or are out of range. */
    private void checkOptions() {
        if (quietForOption != null && coveredUntilText != null) {
            throw new ConfigException(
                    "--quiet-for and --covered-until exclude each other: wait for a quiet source"
                            + " or certify up to a time, not both");
        }
        if (chunk < 1) {
            throw new ConfigException("--chunk-size must be at least 1, got " + chunk);
        }
        if (to != null && !to.toLowerCase(java.util.Locale.ROOT).matches("mongodb|mysql|sql")) {
            throw new ConfigException(
                    "--to must be mongodb (the way back, MySQL → MongoDB) or mysql (the default,"
                            + " MongoDB → the SQL target), got '"
                            + to
                            + "'");
        }
        if (to != null
                && to.equalsIgnoreCase("mongodb")
                && (quietForOption != null || coveredUntilText != null)) {
            throw new ConfigException(
                    "--to mongodb drains the reverse stream with a marker and takes neither"
                            + " --quiet-for nor --covered-until: stop the application's writes to"
                            + " MySQL, then run it");
        }
    }

    /**
     * Waits until the source has had no change for {@code quietFor}; returns the source point it
     * covers (the cluster time then).
     */
    private long awaitQuiet(
            SourceWatch watch,
            MongoClient client,
            Duration quietFor,
            String database,
            long deadline,
            ConsoleProgress progress)
            throws Exception {
        progress.message(
                "cutover: waiting until the source has had no change for "
                        + quietFor.toMillis() / 1000.0
                        + " s");
        while (watch.quietMillis() < quietFor.toMillis()) {
            if (System.nanoTime() > deadline) {
                throw new ConfigException(
                        "--timeout "
                                + DurationConverter.format(timeout)
                                + " passed before the source database '"
                                + database
                                + "' was quiet for --quiet-for "
                                + quietFor.toMillis() / 1000.0
                                + " s ("
                                + watch.changes()
                                + " changes seen, the last "
                                + watch.quietMillis()
                                + " ms ago). Stop the writers, or certify up to a"
                                + " time with --covered-until, or raise --timeout.");
            }
            progress.update(
                    "cutover: "
                            + watch.changes()
                            + " source changes seen, quiet for "
                            + watch.quietMillis() / 1000
                            + " s");
            Thread.sleep(100);
        }
        return SourceProbe.operationTime(client);
    }

    /**
     * Waits until the source's cluster time passes {@code coveredUntil} and the change stream had
     * time to deliver the changes up to it; returns the covered point {@code coveredUpTo}.
     */
    private long awaitCovered(
            MongoClient client,
            Instant coveredUntil,
            long coveredUpTo,
            long deadline,
            ConsoleProgress progress)
            throws Exception {
        progress.message("cutover: waiting until the source's cluster time passes " + coveredUntil);
        while (SourceVersion.compare(SourceProbe.operationTime(client), coveredUpTo) <= 0) {
            if (System.nanoTime() > deadline) {
                throw new ConfigException(
                        "--timeout passed before the source's cluster time reached"
                                + " --covered-until "
                                + coveredUntil
                                + " (source now at "
                                + time(SourceProbe.operationTime(client))
                                + "). Raise --timeout or choose an earlier time.");
            }
            progress.update(
                    "cutover: source at "
                            + time(SourceProbe.operationTime(client))
                            + ", waiting for "
                            + coveredUntil);
            Thread.sleep(200);
        }
        // Let the change stream deliver the changes up to the covered point.
        Thread.sleep(Math.max(1000, settle.toMillis()));
        return coveredUpTo;
    }

    /**
     * The independent chunked verify of every collection; with {@code coveredUntil}, documents
     * changed after it are told apart (and too many of them is an error).
     */
    private VerifyReport finalSweep(
            CheckTarget target,
            MongoDatabase db,
            Connection mysql,
            SourceWatch watch,
            Instant coveredUntil,
            ConsoleProgress progress)
            throws Exception {
        progress.message("cutover: final sweep of " + target.mapping.byCollection().keySet());
        ChunkedVerifier verifier =
                new ChunkedVerifier(
                        new DocumentNormalizer(target.mapping, target.policy),
                        chunk,
                        recheckDelay.toMillis(),
                        m -> progress.message("cutover: " + m));
        if (coveredUntil != null) {
            verifier.changedLater(watch::changedLater);
        }
        VerifyReport sweep = verifier.verify(db, mysql);
        if (watch.laterKeysOverflowed()) {
            throw new ConfigException(
                    "More than "
                            + SourceWatch.MAX_LATER_KEYS
                            + " documents changed after --covered-until "
                            + coveredUntil
                            + " while the sweep ran; cannot tell them from real"
                            + " mismatches. Run cutover with --quiet-for after the"
                            + " writers stopped.");
        }
        return sweep;
    }

    /** Why the target is not certified consistent; empty: it is. */
    private List<String> reasons(
            VerifyReport sweep,
            TargetLedger.Entries open,
            TargetLedger.Entries dead,
            boolean drained,
            long lastChange,
            long hwm,
            Instant coveredUntil,
            SourceWatch watch) {
        List<String> reasons = new ArrayList<>();
        if (sweep.missing + sweep.extra + sweep.different > 0) {
            reasons.add(
                    "the sweep found "
                            + sweep.missing
                            + " missing, "
                            + sweep.extra
                            + " extra and "
                            + sweep.different
                            + " different document(s)");
        }
        if (open.total() > 0) {
            reasons.add(open.total() + " open reconciliation mismatch(es) in _dbtransfer_mismatch");
        }
        if (!allowDeadLetters && dead.total() + sweep.deadLettered > 0) {
            reasons.add(
                    dead.total()
                            + " dead letter(s) in _dbtransfer_dlq and "
                            + sweep.deadLettered
                            + " source document(s) the mapping cannot hold: data not"
                            + " moved as it is in the source (--allow-dead-letters"
                            + " accepts them)");
        }
        if (!drained) {
            reasons.add(
                    "The target did not reach the last source change "
                            + describe(lastChange)
                            + " within --timeout (high-water mark "
                            + describe(hwm)
                            + ")");
        }
        long unexplained = unexplainedInFlux(sweep, coveredUntil, watch);
        if (unexplained > 0) {
            reasons.add(
                    unexplained
                            + " document(s) changed while the sweep ran"
                            + (coveredUntil == null
                                    ? ": the source was not quiet; run cutover again"
                                            + " after the writers stopped"
                                    : " without a source change after the covered" + " point"));
        }
        return reasons;
    }

    /**
     * Documents that changed while the sweep ran with no source change to explain it: all of them
     * for a quiet source; with {@code coveredUntil}, those not changed after the covered point.
     */
    private static long unexplainedInFlux(
            VerifyReport sweep, Instant coveredUntil, SourceWatch watch) {
        if (coveredUntil == null) {
            return sweep.inFlux;
        }
        long unexplained = 0;
        for (String[] k : sweep.inFluxKeys) {
            if (!watch.changedLater(k[0], k[1])) {
                unexplained++;
            }
        }
        if (sweep.inFlux > sweep.inFluxKeys.size()) {
            unexplained += sweep.inFlux - sweep.inFluxKeys.size();
        }
        return unexplained;
    }

    /** {@code text} with {@code line} inserted after its first line. */
    private static String afterFirstLine(String text, String line) {
        int nl = text.indexOf('\n') + 1;
        return text.substring(0, nl) + line + "\n" + text.substring(nl);
    }

    /** Writes the JSON certificate and its readable summary ({@code .txt}) beside it. */
    private void writeCertificate(String json, String text) throws Exception {
        if (certificate.toAbsolutePath().getParent() != null) {
            Files.createDirectories(certificate.toAbsolutePath().getParent());
        }
        Files.writeString(certificate, json);
        Path textFile =
                certificate.resolveSibling(
                        certificate.getFileName().toString().replaceFirst("\\.json$", "") + ".txt");
        Files.writeString(textFile, text);
    }

    /** Waits until the target holds the last change seen and, with a quiet source, stops moving. */
    private static boolean drain(
            Connection mysql,
            Mapping mapping,
            long lastChange,
            Duration settle,
            long deadline,
            ConsoleProgress progress,
            boolean expectStill)
            throws SQLException, InterruptedException {
        String product = MySqlReadBack.dialectOf(mysql).productName();
        progress.message(
                "cutover: draining (waiting for " + product + " to apply the last change)");
        while (true) {
            long hwm = TargetLedger.highWaterMark(mysql, mapping);
            if (lastChange == 0 || SourceVersion.compare(hwm, lastChange) >= 0) {
                break;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            progress.update(
                    "cutover: "
                            + product
                            + " at "
                            + describe(hwm)
                            + ", waiting for "
                            + describe(lastChange));
            Thread.sleep(250);
        }
        if (!expectStill) {
            Thread.sleep(settle.toMillis());
            return true;
        }
        long[] before = {
            TargetLedger.highWaterMark(mysql, mapping), TargetLedger.rowCount(mysql, mapping)
        };
        while (true) {
            Thread.sleep(settle.toMillis());
            long[] after = {
                TargetLedger.highWaterMark(mysql, mapping), TargetLedger.rowCount(mysql, mapping)
            };
            if (before[0] == after[0] && before[1] == after[1]) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            progress.message(
                    "cutover: "
                            + product
                            + " still moving ("
                            + after[1]
                            + " rows, high-water mark "
                            + describe(after[0])
                            + "); waiting "
                            + settle.toMillis()
                            + " ms more");
            before = after;
        }
    }

    private static void requireTables(Connection mysql, Mapping mapping, String url)
            throws SQLException {
        TargetDialect dialect = MySqlReadBack.dialectOf(mysql);
        List<String> missing = new ArrayList<>();
        for (TableSpec parent : mapping.tables()) {
            List<TableSpec> all = new ArrayList<>();
            all.add(parent);
            all.addAll(TableSpec.descendants(parent));
            for (TableSpec t : all) {
                if (!dialect.tableExists(mysql, t.name)) {
                    missing.add(t.name);
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigException(
                    "mysql.url: the mapped table(s) "
                            + missing
                            + " do not exist at "
                            + Redact.uri(url)
                            + ". Point mysql.url at the database the job writes to, and use the"
                            + " job's mapping (leave out --config to use the recorded one).");
        }
    }

    private static Instant instant(String v) {
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(v).toInstant();
            } catch (DateTimeParseException e2) {
                throw new ConfigException(
                        "--covered-until needs an ISO-8601 time such as 2026-11-25T17:00:00Z,"
                                + " got '"
                                + v
                                + "'");
            }
        }
    }

    private static String time(long version) {
        return Instant.ofEpochSecond(SourceVersion.seconds(version)).toString();
    }

    private static String describe(long version) {
        return SourceVersion.format(version) + " (" + time(version) + ")";
    }

    private static JsonOut point(long version) {
        if (version == 0) {
            return null;
        }
        return new JsonOut()
                .put("version", SourceVersion.toUnsignedString(version))
                .put("clusterTime", SourceVersion.format(version))
                .put("time", time(version));
    }

    private static String certificate(
            String verdict,
            List<String> reasons,
            String mode,
            String database,
            String target,
            String direction,
            JsonOut reverseStartsAt,
            String reverseNote,
            long covered,
            long lastChange,
            long changesWatched,
            long hwm,
            boolean drained,
            VerifyReport sweep,
            long sweepMs,
            TargetLedger.Entries open,
            TargetLedger.Entries dead,
            boolean allowDeadLetters,
            long durationMs) {
        List<Object> tables = new ArrayList<>();
        for (VerifyReport.TableStats t : sweep.tables.values()) {
            tables.add(
                    new JsonOut()
                            .put("collection", t.collection)
                            .put("table", t.table)
                            .put("sourceDocuments", t.sourceDocuments)
                            .put("targetRows", t.targetRows)
                            .put("childRows", t.childRows)
                            .put("sourceDigest", t.sourceDigest.toHex())
                            .put("targetDigest", t.targetDigest.toHex())
                            .put("digestsEqual", t.sourceDigest.equals(t.targetDigest))
                            .put("missing", t.missing)
                            .put("extra", t.extra)
                            .put("different", t.different)
                            .put("inFlux", t.inFlux)
                            .put("openMismatches", open.counts.getOrDefault(t.collection, 0L))
                            .put("deadLetters", dead.counts.getOrDefault(t.collection, 0L))
                            .put("skippedDocuments", t.deadLettered));
        }
        List<Object> mismatches = new ArrayList<>();
        for (String[] m : sweep.mismatches) {
            mismatches.add(
                    new JsonOut().put("collection", m[0]).put("key", m[1]).put("kind", m[2]));
        }
        List<Object> inFlux = new ArrayList<>();
        for (String[] k : sweep.inFluxKeys) {
            inFlux.add(new JsonOut().put("collection", k[0]).put("key", k[1]));
        }
        return new JsonOut()
                .put("verdict", verdict)
                .put("reasons", new ArrayList<Object>(reasons))
                .put("generatedAt", Instant.now().toString())
                .put("mode", mode)
                .put("sourceDatabase", database)
                .put("target", target)
                .put("direction", direction)
                .put("reverseStartsAt", reverseStartsAt)
                .put("reverseStartsAtNote", reverseNote)
                .put("sourcePointCovered", point(covered))
                .put("lastSourceChangeSeen", point(lastChange))
                .put("sourceChangesWatched", changesWatched)
                .put("targetHighWaterMark", point(hwm))
                .put("drained", drained)
                .put(
                        "totals",
                        new JsonOut()
                                .put("sourceDocuments", sweep.sourceDocuments)
                                .put("targetRows", sweep.targetRows)
                                .put("missing", sweep.missing)
                                .put("extra", sweep.extra)
                                .put("different", sweep.different)
                                .put("inFlux", sweep.inFlux)
                                .put("openMismatches", open.total())
                                .put("deadLetters", dead.total())
                                .put("skippedDocuments", sweep.deadLettered)
                                .put("deadLettersAllowed", allowDeadLetters))
                .put("tables", tables)
                .put("mismatches", mismatches)
                .put("openMismatches", entries(open))
                .put("deadLetters", entries(dead))
                .put("inFluxKeys", inFlux)
                .put(
                        "sweep",
                        new JsonOut()
                                .put("chunks", sweep.chunks)
                                .put("differingChunks", sweep.differingChunks)
                                .put("durationMs", sweepMs))
                .put("durationMs", durationMs)
                .render();
    }

    private static List<Object> entries(TargetLedger.Entries e) {
        List<Object> out = new ArrayList<>();
        for (TargetLedger.Entry x : e.listed) {
            out.add(
                    new JsonOut()
                            .put("collection", x.collection)
                            .put("key", x.key)
                            .put("detail", x.detail));
        }
        return out;
    }

    private static String summary(
            String verdict,
            List<String> reasons,
            long covered,
            long hwm,
            VerifyReport sweep,
            TargetLedger.Entries open,
            TargetLedger.Entries dead) {
        StringBuilder sb = new StringBuilder();
        sb.append("DBtransfer cutover certificate: ").append(verdict).append('\n');
        sb.append("  generated at          ").append(Instant.now()).append('\n');
        if (covered != 0) {
            sb.append("  source point covered  ").append(describe(covered)).append('\n');
            sb.append("  target high-water mark ").append(describe(hwm)).append('\n');
        }
        sb.append(
                String.format(
                        "  %-24s %10s %10s %9s %-32s %-32s %5s %5s %5s %5s %5s%n",
                        "collection → table",
                        "documents",
                        "rows",
                        "child",
                        "source digest",
                        "target digest",
                        "miss",
                        "extra",
                        "diff",
                        "open",
                        "dlq"));
        for (VerifyReport.TableStats t : sweep.tables.values()) {
            sb.append(
                    String.format(
                            "  %-24s %10d %10d %9d %-32s %-32s %5d %5d %5d %5d %5d%n",
                            t.collection + " → " + t.table,
                            t.sourceDocuments,
                            t.targetRows,
                            t.childRows,
                            t.sourceDigest.toHex(),
                            t.targetDigest.toHex(),
                            t.missing,
                            t.extra,
                            t.different,
                            open.counts.getOrDefault(t.collection, 0L),
                            dead.counts.getOrDefault(t.collection, 0L)));
        }
        for (String[] m : sweep.mismatches) {
            sb.append("  ").append(m[2]).append(": ").append(m[0]).append(' ').append(m[1]);
            sb.append('\n');
        }
        for (TargetLedger.Entry e : open.listed) {
            sb.append("  open mismatch: ").append(e.collection).append(' ').append(e.key);
            sb.append(" (").append(e.detail).append(")\n");
        }
        for (TargetLedger.Entry e : dead.listed) {
            sb.append("  dead letter: ").append(e.collection).append(' ').append(e.key);
            sb.append(" (").append(e.detail).append(")\n");
        }
        for (String r : reasons) {
            sb.append("  NOT CONSISTENT: ").append(r).append('\n');
        }
        return sb.toString();
    }
}
