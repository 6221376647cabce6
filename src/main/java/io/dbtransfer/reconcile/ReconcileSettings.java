package io.dbtransfer.reconcile;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.MismatchPolicy;

import java.io.Serializable;
import java.util.Map;

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

    /** {@code mongo.resnapshot}: collection → generation of its source being snapshotted again. */
    public final Map<String, Integer> resnapshots;

    /**
     * The source version this run's snapshot records carry: where a re-snapshot generation that
     * starts now begins (rows older than it that MongoDB no longer holds are removed).
     */
    public final long snapshotVersion;

    private ReconcileSettings(Builder b) {
        this.jdbcUrl = b.jdbcUrl;
        this.username = b.username;
        this.password = b.password;
        this.mapping = b.mapping;
        this.checkDelayMs = b.checkDelayMs;
        this.recheckDelayMs = b.recheckDelayMs;
        this.maxBackoffMs = b.maxBackoffMs;
        this.maxRechecks = b.maxRechecks;
        this.sweepIntervalMs = b.sweepIntervalMs;
        this.sweepPageSize = b.sweepPageSize;
        this.sliceMs = b.sliceMs;
        this.mongoUri = b.mongoUri;
        this.mongoPassword = b.mongoPassword;
        this.mongoDatabase = b.mongoDatabase;
        this.policy = b.policy;
        this.repair = b.repair;
        this.resnapshots = Map.copyOf(b.resnapshots);
        this.snapshotVersion = b.snapshotVersion;
    }

    /**
     * Settings for the target at {@code jdbcUrl} and the job's mapping; defaults as the options'.
     */
    public static Builder builder(String jdbcUrl, Mapping mapping) {
        return new Builder(jdbcUrl, mapping);
    }

    /** A builder holding these settings. */
    public Builder toBuilder() {
        return builder(jdbcUrl, mapping)
                .credentials(username, password)
                .checkDelayMs(checkDelayMs)
                .recheckDelayMs(recheckDelayMs)
                .maxBackoffMs(maxBackoffMs)
                .maxRechecks(maxRechecks)
                .sweepIntervalMs(sweepIntervalMs)
                .sweepPaging(sweepPageSize, sliceMs)
                .source(mongoUri, mongoPassword, mongoDatabase, policy)
                .repair(repair)
                .resnapshots(resnapshots, snapshotVersion);
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
        return from(config, 0L);
    }

    /**
     * The settings of a job configuration whose snapshot records carry {@code snapshotVersion} (for
     * {@code mongo.resnapshot}).
     */
    public static ReconcileSettings from(JobConfig config, long snapshotVersion) {
        String mongoUri = config.get(JobOptions.MONGO_URI);
        return builder(config.get(JobOptions.MYSQL_URL), config.mapping())
                .credentials(config.get(JobOptions.MYSQL_USERNAME), config.mysqlPassword())
                .checkDelayMs(config.get(JobOptions.RECONCILE_CHECK_DELAY).toMillis())
                .recheckDelayMs(config.get(JobOptions.RECONCILE_RECHECK_DELAY).toMillis())
                .maxBackoffMs(config.get(JobOptions.RECONCILE_MAX_BACKOFF).toMillis())
                .maxRechecks(config.get(JobOptions.RECONCILE_MAX_RECHECKS))
                .sweepIntervalMs(config.get(JobOptions.RECONCILE_SWEEP_INTERVAL).toMillis())
                .sweepPaging(
                        config.get(JobOptions.RECONCILE_SWEEP_PAGE_SIZE),
                        config.get(JobOptions.RECONCILE_TIME_SLICE).toMillis())
                .source(
                        mongoUri,
                        mongoUri == null
                                ? null
                                : config.mongoPassword() != null
                                        ? config.mongoPassword()
                                        : MongoConnections.password(
                                                MongoConnections.parse(mongoUri)),
                        config.get(JobOptions.MONGO_DATABASE),
                        config.mismatchPolicy())
                .repair(config.get(JobOptions.RECONCILE_REPAIR))
                .resnapshots(config.resnapshots(), snapshotVersion)
                .build();
    }

    /** Builds {@link ReconcileSettings}; {@link #build} checks them and names the setting. */
    public static final class Builder {
        private final String jdbcUrl;
        private final Mapping mapping;
        private String username;
        private String password;
        private long checkDelayMs = JobOptions.RECONCILE_CHECK_DELAY.defaultValue().toMillis();
        private long recheckDelayMs = JobOptions.RECONCILE_RECHECK_DELAY.defaultValue().toMillis();
        private long maxBackoffMs = JobOptions.RECONCILE_MAX_BACKOFF.defaultValue().toMillis();
        private int maxRechecks = JobOptions.RECONCILE_MAX_RECHECKS.defaultValue();
        private long sweepIntervalMs =
                JobOptions.RECONCILE_SWEEP_INTERVAL.defaultValue().toMillis();
        private int sweepPageSize = JobOptions.RECONCILE_SWEEP_PAGE_SIZE.defaultValue();
        private long sliceMs = JobOptions.RECONCILE_TIME_SLICE.defaultValue().toMillis();
        private String mongoUri;
        private String mongoPassword;
        private String mongoDatabase;
        private MismatchPolicy policy = MismatchPolicy.NULL_AND_KEEP_IN_EXTRA;
        private boolean repair;
        private Map<String, Integer> resnapshots = Map.of();
        private long snapshotVersion;

        private Builder(String jdbcUrl, Mapping mapping) {
            this.jdbcUrl = jdbcUrl;
            this.mapping = mapping;
        }

        /** The MySQL user and password; {@code null}: the URL's. */
        public Builder credentials(String username, String password) {
            this.username = username;
            this.password = password;
            return this;
        }

        /** {@code reconcile.check-delay}. */
        public Builder checkDelayMs(long ms) {
            this.checkDelayMs = ms;
            return this;
        }

        /** {@code reconcile.recheck-delay}. */
        public Builder recheckDelayMs(long ms) {
            this.recheckDelayMs = ms;
            return this;
        }

        /** {@code reconcile.max-backoff}. */
        public Builder maxBackoffMs(long ms) {
            this.maxBackoffMs = ms;
            return this;
        }

        /** {@code reconcile.max-rechecks}. */
        public Builder maxRechecks(int n) {
            this.maxRechecks = n;
            return this;
        }

        /** {@code reconcile.sweep-interval}; 0 disables sweeps. */
        public Builder sweepIntervalMs(long ms) {
            this.sweepIntervalMs = ms;
            return this;
        }

        /** {@code reconcile.sweep-page-size} and {@code reconcile.time-slice}. */
        public Builder sweepPaging(int pageSize, long sliceMs) {
            this.sweepPageSize = pageSize;
            this.sliceMs = sliceMs;
            return this;
        }

        /**
         * The source to re-read documents from (names the columns of {@code different} mismatches;
         * repairs) and how to normalize them; a {@code null} URI: no re-reads.
         */
        public Builder source(
                String mongoUri,
                String mongoPassword,
                String mongoDatabase,
                MismatchPolicy policy) {
            this.mongoUri = mongoUri;
            this.mongoPassword = mongoPassword;
            this.mongoDatabase = mongoDatabase;
            this.policy = policy;
            return this;
        }

        /**
         * {@code mongo.resnapshot} (collection → generation) and the version this run's snapshot
         * records carry.
         */
        public Builder resnapshots(Map<String, Integer> resnapshots, long snapshotVersion) {
            this.resnapshots = resnapshots;
            this.snapshotVersion = snapshotVersion;
            return this;
        }

        /** {@code reconcile.repair}. */
        public Builder repair(boolean repair) {
            this.repair = repair;
            return this;
        }

        /** Checks the settings; a wrong one is named with the fix. */
        public ReconcileSettings build() {
            require(jdbcUrl != null, "mysql.url is required for reconciliation (set mysql.url)");
            require(mapping != null, "reconciliation needs the job's mapping");
            require(policy != null, "reconciliation needs the mismatch policy");
            require(
                    checkDelayMs >= 0 && recheckDelayMs >= 0 && maxBackoffMs >= 0,
                    "reconcile.check-delay, reconcile.recheck-delay and reconcile.max-backoff must"
                            + " not be negative");
            require(
                    maxRechecks >= 0,
                    "reconcile.max-rechecks must not be negative (got " + maxRechecks + ")");
            require(
                    sweepIntervalMs >= 0,
                    "reconcile.sweep-interval must not be negative; 0 disables sweeps");
            require(
                    sweepPageSize >= 1,
                    "reconcile.sweep-page-size must be at least 1 (got "
                            + sweepPageSize
                            + "); a page of 1000 keys is the default");
            require(sliceMs >= 0, "reconcile.time-slice must not be negative");
            require(
                    resnapshots.isEmpty() || (mongoUri != null && mongoDatabase != null),
                    "mongo.resnapshot needs mongo.uri and mongo.database: reconcile asks MongoDB"
                            + " which documents are gone");
            require(
                    !repair || (mongoUri != null && mongoDatabase != null),
                    "reconcile.repair needs mongo.uri and mongo.database to re-read documents");
            return new ReconcileSettings(this);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
