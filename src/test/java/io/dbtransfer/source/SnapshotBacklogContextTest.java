package io.dbtransfer.source;

import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.cdc.connectors.base.source.assigner.state.HybridPendingSplitsState;
import org.apache.flink.cdc.connectors.base.source.meta.split.SnapshotSplit;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplit;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;

import io.debezium.relational.TableId;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SnapshotBacklogContext}: backlog from the enumerator's start while snapshot chunks are
 * assigned, over with the stream split; a restore is in the snapshot only when its state has not
 * assigned the stream split.
 */
class SnapshotBacklogContextTest {

    /** Records what the wrapped context passes on to Flink. */
    private static final class Recording implements SplitEnumeratorContext<SourceSplitBase> {
        final List<Boolean> backlog = new ArrayList<>();
        final List<SplitsAssignment<SourceSplitBase>> assigned = new ArrayList<>();

        @Override
        public void setIsProcessingBacklog(boolean isProcessingBacklog) {
            backlog.add(isProcessingBacklog);
        }

        @Override
        public void assignSplits(SplitsAssignment<SourceSplitBase> newSplitAssignments) {
            assigned.add(newSplitAssignments);
        }

        @Override
        public SplitEnumeratorMetricGroup metricGroup() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void sendEventToSourceReader(int subtaskId, SourceEvent event) {}

        @Override
        public int currentParallelism() {
            return 2;
        }

        @Override
        public Map<Integer, ReaderInfo> registeredReaders() {
            return Map.of();
        }

        @Override
        public void signalNoMoreSplits(int subtask) {}

        @Override
        public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {}

        @Override
        public <T> void callAsync(
                Callable<T> callable, BiConsumer<T, Throwable> handler, long delay, long period) {}

        @Override
        public void runInCoordinatorThread(Runnable runnable) {}
    }

    private static SourceSplitBase chunk(int id) {
        return new SnapshotSplit(
                new TableId("db", null, "reviews"), id, null, null, null, null, Map.of());
    }

    private static SourceSplitBase stream() {
        return new StreamSplit("stream-split", null, null, List.of(), Map.of(), 0);
    }

    @Test
    void backlogLastsFromTheStartUntilTheStreamSplitIsAssigned() {
        Recording flink = new Recording();
        SnapshotBacklogContext<SourceSplitBase> ctx = new SnapshotBacklogContext<>(flink);
        ctx.enterBacklog();
        ctx.assignSplit(chunk(0), 0);
        ctx.assignSplit(chunk(1), 1);
        assertThat(flink.backlog).containsExactly(true);
        assertThat(ctx.isProcessingBacklog()).isTrue();
        ctx.assignSplit(stream(), 0);
        assertThat(flink.backlog).containsExactly(true, false);
        assertThat(ctx.isProcessingBacklog()).isFalse();
        // Every split reached Flink, in order; a stream split handed out again changes nothing.
        ctx.assignSplit(stream(), 1);
        assertThat(flink.assigned).hasSize(4);
        assertThat(flink.backlog).containsExactly(true, false);
    }

    @Test
    void onlyARestoredStateWithoutTheStreamSplitIsStillInTheSnapshot() {
        assertThat(SnapshotBacklogContext.inSnapshot(new HybridPendingSplitsState(null, false)))
                .isTrue();
        assertThat(SnapshotBacklogContext.inSnapshot(new HybridPendingSplitsState(null, true)))
                .isFalse();
        assertThat(SnapshotBacklogContext.inSnapshot("some other source's state")).isFalse();
        assertThat(SnapshotBacklogContext.inSnapshot(null)).isFalse();
    }
}
