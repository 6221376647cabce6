package io.dbtransfer.reconcile;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.mapping.Mapping;

import java.io.Serializable;
import java.util.Objects;

/** Everything the reconcile operator needs: where MySQL is, the mapping and the timings. */
public final class ReconcileSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    public final String jdbcUrl;
    public final String username;
    public final String password;
    public final Mapping mapping;

    /** Delay after a checkpoint completed before its keys are read back (lets commits finish). */
    public final long checkDelayMs;

    /** First recheck delay; doubles per recheck up to {@link #maxBackoffMs}. */
    public final long recheckDelayMs;

    public final long maxBackoffMs;

    /** Rechecks without convergence after which a key is a mismatch. */
    public final int maxRechecks;

    /** Time between sweeps; 0 disables sweeps. */
    public final long sweepIntervalMs;

    /** Number of sweep buckets per collection. */
    public final int buckets;

    public ReconcileSettings(
            String jdbcUrl,
            String username,
            String password,
            Mapping mapping,
            long checkDelayMs,
            long recheckDelayMs,
            long maxBackoffMs,
            int maxRechecks,
            long sweepIntervalMs,
            int buckets) {
        this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        this.username = username;
        this.password = password;
        this.mapping = Objects.requireNonNull(mapping, "mapping");
        this.checkDelayMs = checkDelayMs;
        this.recheckDelayMs = recheckDelayMs;
        this.maxBackoffMs = maxBackoffMs;
        this.maxRechecks = maxRechecks;
        this.sweepIntervalMs = sweepIntervalMs;
        this.buckets = buckets;
        if (buckets < 1) {
            throw new IllegalArgumentException("reconcile.sweep-buckets must be at least 1");
        }
        if (maxRechecks < 0) {
            throw new IllegalArgumentException("reconcile.max-rechecks must not be negative");
        }
    }

    /** The delay before recheck number {@code attempt} (0-based). */
    public long backoff(int attempt) {
        long d = recheckDelayMs;
        for (int i = 0; i < attempt && d < maxBackoffMs; i++) {
            d *= 2;
        }
        return Math.min(d, maxBackoffMs);
    }

    /** The settings of a job configuration ({@code reconcile.*}, {@code mysql.*}, the mapping). */
    public static ReconcileSettings from(JobConfig config) {
        return new ReconcileSettings(
                config.get(JobOptions.MYSQL_URL),
                config.get(JobOptions.MYSQL_USERNAME),
                config.mysqlPassword(),
                config.mapping(),
                config.get(JobOptions.RECONCILE_CHECK_DELAY).toMillis(),
                config.get(JobOptions.RECONCILE_RECHECK_DELAY).toMillis(),
                config.get(JobOptions.RECONCILE_MAX_BACKOFF).toMillis(),
                config.get(JobOptions.RECONCILE_MAX_RECHECKS),
                config.get(JobOptions.RECONCILE_SWEEP_INTERVAL).toMillis(),
                config.get(JobOptions.RECONCILE_SWEEP_BUCKETS));
    }
}
