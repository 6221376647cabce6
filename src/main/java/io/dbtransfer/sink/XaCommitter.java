package io.dbtransfer.sink;

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
    private Connection connection;

    /** Milliseconds with a fraction: a commit on a local server often takes well under 1 ms. */
    private volatile double lastCommitLatencyMs;

    XaCommitter(SinkOptions options, SinkCommitterMetricGroup metricGroup) {
        this.options = options;
        metricGroup.gauge("lastCommitLatencyMs", (Gauge<Double>) () -> lastCommitLatencyMs);
    }

    @Override
    public void commit(Collection<CommitRequest<XaCommittable>> requests)
            throws IOException, InterruptedException {
        for (CommitRequest<XaCommittable> request : requests) {
            XaTransactionId xid = request.getCommittable().xid();
            long t0 = System.nanoTime();
            long deadline = System.currentTimeMillis() + SESSION_GONE_WAIT_MS;
            while (true) {
                try {
                    XaOperations.commit(connection(), xid);
                    lastCommitLatencyMs = (System.nanoTime() - t0) / 1_000_000.0;
                    LOG.debug("Committed XA branch {}", xid);
                    break;
                } catch (SQLException e) {
                    if (XaOperations.isUnknownXid(e)) {
                        if (!isPrepared(xid)) {
                            // Not prepared anywhere: committed before the restore that handed
                            // us this committable again.
                            LOG.info("XA branch {} was already committed", xid);
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
                            "MySQL sink could not commit XA branch "
                                    + xid
                                    + ": "
                                    + e.getMessage()
                                    + SchemaManager.hint(e),
                            e);
                }
            }
        }
    }

    private boolean isPrepared(XaTransactionId xid) throws IOException {
        try {
            return XaOperations.recover(connection()).contains(xid);
        } catch (SQLException e) {
            throw new IOException("MySQL sink could not run XA RECOVER: " + e.getMessage(), e);
        }
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
