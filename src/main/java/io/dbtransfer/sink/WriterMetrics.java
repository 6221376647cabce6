package io.dbtransfer.sink;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

/** The writer's metrics, registered on its Flink metric group. */
final class WriterMetrics {

    /** Changes received. */
    final Counter recordsIn;

    /** Changes superseded inside a batch by a newer change of the same key. */
    final Counter recordsCollapsed;

    /** Parent rows upserted or deleted plus child rows inserted. */
    final Counter rowsWritten;

    /** Changes dropped because MySQL held a newer version or tombstone. */
    final Counter staleSkipped;

    /** Batches sent to MySQL. */
    final Counter flushes;

    /** Flushes retried after a transient error (idempotent mode). */
    final Counter retries;

    /** XA branches prepared (exactly-once mode). */
    final Counter transactionsPrepared;

    /** Prepared branches of earlier runs rolled back at start (exactly-once mode). */
    final Counter orphansRolledBack;

    /** Tombstones deleted after the retention period. */
    final Counter tombstonesPurged;

    /** Changes dead-lettered because their row belongs to another {@code _id} (key collision). */
    final Counter keyCollisions;

    private final Counter recordsSend;

    volatile long lastFlushDurationMs;

    /** Milliseconds with a fraction: a commit on a local server often takes well under 1 ms. */
    volatile double lastCommitLatencyMs;

    volatile int deferred;

    WriterMetrics(SinkWriterMetricGroup group) {
        recordsIn = group.counter("recordsIn");
        recordsCollapsed = group.counter("recordsCollapsed");
        rowsWritten = group.counter("rowsWritten");
        staleSkipped = group.counter("staleSkipped");
        flushes = group.counter("flushes");
        retries = group.counter("retries");
        transactionsPrepared = group.counter("transactionsPrepared");
        orphansRolledBack = group.counter("orphansRolledBack");
        tombstonesPurged = group.counter("tombstonesPurged");
        keyCollisions = group.counter("keyCollisions");
        recordsSend = group.getNumRecordsSendCounter();
        group.gauge("lastFlushDurationMs", (Gauge<Long>) () -> lastFlushDurationMs);
        group.gauge("lastCommitLatencyMs", (Gauge<Double>) () -> lastCommitLatencyMs);
        group.gauge("deferredChanges", (Gauge<Integer>) () -> deferred);
    }

    void flushed(ChangeApplier.Result r, long durationMs) {
        flushes.inc();
        rowsWritten.inc(r.rowsWritten);
        recordsSend.inc(r.rowsWritten);
        staleSkipped.inc(r.stale);
        keyCollisions.inc(r.collisions.size());
        lastFlushDurationMs = durationMs;
    }
}
