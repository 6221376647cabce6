package io.dbtransfer.cli;

import io.dbtransfer.config.ConfigException;
import io.dbtransfer.workload.ReviewTsvLoader;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code bin/dbtransfer load-reviews --tsv FILE[.gz] --mongo-uri URI [...]}: loads an Amazon
 * reviews TSV into MongoDB (see {@link ReviewTsvLoader}); exit 0 if every line loaded, 1 if any
 * line was rejected, 2 for bad options.
 */
final class LoadReviewsCommand {

    /** At most this many rejected lines are printed; all of them are in the rejects file. */
    static final int MAX_REJECTS_SHOWN = 50;

    private final CliArgs args;
    private final PrintStream out;
    private final PrintStream err;

    LoadReviewsCommand(CliArgs args, PrintStream out, PrintStream err) {
        this.args = args;
        this.out = out;
        this.err = err;
        args.requireKnown(
                Set.of(
                        "tsv",
                        "mongo-uri",
                        "database",
                        "collection",
                        "hold-back",
                        "hold-back-file",
                        "rejects",
                        "batch"));
    }

    int run() throws Exception {
        Path tsv = Path.of(args.require("tsv"));
        if (!Files.isRegularFile(tsv)) {
            throw new ConfigException("--tsv: file " + tsv + " does not exist");
        }
        String uri = args.require("mongo-uri");
        String database = args.get("database", "reviews");
        String collection = args.get("collection", "reviews");
        int holdBack = basisPoints(args.get("hold-back", "0%"));
        Path holdBackFile =
                args.has("hold-back-file") ? Path.of(args.require("hold-back-file")) : null;
        if (holdBackFile != null && holdBack == 0) {
            throw new ConfigException(
                    "--hold-back-file needs --hold-back P% (the share of rows to hold back)");
        }
        if (holdBack > 0 && holdBackFile == null) {
            holdBackFile = Path.of(tsv + ".held-back.jsonl");
        }
        Path rejects = Path.of(args.get("rejects", tsv + ".rejects.tsv"));
        int batch = (int) args.getLong("batch", 1000, 1, 100_000);

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
        try (MongoClient client = MongoClients.create(uri)) {
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
