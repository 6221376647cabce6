package io.dbtransfer.cli;

import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.source.SourceProbe;
import io.dbtransfer.verify.ChunkedVerifier;
import io.dbtransfer.verify.VerifyReport;

import com.mongodb.client.MongoClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bin/dbtransfer verify}: compares MongoDB and the target (MySQL or PostgreSQL) through the
 * job's mapping, independent of the job; prints progress on stderr, a summary on stdout, writes a
 * JSON report. Exit 0 consistent, 1 inconsistent, 2 error.
 */
@Command(
        name = "verify",
        description = {
            "Compare MongoDB and the target (MySQL/MariaDB or PostgreSQL, by the --mysql-url"
                    + " scheme) through the job's mapping, independent of the job.",
            "Without --config the mapping the job recorded in the target is used (and its"
                    + " collections and database unless given); a --config whose mapping differs"
                    + " from the recorded one is refused."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:CONSISTENT",
            "1:INCONSISTENT (missing, extra or different rows; see the report)",
            "2:bad input or an error, e.g. no recorded mapping or a differing --config"
        })
public final class VerifyCommand implements Callable<Integer> {

    @Mixin JobArgs job = new JobArgs();

    @Option(
            names = "--report",
            paramLabel = "PATH",
            description = "JSON report (default: ${DEFAULT-VALUE}, in the current directory).")
    Path report = Path.of("dbtransfer-verify-report.json");

    @Option(
            names = "--chunk-size",
            paramLabel = "N",
            description = "Documents per compared chunk (default: ${DEFAULT-VALUE}).")
    int chunk = 1000;

    @Option(
            names = "--recheck-delay",
            paramLabel = "DURATION",
            description =
                    "Wait before re-reading a differing document, to tell changes in flight"
                            + " from real differences (default: 2s).")
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

    VerifyCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** A verify with these arguments (as on the command line after {@code verify}). */
    public VerifyCommand(String[] args, PrintStream out, PrintStream err) {
        this(out, err);
        Main.parse(this, args);
    }

    /** Runs the comparison; returns the exit code. */
    @Override
    public Integer call() throws Exception {
        return run();
    }

    /** Runs the comparison; returns the exit code. */
    public int run() throws Exception {
        if (chunk < 1) {
            throw new ConfigException("--chunk-size must be at least 1, got " + chunk);
        }
        CheckTarget target = CheckTarget.resolve(job, "verify", err);
        DocumentNormalizer normalizer = new DocumentNormalizer(target.mapping, target.policy);
        VerifyReport result;
        // Reachable, authenticated, collections present: a clear error naming the setting.
        SourceProbe.check(
                target.mongoUri,
                target.mongoPassword,
                target.database,
                new ArrayList<>(target.mapping.byCollection().keySet()));
        try (MongoClient client = MongoConnections.open(target.mongoUri, target.mongoPassword, 10);
                Connection conn =
                        MySqlConnections.open(
                                target.mysqlUrl, target.mysqlUser, target.mysqlPassword)) {
            result =
                    new ChunkedVerifier(
                                    normalizer,
                                    chunk,
                                    recheckDelay.toMillis(),
                                    m -> err.println("verify: " + m))
                            .dialect(TargetDialect.forUrl(target.mysqlUrl))
                            .verify(client.getDatabase(target.database), conn);
        }
        List<Object> inFlux = new ArrayList<>();
        for (String[] k : result.inFluxKeys) {
            inFlux.add(new JsonOut().put("collection", k[0]).put("key", k[1]));
        }
        List<Object> tables = new ArrayList<>();
        for (VerifyReport.TableStats t : result.tables.values()) {
            tables.add(
                    new JsonOut()
                            .put("collection", t.collection)
                            .put("table", t.table)
                            .put("sourceDocuments", t.sourceDocuments)
                            .put("targetRows", t.targetRows)
                            .put("childRows", t.childRows)
                            .put("sourceDigest", t.sourceDigest.toHex())
                            .put("targetDigest", t.targetDigest.toHex())
                            .put("missing", t.missing)
                            .put("extra", t.extra)
                            .put("different", t.different)
                            .put("inFlux", t.inFlux));
        }
        List<Object> listed = new ArrayList<>();
        for (String[] m : result.mismatches) {
            listed.add(new JsonOut().put("collection", m[0]).put("key", m[1]).put("kind", m[2]));
        }
        String json =
                new JsonOut()
                        .put("verdict", result.verdict())
                        .put("sourceDocuments", result.sourceDocuments)
                        .put("targetRows", result.targetRows)
                        .put("missing", result.missing)
                        .put("extra", result.extra)
                        .put("different", result.different)
                        .put("inFlux", result.inFlux)
                        .put("deadLettered", result.deadLettered)
                        .put("chunks", result.chunks)
                        .put("differingChunks", result.differingChunks)
                        .put("mismatches", listed)
                        .put("inFluxKeys", inFlux)
                        .put("tables", tables)
                        .render();
        if (report.toAbsolutePath().getParent() != null) {
            Files.createDirectories(report.toAbsolutePath().getParent());
        }
        Files.writeString(report, json);
        out.println("verify: " + result);
        out.println("report: " + report.toAbsolutePath());
        return result.verdict().equals("CONSISTENT") ? 0 : 1;
    }
}
