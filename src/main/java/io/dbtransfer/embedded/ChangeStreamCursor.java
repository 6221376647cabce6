package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.backend.AbstractCursor;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A tailing change-stream cursor over the {@link EmulatedOplog}; never exhausted, closed only by
 * {@code killCursors}. A collection-level stream is invalidated, as on mongod, by its collection's
 * {@code drop} or {@code rename}: an {@code invalidate} event follows that event and nothing after
 * it (mongod also closes the cursor; this one stays open and returns empty batches). A stream
 * resumed right after such a drop or rename starts with that {@code invalidate}.
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

    /** The drop or rename whose {@code invalidate} comes first (the stream resumed after it). */
    private OplogEntry invalidateFirst;

    /**
     * The token of the last event returned when its batch was full, as mongod's {@code
     * postBatchResumeToken} then is; {@code null} when the last batch read all there was.
     */
    private Document lastTokenOfFullBatch;

    ChangeStreamCursor(
            long id,
            EmulatedOplog oplog,
            ChangeStreamScope scope,
            boolean updateLookup,
            Aggregation restOfPipeline,
            long position,
            OplogEntry invalidateFirst) {
        super(id);
        this.oplog = oplog;
        this.scope = scope;
        this.updateLookup = updateLookup;
        this.restOfPipeline = restOfPipeline;
        this.position = position;
        this.invalidateFirst = invalidateFirst;
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
        lastTokenOfFullBatch = null;
        if (invalidateFirst != null) {
            batch.add(oplog.invalidateEvent(invalidateFirst));
            invalidateFirst = null;
            invalidated = true;
            lastTokenOfFullBatch = (Document) batch.get(0).get("_id");
            return batch;
        }
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
            Object token = event.get("_id");
            restOfPipeline
                    .runStagesAsStream(Stream.of(event))
                    .forEach(
                            out -> {
                                checkTokenKept(token, out);
                                batch.add(out);
                            });
            if (scope.collection() != null
                    && ("drop".equals(entry.operationType())
                            || "rename".equals(entry.operationType()))) {
                Document invalidate = oplog.invalidateEvent(entry);
                batch.add(invalidate);
                invalidated = true;
                lastTokenOfFullBatch = (Document) invalidate.get("_id");
                return batch;
            }
            if (batch.size() >= batchSize) {
                lastTokenOfFullBatch = ResumeToken.of(entry.time());
                return batch;
            }
        }
        position = Math.max(position, end);
        return batch;
    }

    /**
     * As mongod: the rest of the pipeline may reshape an event but not its {@code _id}, the token a
     * stream resumes from.
     */
    private static void checkTokenKept(Object token, Document out) {
        if (!Objects.equals(token, out.get("_id"))) {
            throw new MongoServerError(
                    EmulatedOplog.CHANGE_STREAM_FATAL_ERROR,
                    "ChangeStreamFatalError",
                    "Encountered an event whose _id field, which contains the resume token, was"
                            + " modified by the pipeline. Modifying the _id field of an event"
                            + " makes it impossible to resume the stream from that point. Only"
                            + " transformations that retain the unmodified _id field are"
                            + " allowed.");
        }
    }

    /**
     * What mongod reports as {@code postBatchResumeToken}: the last event's token after a full
     * batch, else a high-water mark at the position.
     */
    synchronized Document postBatchResumeToken() {
        return lastTokenOfFullBatch != null
                ? lastTokenOfFullBatch
                : ResumeToken.highWaterMark(position);
    }

    ChangeStreamScope scope() {
        return scope;
    }
}
