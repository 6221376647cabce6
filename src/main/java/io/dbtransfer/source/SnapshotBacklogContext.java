package io.dbtransfer.source;

import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.cdc.connectors.base.source.assigner.state.HybridPendingSplitsState;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

/**
 * Tells Flink that the source is processing backlog (FLIP-309) from the enumerator's start until it
 * assigns the stream split, so that {@code execution.checkpointing.interval-during-backlog} paces
 * checkpoints during the snapshot. Flink CDC 3.5.0 reports backlog only in its MySQL connector; the
 * incremental framework the MongoDB source is built on never calls {@link #setIsProcessingBacklog}.
 * Every other call is passed through unchanged.
 *
 * <p>Flink CDC assigns the stream split once every snapshot chunk has finished (at parallelism
 * above 1: after the checkpoint that follows), so the live phase starts at most one backlog
 * interval after the last chunk was read.
 */
final class SnapshotBacklogContext<S extends SourceSplit> implements SplitEnumeratorContext<S> {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotBacklogContext.class);

    private final SplitEnumeratorContext<S> delegate;
    private volatile boolean backlog;

    SnapshotBacklogContext(SplitEnumeratorContext<S> delegate) {
        this.delegate = delegate;
    }

    /**
     * Whether an enumerator restored from {@code checkpoint} is still in its snapshot: only an
     * incremental-source state that has not assigned the stream split is (a stream-only state, or
     * one of another source, is not).
     */
    static boolean inSnapshot(Object checkpoint) {
        return checkpoint instanceof HybridPendingSplitsState
                && !((HybridPendingSplitsState) checkpoint).isStreamSplitAssigned();
    }

    /** Reports backlog until the stream split is assigned. */
    void enterBacklog() {
        setIsProcessingBacklog(true);
        LOG.info("Snapshot phase: reporting backlog until the change stream split is assigned");
    }

    boolean isProcessingBacklog() {
        return backlog;
    }

    @Override
    public void assignSplits(SplitsAssignment<S> newSplitAssignments) {
        delegate.assignSplits(newSplitAssignments);
        if (backlog && containsStreamSplit(newSplitAssignments)) {
            setIsProcessingBacklog(false);
            LOG.info("Change stream split assigned: backlog over, regular checkpoint interval");
        }
    }

    private static boolean containsStreamSplit(SplitsAssignment<?> assignment) {
        for (List<?> splits : assignment.assignment().values()) {
            for (Object s : splits) {
                if (s instanceof SourceSplitBase && ((SourceSplitBase) s).isStreamSplit()) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void setIsProcessingBacklog(boolean isProcessingBacklog) {
        backlog = isProcessingBacklog;
        delegate.setIsProcessingBacklog(isProcessingBacklog);
    }

    @Override
    public SplitEnumeratorMetricGroup metricGroup() {
        return delegate.metricGroup();
    }

    @Override
    public void sendEventToSourceReader(int subtaskId, SourceEvent event) {
        delegate.sendEventToSourceReader(subtaskId, event);
    }

    @Override
    public void sendEventToSourceReader(int subtaskId, int attemptNumber, SourceEvent event) {
        delegate.sendEventToSourceReader(subtaskId, attemptNumber, event);
    }

    @Override
    public int currentParallelism() {
        return delegate.currentParallelism();
    }

    @Override
    public Map<Integer, ReaderInfo> registeredReaders() {
        return delegate.registeredReaders();
    }

    @Override
    public Map<Integer, Map<Integer, ReaderInfo>> registeredReadersOfAttempts() {
        return delegate.registeredReadersOfAttempts();
    }

    @Override
    public void signalNoMoreSplits(int subtask) {
        delegate.signalNoMoreSplits(subtask);
    }

    @Override
    public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {
        delegate.callAsync(callable, handler);
    }

    @Override
    public <T> void callAsync(
            Callable<T> callable,
            BiConsumer<T, Throwable> handler,
            long initialDelayMillis,
            long periodMillis) {
        delegate.callAsync(callable, handler, initialDelayMillis, periodMillis);
    }

    @Override
    public void runInCoordinatorThread(Runnable runnable) {
        delegate.runInCoordinatorThread(runnable);
    }
}
