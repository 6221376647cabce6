package io.dbtransfer.source;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.mongodb.source.offset.ChangeStreamOffset;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.runtime.execution.SuppressRestartsException;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Wraps the CDC source so that a failure that no restart can fix — the resume point gone from the
 * oplog — fails the job once with {@link ResumePointExpiredException} instead of restarting from
 * the same checkpoint forever; and reports the snapshot phase as backlog ({@link
 * SnapshotBacklogContext}), so that checkpoints follow {@code
 * execution.checkpointing.interval-during-backlog} until the change stream starts; and stops the
 * job once, with {@link CollectionGoneException}, when the collection is dropped or renamed ({@link
 * CollectionWatch}: Flink CDC 3.5 logs such events and carries on). Everything else is passed
 * through unchanged.
 */
public final class GuardedSource<T, S extends SourceSplit, E>
        implements Source<T, S, E>, ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;

    private final Source<T, S, E> delegate;
    private final TypeInformation<T> type;
    private final SourceMetrics.Spec metrics;
    private final CollectionWatch.Spec watch;

    public GuardedSource(Source<T, S, E> delegate, TypeInformation<T> type) {
        this(delegate, type, null, null);
    }

    /**
     * A guarded source whose readers report {@link SourceMetrics} (null: none) and watch the
     * collection for drop and rename (null: not watched).
     */
    GuardedSource(
            Source<T, S, E> delegate,
            TypeInformation<T> type,
            SourceMetrics.Spec metrics,
            CollectionWatch.Spec watch) {
        this.delegate = delegate;
        this.type = type;
        this.metrics = metrics;
        this.watch = watch;
    }

    @Override
    public Boundedness getBoundedness() {
        return delegate.getBoundedness();
    }

    @Override
    public SourceReader<T, S> createReader(SourceReaderContext context) throws Exception {
        return new GuardedReader<>(
                delegate.createReader(context),
                metrics == null ? null : new SourceMetrics(metrics, context),
                watch == null ? null : new CollectionWatch(watch));
    }

    @Override
    public SplitEnumerator<S, E> createEnumerator(SplitEnumeratorContext<S> context)
            throws Exception {
        SnapshotBacklogContext<S> backlog = new SnapshotBacklogContext<>(context);
        SplitEnumerator<S, E> enumerator = delegate.createEnumerator(backlog);
        backlog.enterBacklog();
        return enumerator;
    }

    @Override
    public SplitEnumerator<S, E> restoreEnumerator(SplitEnumeratorContext<S> context, E checkpoint)
            throws Exception {
        SnapshotBacklogContext<S> backlog = new SnapshotBacklogContext<>(context);
        SplitEnumerator<S, E> enumerator = delegate.restoreEnumerator(backlog, checkpoint);
        if (SnapshotBacklogContext.inSnapshot(checkpoint)) {
            backlog.enterBacklog();
        }
        return enumerator;
    }

    @Override
    public SimpleVersionedSerializer<S> getSplitSerializer() {
        return delegate.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<E> getEnumeratorCheckpointSerializer() {
        return delegate.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return type;
    }

    /**
     * Passes every call through; turns "history lost" and a dropped or renamed collection into a
     * failure without restarts.
     */
    static final class GuardedReader<T, S extends SourceSplit> implements SourceReader<T, S> {
        private final SourceReader<T, S> reader;
        private final SourceMetrics metrics;
        private final CollectionWatch watch;

        GuardedReader(SourceReader<T, S> reader) {
            this(reader, null, null);
        }

        GuardedReader(SourceReader<T, S> reader, SourceMetrics metrics, CollectionWatch watch) {
            this.reader = reader;
            this.metrics = metrics;
            this.watch = watch;
        }

        @Override
        public void start() {
            reader.start();
        }

        @Override
        public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
            CollectionGoneException gone = watch == null ? null : watch.gone().getNow(null);
            if (gone != null) {
                if (metrics != null) {
                    metrics.failed();
                }
                throw new SuppressRestartsException(gone);
            }
            try {
                return reader.pollNext(output);
            } catch (Exception e) {
                if (metrics != null) {
                    metrics.failed();
                }
                throw classify(e, watch == null ? null : watch.collection());
            }
        }

        static Exception classify(Exception e) {
            return classify(e, null);
        }

        /** As above, naming the collection whose stream failed ({@code null}: unknown). */
        static Exception classify(Exception e, String collection) {
            if (ResumePointExpiredException.isHistoryLost(e)) {
                return new SuppressRestartsException(
                        new ResumePointExpiredException(collection, e));
            }
            return e;
        }

        @Override
        public List<S> snapshotState(long checkpointId) {
            List<S> splits = reader.snapshotState(checkpointId);
            if (metrics != null) {
                metrics.checkpointed(splits);
            }
            return splits;
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            CompletableFuture<Void> available = reader.isAvailable();
            if (watch == null) {
                return available;
            }
            // An idle reader is polled again when the watch reports, so that the job stops.
            return available.applyToEither(watch.gone().thenApply(g -> null), v -> null);
        }

        @Override
        public void addSplits(List<S> splits) {
            if (metrics != null) {
                metrics.splitsAdded(splits);
            }
            if (watch != null) {
                for (S split : splits) {
                    if (split instanceof SourceSplitBase
                            && ((SourceSplitBase) split).isStreamSplit()) {
                        ChangeStreamOffset start =
                                new ChangeStreamOffset(
                                        ((SourceSplitBase) split)
                                                .asStreamSplit()
                                                .getStartingOffset()
                                                .getOffset());
                        watch.start(start.getResumeToken(), start.getTimestamp());
                    }
                }
            }
            reader.addSplits(splits);
        }

        @Override
        public void notifyNoMoreSplits() {
            reader.notifyNoMoreSplits();
        }

        @Override
        public void handleSourceEvents(SourceEvent sourceEvent) {
            reader.handleSourceEvents(sourceEvent);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            reader.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void notifyCheckpointAborted(long checkpointId) throws Exception {
            reader.notifyCheckpointAborted(checkpointId);
        }

        @Override
        public void pauseOrResumeSplits(
                Collection<String> splitsToPause, Collection<String> splitsToResume) {
            reader.pauseOrResumeSplits(splitsToPause, splitsToResume);
        }

        @Override
        public void close() throws Exception {
            if (watch != null) {
                watch.close();
            }
            if (metrics != null) {
                metrics.close();
            }
            reader.close();
        }
    }
}
