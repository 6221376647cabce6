package io.dbtransfer.reconcile;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.normalize.MismatchPolicy;
import io.dbtransfer.source.MongoSourceFactory;

import java.io.Serializable;
import java.util.Objects;

/**
 * Everything the reconcile operator needs: where MySQL (and MongoDB, for re-reads) is, the mapping,
 * the timings and whether to repair.
 */
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

    /** Number of sweep buckets per collection (no longer used: sweeps compare key by key). */
    public final int buckets;

    /** Keys (state keys, parent rows) per sweep page. */
    public final int sweepPageSize;

    /**
     * Task-thread time read-backs and sweep pages may take per timer firing (at least one batch or
     * page runs).
     */
    public final long sliceMs;

    /**
     * Source MongoDB URI, to re-read documents (names the columns of {@code different} mismatches;
     * repairs); {@code null}: no re-reads.
     */
    public final String mongoUri;

    public final String mongoDatabase;

    /**
     * The MongoDB password, resolved where the job is built ({@code DBTRANSFER_MONGO_PASSWORD} is
     * not set on the TaskManagers); {@code null}: the URI's, if any.
     */
    public final String mongoPassword;

    /** How re-read documents are normalized (as the job normalizes them). */
    public final MismatchPolicy policy;

    /** Repair every mismatch (needs {@link #mongoUri}). */
    public final boolean repair;

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
        this(
                jdbcUrl,
                username,
                password,
                mapping,
                checkDelayMs,
                recheckDelayMs,
                maxBackoffMs,
                maxRechecks,
                sweepIntervalMs,
                buckets,
                null,
                null,
                MismatchPolicy.NULL_AND_KEEP_IN_EXTRA,
                false);
    }

    /** All settings, with a source to re-read documents from and whether to repair. */
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
            int buckets,
            String mongoUri,
            String mongoDatabase,
            MismatchPolicy policy,
            boolean repair) {
        this(
                jdbcUrl,
                username,
                password,
                mapping,
                checkDelayMs,
                recheckDelayMs,
                maxBackoffMs,
                maxRechecks,
                sweepIntervalMs,
                buckets,
                mongoUri,
                null,
                mongoDatabase,
                policy,
                repair);
    }

    /** All settings, with the MongoDB password resolved by the caller. */
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
            int buckets,
            String mongoUri,
            String mongoPassword,
            String mongoDatabase,
            MismatchPolicy policy,
            boolean repair) {
        this(
                jdbcUrl,
                username,
                password,
                mapping,
                checkDelayMs,
                recheckDelayMs,
                maxBackoffMs,
                maxRechecks,
                sweepIntervalMs,
                buckets,
                mongoUri,
                mongoPassword,
                mongoDatabase,
                policy,
                repair,
                JobOptions.RECONCILE_SWEEP_PAGE_SIZE.defaultValue(),
                JobOptions.RECONCILE_TIME_SLICE.defaultValue().toMillis());
    }

    /** All settings, with the sweep's page size and time slice per firing. */
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
            int buckets,
            String mongoUri,
            String mongoPassword,
            String mongoDatabase,
            MismatchPolicy policy,
            boolean repair,
            int sweepPageSize,
            long sliceMs) {
        this.sweepPageSize = sweepPageSize;
        this.sliceMs = sliceMs;
        if (sweepPageSize < 1) {
            throw new IllegalArgumentException(
                    "reconcile.sweep-page-size must be at least 1 (got "
                            + sweepPageSize
                            + "); a page of 1000 keys is the default");
        }
        if (sliceMs < 0) {
            throw new IllegalArgumentException("reconcile.time-slice must not be negative");
        }
        this.mongoUri = mongoUri;
        this.mongoPassword = mongoPassword;
        this.mongoDatabase = mongoDatabase;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.repair = repair;
        if (repair && (mongoUri == null || mongoDatabase == null)) {
            throw new IllegalArgumentException(
                    "reconcile.repair needs mongo.uri and mongo.database to re-read documents");
        }
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

    /** These settings with another sweep page size and time slice per firing (ms). */
    public ReconcileSettings withSweepPaging(int pageSize, long sliceMs) {
        return new ReconcileSettings(
                jdbcUrl,
                username,
                password,
                mapping,
                checkDelayMs,
                recheckDelayMs,
                maxBackoffMs,
                maxRechecks,
                sweepIntervalMs,
                buckets,
                mongoUri,
                mongoPassword,
                mongoDatabase,
                policy,
                repair,
                pageSize,
                sliceMs);
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
                config.get(JobOptions.RECONCILE_SWEEP_BUCKETS),
                config.get(JobOptions.MONGO_URI),
                config.get(JobOptions.MONGO_URI) == null
                        ? null
                        : config.mongoPassword() != null
                                ? config.mongoPassword()
                                : MongoSourceFactory.password(
                                        MongoSourceFactory.parse(config.get(JobOptions.MONGO_URI))),
                config.get(JobOptions.MONGO_DATABASE),
                config.mismatchPolicy(),
                config.get(JobOptions.RECONCILE_REPAIR),
                config.get(JobOptions.RECONCILE_SWEEP_PAGE_SIZE),
                config.get(JobOptions.RECONCILE_TIME_SLICE).toMillis());
    }
}
