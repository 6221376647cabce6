package io.dbtransfer.cli;

import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.workload.ChangeLogWriter;
import io.dbtransfer.workload.ChangeMix;
import io.dbtransfer.workload.ExtendedJsonLines;
import io.dbtransfer.workload.LiveChangeSimulator;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import org.bson.Document;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bin/dbtransfer simulate --mongo-uri URI --rate R --duration D [...]}: writes live changes
 * to a review collection (see {@link LiveChangeSimulator}) and logs each one.
 */
@Command(
        name = "simulate",
        description = "Live inserts/updates/replaces/deletes on a review collection, logged.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the changes were written", "2:bad input or an error"})
final class SimulateCommand implements Callable<Integer> {

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
    String collectionName = "reviews";

    @Option(
            names = "--rate",
            required = true,
            paramLabel = "R",
            description = "Changes per second.")
    double rate;

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            description = "How long to write, e.g. 60s or 5m (or give --changes).")
    Duration duration;

    @Option(names = "--changes", paramLabel = "N", description = "Stop after N changes.")
    Long changesOption;

    @Option(
            names = "--mix",
            paramLabel = "MIX",
            description = "Share of each kind of change (default: ${DEFAULT-VALUE}).")
    String mixText = ChangeMix.DEFAULT.toString();

    @Option(
            names = "--hold-back-file",
            paramLabel = "FILE.jsonl",
            description = "Documents to insert (from load-reviews --hold-back).")
    Path holdBackFile;

    @Option(names = "--log", paramLabel = "FILE.jsonl", description = "Log every change here.")
    Path logFile;

    @Option(
            names = "--seed",
            paramLabel = "S",
            description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    private final PrintStream out;
    private final PrintStream err;

    SimulateCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        return run();
    }

    int run() throws Exception {
        ChangeMix mix;
        try {
            mix = ChangeMix.parse(mixText);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--mix: " + e.getMessage());
        }
        if (rate < 0.001) {
            throw new ConfigException("--rate must be at least 0.001, got " + rate);
        }
        if (duration != null && duration.isZero()) {
            throw new ConfigException("--duration must be at least 1ms");
        }
        if (changesOption != null && changesOption < 1) {
            throw new ConfigException("--changes must be at least 1, got " + changesOption);
        }
        long changes = changesOption == null ? Long.MAX_VALUE : changesOption;
        if (duration == null && changesOption == null) {
            throw new ConfigException(
                    "--duration is required (e.g. --duration 60s), or --changes N to stop after N"
                            + " changes");
        }
        Deque<Document> heldBack = new ArrayDeque<>();
        if (holdBackFile != null) {
            Path file = holdBackFile;
            try {
                heldBack.addAll(ExtendedJsonLines.read(file));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--hold-back-file: " + e.getMessage());
            }
        }

        try (MongoClient client = MongoConnections.open(uri, 10);
                ChangeLogWriter log = logFile == null ? null : new ChangeLogWriter(logFile)) {
            MongoCollection<Document> collection =
                    client.getDatabase(database).getCollection(collectionName);
            List<Object> ids = LiveChangeSimulator.readIds(collection);
            out.printf(
                    "Simulating live changes on %s.%s (%,d documents, %,d held back to insert):"
                            + " %s at %s/s%s%s%n",
                    database,
                    collectionName,
                    ids.size(),
                    heldBack.size(),
                    mix,
                    trim(rate),
                    duration == null ? "" : " for " + human(duration),
                    changes == Long.MAX_VALUE
                            ? ""
                            : String.format(", at most %,d changes", changes));
            LiveChangeSimulator simulator =
                    LiveChangeSimulator.builder(collection)
                            .heldBack(heldBack)
                            .knownIds(ids)
                            .ratePerSecond(rate)
                            .duration(duration)
                            .maxChanges(changes)
                            .mix(mix)
                            .seed(seed)
                            .generateInsertsWhenHeldBackRunsOut(true)
                            .log(log)
                            .build();
            long started = System.currentTimeMillis();
            Thread worker = new Thread(simulator, "simulate");
            Throwable[] failure = {null};
            worker.setUncaughtExceptionHandler((t, e) -> failure[0] = e);
            // Ctrl-C: finish the change in progress and flush the log before the JVM exits.
            Thread hook =
                    new Thread(
                            () -> {
                                simulator.stop();
                                try {
                                    worker.join(10_000);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            });
            Runtime.getRuntime().addShutdownHook(hook);
            ConsoleProgress progress = ConsoleProgress.forStderr(err);
            worker.start();
            while (worker.isAlive()) {
                worker.join(500);
                progress.update(
                        String.format(
                                "simulating: %,d changes (%s), %.0f s",
                                simulator.stats().total(),
                                simulator.stats(),
                                (System.currentTimeMillis() - started) / 1000.0));
            }
            progress.clear();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook has stopped the simulator; report what was done.
            }
            if (failure[0] != null) {
                if (failure[0] instanceof Exception e) {
                    throw e;
                }
                throw new IllegalStateException(failure[0]);
            }
            double seconds = Math.max(0.001, (System.currentTimeMillis() - started) / 1000.0);
            LiveChangeSimulator.Stats s = simulator.stats();
            out.printf(
                    "Applied %,d changes in %.1f s (%.1f/s): %s%n",
                    s.total(), seconds, s.total() / seconds, s);
            if (logFile != null) {
                out.printf("Change log: %s%n", logFile);
            }
            return 0;
        }
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }
}
