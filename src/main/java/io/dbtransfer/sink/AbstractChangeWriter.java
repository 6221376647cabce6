package io.dbtransfer.sink;

import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.RowChange;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/** What both writers share: validation, buffering, table creation, tombstone purging. */
abstract class AbstractChangeWriter implements SinkWriter<RowChange> {

    private static final Logger LOG = LoggerFactory.getLogger(AbstractChangeWriter.class);

    /** Subtask 0 purges old tombstones at most this often. */
    static final long PURGE_INTERVAL_MS = 10 * 60 * 1000;

    private static final int PURGE_CHUNK = 10_000;

    final SinkOptions options;
    final Mapping mapping;
    final TargetDialect dialect;
    final ChangeApplier applier;
    final ChangeBuffer buffer = new ChangeBuffer();
    final WriterMetrics metrics;
    final int subtask;
    final int parallelism;

    /** Copies inputs when Flink reuses objects (we keep them until a flush). */
    private final TypeSerializer<RowChange> copier;

    private long lastPurge;

    AbstractChangeWriter(SinkOptions options, Mapping mapping, WriterInitContext context) {
        this.options = options;
        this.mapping = mapping;
        this.dialect = TargetDialect.of(options.targetType());
        this.applier = new ChangeApplier(mapping, dialect);
        this.metrics = new WriterMetrics(context.metricGroup());
        this.subtask = context.getTaskInfo().getIndexOfThisSubtask();
        this.parallelism = context.getTaskInfo().getNumberOfParallelSubtasks();
        this.copier = context.isObjectReuseEnabled() ? context.createInputSerializer() : null;
    }

    @Override
    public void write(RowChange element, Context context) throws IOException, InterruptedException {
        applier.validate(element);
        metrics.recordsIn.inc();
        if (buffer.add(own(element))) {
            metrics.recordsCollapsed.inc();
        }
        if (buffer.addedSinceDrain() >= options.batchSize()) {
            flushBuffer();
        }
    }

    /** The element itself, or a copy when Flink reuses objects (we keep it until a flush). */
    RowChange own(RowChange element) {
        return copier == null ? element : copier.copy(element);
    }

    /** Writes what can be written of the buffer. */
    abstract void flushBuffer() throws IOException, InterruptedException;

    Connection open(boolean autoCommit) throws SQLException {
        return MySqlConnections.open(
                options.jdbcUrl(), options.username(), options.password(), autoCommit);
    }

    /** Creates missing tables on its own autocommit connection. */
    void createTables() throws IOException {
        try (Connection conn = open(true)) {
            SchemaManager.createTables(conn, mapping, dialect);
        } catch (SQLException e) {
            throw new IOException(
                    dialect.productName() + " sink could not prepare its tables: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Subtask 0 deletes tombstones older than the retention, at most every {@link
     * #PURGE_INTERVAL_MS}, on its own connection with a 1 s lock wait: a tombstone locked by a
     * prepared branch is left for the next round instead of stalling the writer.
     */
    void maybePurgeTombstones() {
        long retention = options.tombstoneRetentionMs();
        long now = System.currentTimeMillis();
        if (subtask != 0
                || retention == 0
                || now - lastPurge < Math.min(PURGE_INTERVAL_MS, retention)) {
            return;
        }
        lastPurge = now;
        long purged = 0;
        try (Connection conn = open(true)) {
            try (Statement s = conn.createStatement()) {
                s.execute(dialect.lockTimeout(1));
            }
            try (PreparedStatement ps =
                    conn.prepareStatement(dialect.tombstonePurge(PURGE_CHUNK))) {
                ps.setLong(1, retention / 1000);
                int n;
                do {
                    n = ps.executeUpdate();
                    purged += n;
                } while (n == PURGE_CHUNK);
            }
        } catch (SQLException e) {
            LOG.warn("Purging tombstones failed; will try again later: {}", e.getMessage());
        }
        metrics.tombstonesPurged.inc(purged);
        if (purged > 0) {
            LOG.info("Purged {} tombstones older than {} ms", purged, retention);
        }
    }
}
