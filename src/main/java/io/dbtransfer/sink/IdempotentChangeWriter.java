package io.dbtransfer.sink;

import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.RowChange;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * At-least-once writer whose replays are harmless: one local transaction per flush, flushed at
 * batch size, on a processing-time timer and before every checkpoint barrier. After a restore,
 * replayed changes meet the version guard and the tombstones, so an older change never overwrites a
 * newer row nor resurrects a deleted one.
 */
final class IdempotentChangeWriter extends AbstractChangeWriter {

    private static final Logger LOG = LoggerFactory.getLogger(IdempotentChangeWriter.class);

    static final long MAX_BACKOFF_MS = 5_000;

    private final ProcessingTimeService timers;
    private Connection connection;
    private boolean closed;

    IdempotentChangeWriter(SinkOptions options, Mapping mapping, WriterInitContext context)
            throws IOException {
        super(options, mapping, context);
        this.timers = context.getProcessingTimeService();
        createTables();
        maybePurgeTombstones();
        scheduleFlush();
    }

    private void scheduleFlush() {
        if (options.flushIntervalMs() > 0 && !closed) {
            timers.registerTimer(
                    timers.getCurrentProcessingTime() + options.flushIntervalMs(),
                    time -> {
                        // Runs on the task thread, between records.
                        if (!closed) {
                            flushBuffer();
                            scheduleFlush();
                        }
                    });
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        flushBuffer();
    }

    @Override
    void flushBuffer() throws IOException, InterruptedException {
        if (buffer.isEmpty()) {
            return;
        }
        List<RowChange> batch = buffer.drain(id -> false);
        metrics.deferred = 0;
        for (int attempt = 0; ; attempt++) {
            long t0 = System.nanoTime();
            try {
                if (connection == null) {
                    connection = open(false);
                }
                ChangeApplier.Result r = applier.apply(connection, batch);
                connection.commit();
                long nanos = System.nanoTime() - t0;
                metrics.flushed(r, nanos / 1_000_000);
                metrics.lastCommitLatencyMs = nanos / 1_000_000.0;
                break;
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
                if (isConnectionProblem(e)) {
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
                metrics.retries.inc();
                Thread.sleep(backoff);
            }
        }
        maybePurgeTombstones();
    }

    /** Deadlock, lock wait timeout, serialization failure or a lost connection (on MySQL). */
    static boolean isTransient(SQLException e) {
        return io.dbtransfer.dialect.MySqlDialect.INSTANCE.isTransient(e);
    }

    private static boolean isConnectionProblem(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("08");
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
        closed = true;
        MySqlConnections.closeQuietly(connection);
        connection = null;
    }
}
