package io.dbtransfer.reconcile;

/**
 * The figures reconcile's gauges show: sweep outcome, duration, count and position, pending keys
 * and check lag. Written on the task thread, read by the metric reporter thread (volatile). Pure.
 */
final class ReconcileGauges {
    /**
     * {@code 1}: the last sweep was consistent; {@code 0}: it found differences; {@code -1}: none.
     */
    volatile int lastSweepConsistent = -1;

    volatile long lastSweepMillis;
    volatile long sweepsDone;
    volatile long lastSweepKeys;

    /** Keys done by the running sweep ({@code 0}: none running). */
    volatile long sweepPosition;

    volatile int pendingCount;
    volatile long checkLagMs;

    /** The sweep {@code c} completed at {@code now}. */
    void sweepDone(SweepCursor c, long now) {
        lastSweepConsistent = c.consistent ? 1 : 0;
        lastSweepMillis = now - c.startedAt;
        lastSweepKeys = c.stateKeys + c.mysqlKeys;
        sweepsDone++;
    }

    /** Where the running sweep stands ({@code null}: none). */
    void sweepAt(SweepCursor c) {
        sweepPosition = c == null ? 0 : c.stateKeys + c.mysqlKeys;
    }

    /** The pending checks after a tick at {@code now}. */
    void pending(PendingChecks checks, long now) {
        pendingCount = checks.size();
        checkLagMs = checks.checkLag(now);
    }
}
