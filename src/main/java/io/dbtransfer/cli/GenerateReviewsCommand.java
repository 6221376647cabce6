package io.dbtransfer.cli;

import io.dbtransfer.workload.ReviewTsvGenerator;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code bin/dbtransfer generate-reviews --rows N [--seed S] --out FILE.tsv[.gz]}: writes a
 * deterministic Amazon-reviews-shaped TSV (see {@link ReviewTsvGenerator}).
 */
final class GenerateReviewsCommand {

    private final CliArgs args;
    private final PrintStream out;
    private final PrintStream err;

    GenerateReviewsCommand(CliArgs args, PrintStream out, PrintStream err) {
        this.args = args;
        this.out = out;
        this.err = err;
        args.requireKnown(Set.of("rows", "seed", "out"));
    }

    int run() throws Exception {
        args.require("rows");
        long rows = args.getLong("rows", 0, 0, 2_000_000_000L);
        long seed = args.getLong("seed", 1, Long.MIN_VALUE, Long.MAX_VALUE);
        Path file = Path.of(args.require("out"));
        long started = System.currentTimeMillis();
        ConsoleProgress progress = ConsoleProgress.forStderr(err);
        ReviewTsvGenerator.writeTsv(
                file,
                rows,
                seed,
                (done, total) ->
                        progress.update(
                                String.format(
                                        "generating: %,d of %,d rows (%d%%)",
                                        done, total, total == 0 ? 100 : done * 100 / total)));
        progress.clear();
        long millis = System.currentTimeMillis() - started;
        out.printf(
                "Wrote %,d reviews (seed %d) to %s: %s in %.1f s%n",
                rows, seed, file, Sizes.bytes(Files.size(file)), millis / 1000.0);
        return 0;
    }
}
