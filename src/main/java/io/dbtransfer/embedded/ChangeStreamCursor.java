package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.backend.AbstractCursor;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.Document;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A tailing change-stream cursor over the {@link EmulatedOplog}; never exhausted, closed only by
 * {@code killCursors}. A collection-level stream is invalidated, as on mongod, by its collection's
 * {@code drop} or {@code rename}: an {@code invalidate} event follows that event and nothing after
 * it (mongod also closes the cursor; this one stays open and returns empty batches).
 */
final class ChangeStreamCursor extends AbstractCursor {

    /** mongod's default size of a batch when the client asks for none. */
    static final int DEFAULT_BATCH_SIZE = 101;

    private final EmulatedOplog oplog;
    private final ChangeStreamScope scope;
    private final boolean updateLookup;
    private final Aggregation restOfPipeline;

    /** Every entry up to this cluster time has been read (or skipped). */
    private long position;

    /** True once the {@code invalidate} event was returned. */
    private boolean invalidated;

    ChangeStreamCursor(
            long id,
            EmulatedOplog oplog,
            ChangeStreamScope scope,
            boolean updateLookup,
            Aggregation restOfPipeline,
            long position) {
        super(id);
        this.oplog = oplog;
        this.scope = scope;
        this.updateLookup = updateLookup;
        this.restOfPipeline = restOfPipeline;
        this.position = position;
    }

    @Override
    public boolean isEmpty() {
        return false;
    }

    /**
     * The next events after the position, at most {@code limit} (mongod's default if not positive).
     * The position moves past every entry scanned; when the batch is not full it moves to the
     * cluster time taken before the scan, which no later entry can be at or before.
     */
    @Override
    public synchronized List<Document> takeDocuments(int limit) {
        oplog.checkHistoryAvailable(position, scope);
        int batchSize = limit > 0 ? limit : DEFAULT_BATCH_SIZE;
        long end = oplog.currentTime();
        List<Document> batch = new ArrayList<>();
        if (invalidated) {
            position = Math.max(position, end);
            return batch;
        }
        for (OplogEntry entry : oplog.entriesBetween(position, end)) {
            position = entry.time();
            if (!scope.matches(entry)) {
                continue;
            }
            Document event = oplog.toEvent(entry, updateLookup);
            restOfPipeline.runStagesAsStream(Stream.of(event)).forEach(batch::add);
            if (scope.collection() != null
                    && ("drop".equals(entry.operationType())
                            || "rename".equals(entry.operationType()))) {
                batch.add(oplog.invalidateEvent(entry));
                invalidated = true;
                return batch;
            }
            if (batch.size() >= batchSize) {
                return batch;
            }
        }
        position = Math.max(position, end);
        return batch;
    }

    /** The token of the position: what mongod reports as {@code postBatchResumeToken}. */
    synchronized Document postBatchResumeToken() {
        return ResumeToken.of(position);
    }

    ChangeStreamScope scope() {
        return scope;
    }
}
