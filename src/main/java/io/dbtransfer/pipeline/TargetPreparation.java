package io.dbtransfer.pipeline;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.dialect.MySqlDialect;
import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.SourceVersion;
import io.dbtransfer.model.TargetType;
import io.dbtransfer.verify.MappingRecord;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * Gets the target ready before the job starts: connection and privileges checked, tables created,
 * and on a fresh start existing rows handled as {@code sink.on-fresh-start} says. On every start
 * (fresh, restored, re-run) the mapping the job applies is recorded in {@link MappingRecord#TABLE},
 * so that {@code verify} and {@code cutover} check with it.
 *
 * <p><b>Fresh start or re-run?</b> {@code main()} — and so this class — runs again whenever Flink
 * re-runs the application: on every JobManager failover in application mode with HA, Flink recovers
 * the job graph and its latest checkpoint and calls {@code main()} once more, with the same
 * configuration and no savepoint path. The job graph that re-run builds is discarded (Flink's
 * {@code EmbeddedExecutor} hands back the recovered job for the fixed job id instead of submitting
 * it), so its only effects are the side effects here. A missing savepoint path therefore does not
 * mean "fresh start" (DESIGN.md: a fresh start is recognised by the job's identity).
 *
 * <p>The identity is the fixed job id {@code $internal.pipeline.job-id}: under HA Flink sets it in
 * application mode from {@code high-availability.cluster-id} ({@code
 * ApplicationDispatcherBootstrap}, Flink 1.20), the Kubernetes operator sets it per deployment, and
 * {@code --job-id} sets it for a standalone application cluster. Without HA and without {@code
 * --job-id} there is none (the job id is random), and a restarted JobManager really starts the job
 * from scratch: no checkpoint is recovered, so that is a fresh start. A fresh start with such an id
 * records it in {@value #PREPARATION_TABLE} (job id, time, snapshot version, mode, tables) after
 * handling the existing rows; a later {@code main()} with the same id finds the record and leaves
 * the tables alone. So a failover never truncates the rows its own job wrote, nor fails on them. A
 * new migration needs a new identity (a new {@code high-availability.cluster-id}, which Flink needs
 * anyway: an old one recovers the old job). The all-zero id is not an identity: older Flink
 * versions gave it to every job ({@code StandaloneJobClusterEntryPoint.ZERO_JOB_ID}, the former
 * {@code ApplicationDispatcherBootstrap.ZERO_JOB_ID}), so a new deployment would look like a
 * recovery.
 *
 * <p>Taking the decision inside the job instead (an operator's {@code isRestored()}) was rejected:
 * with parallelism &gt; 1 a truncate there must finish before any subtask writes, which needs a
 * barrier across subtasks, and a job that fails there restarts in a loop instead of reporting.
 */
public final class TargetPreparation {
    private static final Logger LOG = LoggerFactory.getLogger(TargetPreparation.class);

    /** Which job prepared the target, and when: one row per job identity. */
    public static final String PREPARATION_TABLE = "_dbtransfer_preparation";

    static final String PREPARATION_DDL =
            "CREATE TABLE IF NOT EXISTS `"
                    + PREPARATION_TABLE
                    + "` (job_id VARCHAR(64) NOT NULL PRIMARY KEY,"
                    + " prepared_at DATETIME(3) NOT NULL,"
                    + " snapshot_version BIGINT UNSIGNED NOT NULL,"
                    + " on_fresh_start VARCHAR(32) NOT NULL,"
                    + " tables_prepared TEXT NOT NULL)"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

    /** {@link #PREPARATION_DDL} on PostgreSQL. */
    static final String PREPARATION_DDL_POSTGRES =
            "CREATE TABLE IF NOT EXISTS \""
                    + PREPARATION_TABLE
                    + "\" (job_id varchar(64) NOT NULL PRIMARY KEY,"
                    + " prepared_at timestamp(3) NOT NULL,"
                    + " snapshot_version numeric(20,0) NOT NULL,"
                    + " on_fresh_start varchar(32) NOT NULL,"
                    + " tables_prepared text NOT NULL)";

    private static final String ZERO_JOB_ID = "00000000000000000000000000000000";

    private TargetPreparation() {}

    /** Prepares the target of a job without a stable identity (see the class comment). */
    public static void prepare(JobConfig config, boolean restoring) {
        prepare(config, restoring, null, 0L);
    }

    /**
     * Prepares the target.
     *
     * @param restoring a savepoint or checkpoint path was given: existing rows are the job's own
     * @param fixedJobId {@code $internal.pipeline.job-id}, or {@code null}
     * @param snapshotVersion the version this run's probe read (recorded on a fresh start)
     * @return what was done
     */
    public static Outcome prepare(
            JobConfig config, boolean restoring, String fixedJobId, long snapshotVersion) {
        String url = config.get(JobOptions.MYSQL_URL);
        TargetDialect dialect = TargetDialect.of(config.targetType());
        String identity = identity(fixedJobId);
        try (Connection c =
                MySqlConnections.open(
                        url, config.get(JobOptions.MYSQL_USERNAME), config.mysqlPassword())) {
            Outcome outcome;
            if (restoring) {
                outcome = Outcome.RESTORING;
            } else if (identity != null && alreadyPrepared(c, dialect, identity, snapshotVersion)) {
                outcome = Outcome.RE_RUN;
            } else {
                handleExistingRows(c, dialect, config);
                outcome = Outcome.FRESH_START;
            }
            SchemaManager.createTables(c, config.mapping(), dialect);
            DeadLetterRows.create(c, dialect);
            // Every outcome: a savepoint upgrade that changes the mapping rewrites the record.
            MappingRecord.write(
                    c,
                    config.get(JobOptions.MONGO_DATABASE),
                    config.mapping(),
                    config.collections(),
                    config.mismatchPolicy(),
                    identity == null ? "a job without a fixed job id" : "job " + identity);
            if (outcome == Outcome.FRESH_START && identity != null) {
                // After the rows were handled: a crash before this line leaves no record, and
                // the next main() handles them again, before any job was submitted.
                record(c, dialect, identity, snapshotVersion, config);
            }
            return outcome;
        } catch (SQLException e) {
            throw MySqlConnections.explain(url, e);
        }
    }

    /** What {@link #prepare} decided. */
    public enum Outcome {
        /** Started from a savepoint or checkpoint: existing rows left alone. */
        RESTORING,
        /** {@code main()} ran again for a job that already prepared this target: left alone. */
        RE_RUN,
        /** A fresh start: existing rows handled as {@code sink.on-fresh-start} says. */
        FRESH_START
    }

    /** The fixed job id as an identity; {@code null} when absent, blank or all zeros. */
    static String identity(String fixedJobId) {
        if (fixedJobId == null || fixedJobId.isBlank()) {
            return null;
        }
        String id = fixedJobId.trim().toLowerCase(java.util.Locale.ROOT);
        return id.equals(ZERO_JOB_ID) ? null : id;
    }

    private static boolean alreadyPrepared(
            Connection c, TargetDialect dialect, String jobId, long snapshotVersion)
            throws SQLException {
        if (!exists(c, PREPARATION_TABLE)) {
            return false;
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT prepared_at, snapshot_version, on_fresh_start FROM "
                                + dialect.quoteIdentifier(PREPARATION_TABLE)
                                + " WHERE job_id = ?")) {
            ps.setString(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                long recorded = Long.parseUnsignedLong(rs.getString(2));
                LOG.info(
                        "The target was prepared by this job (job id {}) at {} with snapshot"
                                + " version {} (sink.on-fresh-start: {}): this main() is a re-run"
                                + " (JobManager failover), so existing rows are left alone. The"
                                + " job resumes from its recovered job graph and checkpoint; this"
                                + " run's probe version {} is not used. A new migration needs a"
                                + " new job identity (high-availability.cluster-id).",
                        jobId,
                        rs.getTimestamp(1),
                        SourceVersion.format(recorded),
                        rs.getString(3),
                        SourceVersion.format(snapshotVersion));
                return true;
            }
        }
    }

    private static void record(
            Connection c,
            TargetDialect dialect,
            String jobId,
            long snapshotVersion,
            JobConfig config)
            throws SQLException {
        boolean postgres = dialect.type() == TargetType.POSTGRESQL;
        if (postgres) {
            SchemaManager.executePostgresDdl(c, List.of(PREPARATION_DDL_POSTGRES));
        } else {
            try (Statement st = c.createStatement()) {
                st.execute(PREPARATION_DDL);
            }
        }
        List<String> tables = new ArrayList<>();
        for (TableSpec t : config.mapping().tables()) {
            tables.addAll(allTables(t));
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO "
                                + dialect.quoteIdentifier(PREPARATION_TABLE)
                                + " (job_id, prepared_at, snapshot_version, on_fresh_start,"
                                + " tables_prepared) VALUES (?, ?, "
                                + (postgres ? "CAST(? AS numeric)" : "?")
                                + ", ?, ?)"
                                + (postgres
                                        ? " ON CONFLICT (job_id) DO NOTHING"
                                        : " ON DUPLICATE KEY UPDATE job_id = job_id"))) {
            ps.setString(1, jobId);
            ps.setTimestamp(2, new Timestamp(System.currentTimeMillis()));
            ps.setString(3, SourceVersion.toUnsignedString(snapshotVersion));
            ps.setString(
                    4,
                    config.get(JobOptions.SINK_ON_FRESH_START)
                            .name()
                            .toLowerCase(java.util.Locale.ROOT)
                            .replace('_', '-'));
            ps.setString(5, String.join(",", tables));
            ps.executeUpdate();
        }
        LOG.info(
                "Fresh start of job {} recorded in {} (snapshot version {})",
                jobId,
                PREPARATION_TABLE,
                SourceVersion.format(snapshotVersion));
    }

    private static void handleExistingRows(Connection c, TargetDialect dialect, JobConfig config)
            throws SQLException {
        JobOptions.FreshStart mode = config.get(JobOptions.SINK_ON_FRESH_START);
        List<String> nonEmpty = new ArrayList<>();
        for (TableSpec t : config.mapping().tables()) {
            for (String table : allTables(t)) {
                if (exists(c, table) && hasRows(c, dialect, table)) {
                    nonEmpty.add(table);
                }
            }
        }
        if (nonEmpty.isEmpty()) {
            return;
        }
        switch (mode) {
            case KEEP:
                LOG.warn(
                        "Fresh start over non-empty tables {}: rows are overwritten"
                                + " version-guarded; rows of documents deleted meanwhile stay"
                                + " until reconciliation removes them",
                        nonEmpty);
                return;
            case TRUNCATE:
                LOG.warn("Fresh start: emptying tables {} before the snapshot", nonEmpty);
                try (Statement st = c.createStatement()) {
                    for (String table : nonEmpty) {
                        st.execute("DELETE FROM " + dialect.quoteIdentifier(table));
                    }
                    if (exists(c, MySqlDialect.TOMBSTONE_TABLE)) {
                        st.execute(
                                "DELETE FROM "
                                        + dialect.quoteIdentifier(MySqlDialect.TOMBSTONE_TABLE));
                    }
                }
                return;
            case FAIL_IF_NOT_EMPTY:
            default:
                throw new ConfigException(
                        "sink.on-fresh-start: the target tables "
                                + nonEmpty
                                + " already hold rows, and the job starts without a savepoint,"
                                + " so it would snapshot every document again. To continue a"
                                + " migration, resume from its savepoint (flink run -s PATH, or"
                                + " migrate --from-savepoint PATH). To start over, set"
                                + " sink.on-fresh-start: truncate (empties these tables first)"
                                + " or keep (overwrites rows; rows of documents deleted meanwhile"
                                + " stay until reconciliation removes them).");
        }
    }

    private static List<String> allTables(TableSpec t) {
        List<String> out = new ArrayList<>();
        out.add(t.name);
        for (TableSpec child : t.children) {
            out.addAll(allTables(child));
        }
        return out;
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        return MySqlReadBack.dialectOf(c).tableExists(c, table);
    }

    private static boolean hasRows(Connection c, TargetDialect dialect, String table)
            throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT 1 FROM " + dialect.quoteIdentifier(table) + " LIMIT 1")) {
            return rs.next();
        }
    }
}
