package io.dbtransfer.sink;

import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.RowChange;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * At-least-once writer whose replays are harmless: one local transaction per flush, flushed at
 * batch size, on a processing-time timer and before every checkpoint barrier. After a restore,
 * replayed changes meet the version guard and the tombstones, so an older change never overwrites a
 * newer row nor resurrects a deleted one.
 *
 * <p>Snapshot-phase changes ({@link RowChange#snapshot}) are not written here: they are held until
 * the barrier and handed to {@link IdempotentCommitter}, which applies them once the checkpoint
 * completed. A chunk whose read was not covered by a completed checkpoint is read again after a
 * failure, and a document deleted between the two reads is named by neither the re-read nor the
 * stream; had its first read been written, its row would stay for good.
 */
final class IdempotentChangeWriter extends AbstractChangeWriter
        implements CommittingSinkWriter<RowChange, HeldSnapshotChanges> {

    private final ProcessingTimeService timers;
    private final LocalTransactionApplier transactions;
    private final ChangeBuffer heldSnapshot = new ChangeBuffer();
    private boolean closed;

    IdempotentChangeWriter(SinkOptions options, Mapping mapping, WriterInitContext context)
            throws IOException {
        super(options, mapping, context);
        this.timers = context.getProcessingTimeService();
        this.transactions = new LocalTransactionApplier(options, dialect, applier);
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
    public void write(RowChange element, Context context) throws IOException, InterruptedException {
        if (!element.snapshot) {
            super.write(element, context);
            return;
        }
        applier.validate(element);
        metrics.recordsIn.inc();
        if (heldSnapshot.add(own(element))) {
            metrics.recordsCollapsed.inc();
        }
        metrics.deferred = heldSnapshot.size();
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
        long t0 = System.nanoTime();
        ChangeApplier.Result r = transactions.apply(batch, metrics.retries::inc);
        long nanos = System.nanoTime() - t0;
        metrics.flushed(r, nanos / 1_000_000);
        metrics.lastCommitLatencyMs = nanos / 1_000_000.0;
        maybePurgeTombstones();
    }

    /** The held snapshot-phase changes, in batches of at most {@code sink.batch-size}. */
    @Override
    public Collection<HeldSnapshotChanges> prepareCommit() {
        List<RowChange> held = heldSnapshot.drain(id -> false);
        metrics.deferred = 0;
        List<HeldSnapshotChanges> out = new ArrayList<>();
        int size = Math.max(1, options.batchSize());
        for (int i = 0; i < held.size(); i += size) {
            out.add(
                    new HeldSnapshotChanges(
                            new ArrayList<>(held.subList(i, Math.min(held.size(), i + size)))));
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
        transactions.close();
    }
}
