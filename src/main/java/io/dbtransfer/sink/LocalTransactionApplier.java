package io.dbtransfer.sink;

import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.model.RowChange;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Applies a batch of changes in one local transaction on a connection it keeps, retrying transient
 * failures with backoff; what the idempotent writer and its committer share.
 */
final class LocalTransactionApplier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalTransactionApplier.class);

    static final long MAX_BACKOFF_MS = 5_000;

    private final SinkOptions options;
    private final TargetDialect dialect;
    private final ChangeApplier applier;
    private Connection connection;

    LocalTransactionApplier(SinkOptions options, TargetDialect dialect, ChangeApplier applier) {
        this.options = options;
        this.dialect = dialect;
        this.applier = applier;
    }

    /**
     * Applies and commits {@code batch}; a replay is harmless (version guard and tombstones).
     *
     * @param retries counted once per retried attempt
     * @throws IOException when the target refuses for good or the retries are used up
     */
    ChangeApplier.Result apply(List<RowChange> batch, Runnable retries)
            throws IOException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                if (connection == null) {
                    connection =
                            MySqlConnections.open(
                                    options.jdbcUrl(),
                                    options.username(),
                                    options.password(),
                                    false);
                }
                ChangeApplier.Result r = applier.apply(connection, batch);
                connection.commit();
                return r;
            } catch (SQLException e) {
                rollbackQuietly();
                if (attempt >= options.maxRetries() || !dialect.isTransient(e)) {
                    throw new IOException(
                            dialect.productName()
                                    + " sink failed to write a batch of "
                                    + batch.size()
                                    + " change(s)"
                                    + (attempt > 0 ? " after " + attempt + " retries" : "")
                                    + ": "
                                    + e.getMessage(),
                            e);
                }
                if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                    MySqlConnections.closeQuietly(connection);
                    connection = null;
                }
                long backoff = Math.min(MAX_BACKOFF_MS, 100L << Math.min(attempt, 10));
                LOG.warn(
                        "Transient {} error (attempt {} of {}), retrying in {} ms: {}",
                        dialect.productName(),
                        attempt + 1,
                        options.maxRetries() + 1,
                        backoff,
                        e.getMessage());
                retries.run();
                Thread.sleep(backoff);
            }
        }
    }

    private void rollbackQuietly() {
        if (connection != null) {
            try {
                connection.rollback();
            } catch (SQLException e) {
                MySqlConnections.closeQuietly(connection);
                connection = null;
            }
        }
    }

    @Override
    public void close() {
        MySqlConnections.closeQuietly(connection);
        connection = null;
    }
}
