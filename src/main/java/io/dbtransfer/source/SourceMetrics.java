package io.dbtransfer.source;

import io.dbtransfer.connect.MongoConnections;

import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.cdc.connectors.base.source.meta.offset.Offset;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.mongodb.source.offset.ChangeStreamOffset;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

import com.mongodb.client.MongoClient;
import org.bson.BsonTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The source reader's metrics of one collection, in the group {@code dbtransfer}, {@code
 * collection=<name>}: its phase, the age of the resume point in the last checkpoint, and (subtask
 * 0) the oplog's window. Names follow Prometheus' conventions (snake_case, base units).
 */
final class SourceMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(SourceMetrics.class);

    /** {@code phase}: not reading (no split yet, or the reader failed). */
    static final int STOPPED = 0;

    /** {@code phase}: reading snapshot chunks. */
    static final int SNAPSHOTTING = 1;

    /** {@code phase}: reading the change stream (the snapshot is complete). */
    static final int STREAMING = 2;

    /** How often subtask 0 reads the oplog's window. */
    static final long OPLOG_PROBE_SECONDS = 60;

    /** What the metrics need to know: the collection and how to reach the oplog. */
    static final class Spec implements Serializable {
        private static final long serialVersionUID = 1L;
        final String collection;
        final String mongoUri;
        final String mongoPassword;

        /**
         * @param mongoUri source URI for the oplog probe; null: no {@code oplog_window_seconds}
         * @param mongoPassword password resolved where the job was built, or null
         */
        Spec(String collection, String mongoUri, String mongoPassword) {
            this.collection = collection;
            this.mongoUri = mongoUri;
            this.mongoPassword = mongoPassword;
        }

        @Override
        public String toString() {
            return "SourceMetrics.Spec{" + collection + "}";
        }
    }

    private volatile boolean snapshotSplits;
    private volatile boolean streamSplit;
    private volatile boolean failed;
    private volatile long resumePointSeconds = -1;
    private volatile double oplogWindowSeconds = Double.NaN;
    private ScheduledExecutorService probe;

    SourceMetrics(Spec spec, SourceReaderContext context) {
        this(spec, context.metricGroup(), context.getIndexOfSubtask());
    }

    /** Registers the metrics in {@code readerGroup} (the reader's) for the given subtask. */
    SourceMetrics(Spec spec, MetricGroup readerGroup, int subtask) {
        MetricGroup group =
                readerGroup.addGroup("dbtransfer").addGroup("collection", spec.collection);
        group.gauge("phase", (Gauge<Integer>) this::phase);
        group.gauge("resume_point_age_seconds", (Gauge<Double>) this::resumePointAgeSeconds);
        if (spec.mongoUri != null && subtask == 0) {
            group.gauge("oplog_window_seconds", (Gauge<Double>) () -> oplogWindowSeconds);
            probe =
                    Executors.newSingleThreadScheduledExecutor(
                            r -> {
                                Thread t = new Thread(r, "dbtransfer-oplog-window");
                                t.setDaemon(true);
                                return t;
                            });
            probe.scheduleWithFixedDelay(
                    () -> probeOplog(spec), 0, OPLOG_PROBE_SECONDS, TimeUnit.SECONDS);
        }
    }

    int phase() {
        if (failed) {
            return STOPPED;
        }
        if (streamSplit) {
            return STREAMING;
        }
        return snapshotSplits ? SNAPSHOTTING : STOPPED;
    }

    /** Seconds from the resume point of the last checkpoint to now; NaN before one is known. */
    double resumePointAgeSeconds() {
        long at = resumePointSeconds;
        return at < 0 ? Double.NaN : Math.max(0, System.currentTimeMillis() / 1000.0 - at);
    }

    /** Splits assigned to (or restored into) this reader. */
    void splitsAdded(List<?> splits) {
        for (Object s : splits) {
            if (s instanceof SourceSplitBase) {
                SourceSplitBase split = (SourceSplitBase) s;
                if (split.isStreamSplit()) {
                    streamSplit = true;
                    resumePoint(split);
                } else {
                    snapshotSplits = true;
                }
            }
        }
    }

    /** The splits a checkpoint holds: the stream split's offset is the resume point. */
    void checkpointed(List<?> splits) {
        for (Object s : splits) {
            if (s instanceof SourceSplitBase && ((SourceSplitBase) s).isStreamSplit()) {
                resumePoint((SourceSplitBase) s);
            }
        }
    }

    private void resumePoint(SourceSplitBase split) {
        Offset offset = split.asStreamSplit().getStartingOffset();
        if (offset instanceof ChangeStreamOffset) {
            BsonTimestamp ts = ((ChangeStreamOffset) offset).getTimestamp();
            if (ts != null && ts.getTime() > 0) {
                resumePointSeconds = ts.getTime() & 0xFFFFFFFFL;
            }
        }
    }

    /** The reader failed; the job restarts or stops. */
    void failed() {
        failed = true;
    }

    private void probeOplog(Spec spec) {
        try (MongoClient client = MongoConnections.open(spec.mongoUri, spec.mongoPassword, 10)) {
            Optional<OplogWindow> window = SourceProbe.oplogWindow(client);
            oplogWindowSeconds = window.map(w -> (double) w.span().getSeconds()).orElse(Double.NaN);
        } catch (RuntimeException e) {
            LOG.debug("Oplog window not read: {}", e.toString());
        }
    }

    void close() {
        if (probe != null) {
            probe.shutdownNow();
        }
    }
}
