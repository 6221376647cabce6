package io.dbtransfer.cli;

import io.dbtransfer.MongoToMySqlJob;
import io.dbtransfer.config.ConfigException;
import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.pipeline.MySqlConnections;
import io.dbtransfer.source.SourceProbe;
import io.dbtransfer.verify.ChunkedVerifier;
import io.dbtransfer.verify.VerifyReport;

import com.mongodb.client.MongoClient;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bin/dbtransfer verify}: compares MongoDB and MySQL through the mapping, independent of the
 * job; prints progress on stderr, a summary on stdout, writes a JSON report. Exit 0 consistent, 1
 * inconsistent, 2 error.
 */
public final class VerifyCommand {

    private final String[] args;
    private final PrintStream out;
    private final PrintStream err;

    public VerifyCommand(String[] args, PrintStream out, PrintStream err) {
        this.args = args;
        this.out = out;
        this.err = err;
    }

    /** Runs the comparison; returns the exit code. */
    public int run() throws Exception {
        List<String> jobArgs = new ArrayList<>();
        Path report = Path.of("dbtransfer-verify-report.json");
        int chunk = 1000;
        long recheckMs = 2000;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new ConfigException("Option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--report":
                    report = Path.of(v);
                    break;
                case "--chunk-size":
                    chunk = number(a, v);
                    break;
                case "--recheck-delay-ms":
                    recheckMs = number(a, v);
                    break;
                default:
                    jobArgs.add(a);
                    jobArgs.add(v);
            }
        }
        JobConfig config = MongoToMySqlJob.parseArgs(jobArgs.toArray(new String[0]));
        DocumentNormalizer normalizer =
                new DocumentNormalizer(config.mapping(), config.mismatchPolicy());
        VerifyReport result;
        // Reachable, authenticated, collections present: a clear error naming the setting.
        SourceProbe.check(
                config.get(JobOptions.MONGO_URI),
                config.get(JobOptions.MONGO_DATABASE),
                new ArrayList<>(config.mapping().byCollection().keySet()));
        try (MongoClient client = SourceProbe.connect(config.get(JobOptions.MONGO_URI), 10);
                Connection conn =
                        MySqlConnections.open(
                                config.get(JobOptions.MYSQL_URL),
                                config.get(JobOptions.MYSQL_USERNAME),
                                config.mysqlPassword())) {
            result =
                    new ChunkedVerifier(
                                    normalizer, chunk, recheckMs, m -> err.println("verify: " + m))
                            .verify(
                                    client.getDatabase(config.get(JobOptions.MONGO_DATABASE)),
                                    conn);
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
        Files.writeString(report, json);
        out.println("verify: " + result);
        out.println("report: " + report.toAbsolutePath());
        return result.verdict().equals("CONSISTENT") ? 0 : 1;
    }

    private static int number(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new ConfigException(option + " needs a whole number, got '" + value + "'");
        }
    }
}
