package io.dbtransfer.cli;

import io.dbtransfer.model.ConfigException;
import io.dbtransfer.workload.ReviewTsvGenerator;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code bin/dbtransfer generate-reviews --rows N [--seed S] --out FILE.tsv[.gz]}: writes a
 * deterministic Amazon-reviews-shaped TSV (see {@link ReviewTsvGenerator}).
 */
@Command(
        name = "generate-reviews",
        description = "Write a deterministic Amazon-reviews-shaped TSV (.gz compresses).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:file written", "2:bad input or an error"})
final class GenerateReviewsCommand implements Callable<Integer> {

    @Option(names = "--rows", required = true, paramLabel = "N", description = "Rows to write.")
    long rows;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "FILE.tsv[.gz]",
            description = "The file to write.")
    Path file;

    @Option(
            names = "--seed",
            paramLabel = "S",
            description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    private final PrintStream out;
    private final PrintStream err;

    GenerateReviewsCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        return run();
    }

    int run() throws Exception {
        if (rows < 0 || rows > 2_000_000_000L) {
            throw new ConfigException("--rows must be between 0 and 2000000000, got " + rows);
        }
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
