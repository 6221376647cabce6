package io.dbtransfer.cli;

import io.dbtransfer.config.ConfigException;
import io.dbtransfer.workload.ChangeLogWriter;
import io.dbtransfer.workload.ChangeMix;
import io.dbtransfer.workload.ExtendedJsonLines;
import io.dbtransfer.workload.LiveChangeSimulator;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import org.bson.Document;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * {@code bin/dbtransfer simulate --mongo-uri URI --rate R --duration D [...]}: writes live changes
 * to a review collection (see {@link LiveChangeSimulator}) and logs each one.
 */
final class SimulateCommand {

    private final CliArgs args;
    private final PrintStream out;
    private final PrintStream err;

    SimulateCommand(CliArgs args, PrintStream out, PrintStream err) {
        this.args = args;
        this.out = out;
        this.err = err;
        args.requireKnown(
                Set.of(
                        "mongo-uri",
                        "database",
                        "collection",
                        "rate",
                        "duration",
                        "changes",
                        "mix",
                        "hold-back-file",
                        "log",
                        "seed"));
    }

    int run() throws Exception {
        ChangeMix mix;
        try {
            mix = ChangeMix.parse(args.get("mix", ChangeMix.DEFAULT.toString()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--mix: " + e.getMessage());
        }
        String uri = args.require("mongo-uri");
        String database = args.get("database", "reviews");
        String collectionName = args.get("collection", "reviews");
        args.require("rate");
        double rate = args.getDouble("rate", 0, 0.001);
        Duration duration = args.getDuration("duration", null);
        long changes = args.getLong("changes", Long.MAX_VALUE, 1, Long.MAX_VALUE);
        if (duration == null && !args.has("changes")) {
            throw new ConfigException(
                    "--duration is required (e.g. --duration 60s), or --changes N to stop after N"
                            + " changes");
        }
        long seed = args.getLong("seed", 1, Long.MIN_VALUE, Long.MAX_VALUE);
        Deque<Document> heldBack = new ArrayDeque<>();
        if (args.has("hold-back-file")) {
            Path file = Path.of(args.require("hold-back-file"));
            try {
                heldBack.addAll(ExtendedJsonLines.read(file));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--hold-back-file: " + e.getMessage());
            }
        }
        Path logFile = args.has("log") ? Path.of(args.require("log")) : null;

        try (MongoClient client = MongoClients.create(uri);
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
