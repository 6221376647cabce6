package io.dbtransfer.cli;

import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.workload.ReviewTsvLoader;

import com.mongodb.client.MongoClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code bin/dbtransfer load-reviews --tsv FILE[.gz] --mongo-uri URI [...]}: loads an Amazon
 * reviews TSV into MongoDB (see {@link ReviewTsvLoader}); exit 0 if every line loaded, 1 if any
 * line was rejected, 2 for bad options.
 */
@Command(
        name = "load-reviews",
        description = "Load an Amazon reviews TSV into MongoDB as nested documents.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every line loaded",
            "1:some line was rejected (all are listed with line and reason in --rejects)",
            "2:bad input or an error"
        })
final class LoadReviewsCommand implements Callable<Integer> {

    /** At most this many rejected lines are printed; all of them are in the rejects file. */
    static final int MAX_REJECTS_SHOWN = 50;

    @Option(names = "--tsv", required = true, paramLabel = "FILE[.gz]", description = "The TSV.")
    Path tsv;

    @Option(names = "--mongo-uri", required = true, paramLabel = "URI", description = "MongoDB.")
    String uri;

    @Option(
            names = "--database",
            paramLabel = "DB",
            description = "Database (default: ${DEFAULT-VALUE}).")
    String database = "reviews";

    @Option(
            names = "--collection",
            paramLabel = "C",
            description = "Collection (default: ${DEFAULT-VALUE}).")
    String collection = "reviews";

    @Option(
            names = "--hold-back",
            paramLabel = "P%",
            description = "Share of rows held back for live inserts (default: ${DEFAULT-VALUE}).")
    String holdBackText = "0%";

    @Option(
            names = "--hold-back-file",
            paramLabel = "FILE.jsonl",
            description = "Where held-back rows go (default: <tsv>.held-back.jsonl).")
    Path holdBackFileOption;

    @Option(
            names = "--rejects",
            paramLabel = "FILE.tsv",
            description = "Rejected lines with their reason (default: <tsv>.rejects.tsv).")
    Path rejectsOption;

    @Option(
            names = "--batch",
            paramLabel = "N",
            description = "Documents per insert (default: ${DEFAULT-VALUE}).")
    int batch = 1000;

    private final PrintStream out;
    private final PrintStream err;

    LoadReviewsCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        return run();
    }

    int run() throws Exception {
        if (!Files.isRegularFile(tsv)) {
            throw new ConfigException("--tsv: file " + tsv + " does not exist");
        }
        int holdBack = basisPoints(holdBackText);
        Path holdBackFile = holdBackFileOption;
        if (holdBackFile != null && holdBack == 0) {
            throw new ConfigException(
                    "--hold-back-file needs --hold-back P% (the share of rows to hold back)");
        }
        if (holdBack > 0 && holdBackFile == null) {
            holdBackFile = Path.of(tsv + ".held-back.jsonl");
        }
        Path rejects = rejectsOption != null ? rejectsOption : Path.of(tsv + ".rejects.tsv");
        if (batch < 1 || batch > 100_000) {
            throw new ConfigException("--batch must be between 1 and 100000, got " + batch);
        }

        ConsoleProgress progress = ConsoleProgress.forStderr(err);
        long[] shown = {0};
        ReviewTsvLoader loader =
                new ReviewTsvLoader(
                        new ReviewTsvLoader.Options(tsv, holdBack, holdBackFile, rejects, batch),
                        new ReviewTsvLoader.Listener() {
                            @Override
                            public void rejected(ReviewTsvLoader.RejectedLine r) {
                                if (shown[0]++ < MAX_REJECTS_SHOWN) {
                                    progress.message(
                                            "rejected line " + r.lineNumber() + ": " + r.reason());
                                } else if (shown[0] == MAX_REJECTS_SHOWN + 1) {
                                    progress.message(
                                            "(further rejected lines are only listed in "
                                                    + rejects
                                                    + ")");
                                }
                            }

                            @Override
                            public void progress(
                                    long lines,
                                    long inserted,
                                    long rejected,
                                    long fileBytes,
                                    long fileSize) {
                                progress.update(
                                        String.format(
                                                "loading: %,d lines, %,d inserted, %,d rejected,"
                                                        + " %d%% of %s",
                                                lines,
                                                inserted,
                                                rejected,
                                                fileSize == 0 ? 100 : fileBytes * 100 / fileSize,
                                                tsv.getFileName()));
                            }
                        });
        ReviewTsvLoader.Summary s;
        try (MongoClient client = MongoConnections.open(uri, 10)) {
            s = loader.load(client.getDatabase(database).getCollection(collection));
        } catch (ReviewTsvLoader.NotAReviewsFileException e) {
            throw new ConfigException("--tsv: " + e.getMessage() + "; nothing was loaded");
        }
        progress.clear();
        double seconds = Math.max(0.001, s.durationMillis() / 1000.0);
        out.printf("Loaded %s into %s.%s%n", tsv, database, collection);
        out.printf("  lines after the header  %,d%n", s.dataLines());
        out.printf("  inserted                %,d%n", s.inserted());
        out.printf(
                "  held back               %,d%s%n",
                s.heldBack(), holdBackFile == null ? "" : "  -> " + holdBackFile);
        out.printf(
                "  rejected                %,d%s%n",
                s.rejected(), s.rejected() == 0 ? "" : "  -> " + rejects);
        out.printf(
                "  took                    %.1f s (%,.0f lines/s)%n",
                seconds, s.dataLines() / seconds);
        return s.rejected() == 0 ? 0 : 1;
    }

    /** {@code 10%}, {@code 12.5%} or {@code 10} as basis points (hundredths of a percent). */
    static int basisPoints(String value) {
        String v = value.trim();
        if (v.endsWith("%")) {
            v = v.substring(0, v.length() - 1).trim();
        }
        try {
            BigDecimal percent = new BigDecimal(v);
            if (percent.signum() < 0 || percent.compareTo(BigDecimal.valueOf(100)) > 0) {
                throw new ConfigException(
                        "--hold-back must be between 0% and 100%, got '" + value + "'");
            }
            BigDecimal bp = percent.movePointRight(2);
            if (bp.stripTrailingZeros().scale() > 0) {
                throw new ConfigException(
                        "--hold-back takes at most two decimals, got '" + value + "'");
            }
            return bp.intValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigException(
                    "--hold-back needs a percentage such as 10%, got '" + value + "'");
        }
    }
}
