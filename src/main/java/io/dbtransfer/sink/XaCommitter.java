package io.dbtransfer.sink;

import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.TargetDialect;

import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.SinkCommitterMetricGroup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;

/**
 * Commits prepared XA branches by XID on its own autocommit connection; Flink calls it only for
 * checkpoints that have completed (and again, after a restore, for those restored from state).
 */
final class XaCommitter implements Committer<XaCommittable> {

    private static final Logger LOG = LoggerFactory.getLogger(XaCommitter.class);

    /** How long to wait for the writer's session to end before handing a branch back to Flink. */
    static final long SESSION_GONE_WAIT_MS = 5_000;

    private final SinkOptions options;
    private final TargetDialect dialect;
    private final TwoPhaseCommit twoPhase;
    private Connection connection;

    /** Milliseconds with a fraction: a commit on a local server often takes well under 1 ms. */
    private volatile double lastCommitLatencyMs;

    XaCommitter(SinkOptions options, SinkCommitterMetricGroup metricGroup) {
        this.options = options;
        this.dialect = TargetDialect.of(options.targetType());
        this.twoPhase = TwoPhaseCommit.of(dialect.type());
        metricGroup.gauge("lastCommitLatencyMs", (Gauge<Double>) () -> lastCommitLatencyMs);
    }

    @Override
    public void commit(Collection<CommitRequest<XaCommittable>> requests)
            throws IOException, InterruptedException {
        for (CommitRequest<XaCommittable> request : requests) {
            XaCommittable committable = request.getCommittable();
            XaTransactionId xid = committable.xid();
            long t0 = System.nanoTime();
            long deadline = System.currentTimeMillis() + SESSION_GONE_WAIT_MS;
            while (true) {
                try {
                    twoPhase.commit(connection(), xid);
                    lastCommitLatencyMs = (System.nanoTime() - t0) / 1_000_000.0;
                    LOG.debug("Committed XA branch {}", xid);
                    break;
                } catch (SQLException e) {
                    if (twoPhase.isUnknown(e)) {
                        if (!isPrepared(xid)) {
                            // Not prepared anywhere: committed (before the restore that handed
                            // us this committable again, or by a restoring writer), or rolled
                            // back by someone else. Only the commit marker tells.
                            if (!committable.hasMarker()) {
                                LOG.warn(
                                        "XA branch {} (prepared by a version without commit"
                                                + " markers) is no longer prepared; assuming it"
                                                + " was committed",
                                        xid);
                            } else if (!isCommitted(committable)) {
                                throw new IOException(lostBranchMessage(xid));
                            } else {
                                LOG.info("XA branch {} was already committed", xid);
                            }
                            request.signalAlreadyCommitted();
                            break;
                        }
                        // Prepared but owned by a session that has not gone yet.
                        if (System.currentTimeMillis() < deadline) {
                            Thread.sleep(20);
                            continue;
                        }
                        LOG.warn(
                                "XA branch {} is still attached to a session; retrying later", xid);
                        request.retryLater();
                        break;
                    }
                    if (isConnectionProblem(e)) {
                        LOG.warn(
                                "Lost the commit connection while committing {}: {}",
                                xid,
                                e.toString());
                        MySqlConnections.closeQuietly(connection);
                        connection = null;
                        request.retryLater();
                        break;
                    }
                    // Failing the job keeps the committable in state: a restart commits it again.
                    throw new IOException(
                            dialect.productName()
                                    + " sink could not commit transaction branch "
                                    + xid
                                    + ": "
                                    + e.getMessage()
                                    + dialect.hint(e),
                            e);
                }
            }
        }
    }

    private boolean isPrepared(XaTransactionId xid) throws IOException {
        try {
            return twoPhase.recover(connection()).contains(xid);
        } catch (SQLException e) {
            throw new IOException(
                    dialect.productName()
                            + " sink could not list its prepared transactions: "
                            + e.getMessage(),
                    e);
        }
    }

    private boolean isCommitted(XaCommittable committable) throws IOException {
        try {
            return XaCommitMarkers.isCommitted(
                    connection(), dialect, committable.xid(), committable.markerToken());
        } catch (SQLException e) {
            throw new IOException(
                    "MySQL sink could not read the commit marker of XA branch "
                            + committable.xid()
                            + " in "
                            + XaCommitMarkers.TABLE
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    private String lostBranchMessage(XaTransactionId xid) {
        return "MySQL sink: XA branch "
                + xid
                + " of a completed checkpoint is neither prepared nor committed (no commit marker"
                + " in "
                + XaCommitMarkers.TABLE
                + "): something outside this job rolled it back, and the changes it held are"
                + " lost. Usual cause: another job on the same MySQL server uses the same"
                + " sink.transaction-prefix ('"
                + options.transactionalIdPrefix()
                + "') and rolled back this job's branches at its start; or a manual XA ROLLBACK."
                + " Fix: give every job writing to this server its own sink.transaction-prefix"
                + " (or leave it unset: the default is derived from the target database and"
                + " tables), then restore from a savepoint taken before this branch's checkpoint"
                + " or start the migration afresh (sink.on-fresh-start: truncate).";
    }

    private static boolean isConnectionProblem(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("08");
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            // Committing another session's prepared branch only works in autocommit mode.
            connection =
                    MySqlConnections.open(
                            options.jdbcUrl(), options.username(), options.password(), true);
        }
        return connection;
    }

    @Override
    public void close() {
        MySqlConnections.closeQuietly(connection);
        connection = null;
    }
}
