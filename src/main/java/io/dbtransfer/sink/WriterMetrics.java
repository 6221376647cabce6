package io.dbtransfer.sink;

import io.dbtransfer.metrics.AliasCounter;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
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

    /**
     * Registers every metric under its previous camelCase name (kept for one release) and, in the
     * group {@code dbtransfer}, under its Prometheus-style name (snake_case, base units, {@code
     * _total} counters): {@code flink_taskmanager_job_task_operator_dbtransfer_sink_…}.
     */
    WriterMetrics(SinkWriterMetricGroup group) {
        MetricGroup prom = group.addGroup("dbtransfer").addGroup("sink");
        recordsIn = both(group, prom, "recordsIn", "changes_total");
        recordsCollapsed = both(group, prom, "recordsCollapsed", "changes_collapsed_total");
        rowsWritten = both(group, prom, "rowsWritten", "rows_written_total");
        staleSkipped = both(group, prom, "staleSkipped", "stale_skipped_total");
        flushes = both(group, prom, "flushes", "flushes_total");
        retries = both(group, prom, "retries", "retries_total");
        transactionsPrepared =
                both(group, prom, "transactionsPrepared", "transactions_prepared_total");
        orphansRolledBack = both(group, prom, "orphansRolledBack", "orphans_rolled_back_total");
        tombstonesPurged = both(group, prom, "tombstonesPurged", "tombstones_purged_total");
        keyCollisions = both(group, prom, "keyCollisions", "key_collisions_total");
        recordsSend = group.getNumRecordsSendCounter();
        group.gauge("lastFlushDurationMs", (Gauge<Long>) () -> lastFlushDurationMs);
        group.gauge("lastCommitLatencyMs", (Gauge<Double>) () -> lastCommitLatencyMs);
        group.gauge("deferredChanges", (Gauge<Integer>) () -> deferred);
        prom.gauge(
                "last_flush_duration_seconds", (Gauge<Double>) () -> lastFlushDurationMs / 1000.0);
        prom.gauge(
                "last_commit_duration_seconds", (Gauge<Double>) () -> lastCommitLatencyMs / 1000.0);
        prom.gauge("deferred_changes", (Gauge<Integer>) () -> deferred);
    }

    private static Counter both(MetricGroup group, MetricGroup prom, String old, String name) {
        Counter c = group.counter(old);
        prom.counter(name, new AliasCounter(c));
        return c;
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
