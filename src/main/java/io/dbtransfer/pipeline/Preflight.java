package io.dbtransfer.pipeline;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.source.OplogWindow;
import io.dbtransfer.source.SnapshotEstimates;
import io.dbtransfer.source.SourceProbe;

import com.mongodb.client.MongoClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;

/**
 * The start-up checks that need the whole configuration, run before any table is touched: the
 * target user's privileges and server settings on MySQL or PostgreSQL ({@link TargetPreflight}) and
 * the oplog window against the estimated snapshot time (a warning). The MongoDB user's privileges
 * are checked by {@link SourceProbe}.
 */
public final class Preflight {
    private static final Logger LOG = LoggerFactory.getLogger(Preflight.class);

    private Preflight() {}

    /**
     * Refuses a target the sink could not use (one-line {@link
     * io.dbtransfer.model.ConfigException}); warns (log and stderr) when the oplog is short.
     */
    public static void check(JobConfig config, int parallelism) {
        oplogWarning(config, parallelism).ifPresent(Preflight::warn);
        TargetPreflight.check(config);
    }

    /** The oplog-window warning, if the window is shorter than twice the snapshot estimate. */
    public static Optional<String> oplogWarning(JobConfig config, int parallelism) {
        if (config.get(JobOptions.SOURCE_STARTUP_MODE) != JobOptions.StartupMode.INITIAL) {
            return Optional.empty(); // no snapshot
        }
        String uri = config.get(JobOptions.MONGO_URI);
        Map<String, Long> counts =
                SnapshotEstimates.read(
                        uri,
                        config.mongoPassword(),
                        config.get(JobOptions.MONGO_DATABASE),
                        config.collections());
        long documents = counts.values().stream().mapToLong(Long::longValue).sum();
        Optional<OplogWindow> window;
        try (MongoClient client = MongoConnections.open(uri, config.mongoPassword(), 10)) {
            window = SourceProbe.oplogWindow(client);
        } catch (RuntimeException e) {
            LOG.debug("Oplog window not checked: {}", e.toString());
            return Optional.empty();
        }
        window.ifPresent(
                w ->
                        LOG.info(
                                "Oplog: {} s from first to last entry, {} of {} bytes; {}"
                                        + " documents to snapshot",
                                w.span().getSeconds(),
                                w.sizeBytes(),
                                w.maxSizeBytes(),
                                documents));
        return window.flatMap(
                w ->
                        w.warning(
                                documents,
                                config.get(JobOptions.SOURCE_SNAPSHOT_RATE_ESTIMATE),
                                parallelism,
                                JobOptions.SOURCE_SNAPSHOT_RATE_ESTIMATE.key()));
    }

    private static void warn(String message) {
        LOG.warn(message);
        System.err.println("dbtransfer WARNING: " + message);
    }
}
