package io.dbtransfer.source;

import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.model.SourceVersion;

import com.mongodb.client.ChangeStreamIterable;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Watches the database of one collection, from the stream split's start, for the events Flink CDC
 * 3.5 logs and ignores ({@code drop}, {@code rename}, {@code dropDatabase}; a collection-level
 * stream's {@code invalidate} follows them) and completes {@link #gone()} with the first that
 * concerns the collection.
 */
final class CollectionWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CollectionWatch.class);

    /** Pause between two empty polls (mongod already waits in getMore; the emulator does not). */
    private static final long IDLE_MILLIS = 200;

    private static final long RETRY_MILLIS = 5000;

    /** Where the collection lives and how to reach it. */
    static final class Spec implements Serializable {
        private static final long serialVersionUID = 1L;
        final String database;
        final String collection;
        final String mongoUri;
        final String mongoPassword;

        Spec(String database, String collection, String mongoUri, String mongoPassword) {
            this.database = database;
            this.collection = collection;
            this.mongoUri = mongoUri;
            this.mongoPassword = mongoPassword;
        }

        @Override
        public String toString() {
            return "CollectionWatch.Spec{" + database + "." + collection + "}";
        }
    }

    private final Spec spec;

    /** The watched collection's name. */
    String collection() {
        return spec.collection;
    }

    private final CompletableFuture<CollectionGoneException> gone = new CompletableFuture<>();
    private volatile boolean closed;
    private Thread thread;

    /** Resume position: the last token seen, else the start time; touched by the thread only. */
    private BsonDocument token;

    private BsonTimestamp startAt;

    CollectionWatch(Spec spec) {
        this.spec = spec;
    }

    /** Starts watching after {@code resumeToken}, or at {@code startAtOperationTime}. */
    synchronized void start(BsonDocument resumeToken, BsonTimestamp startAtOperationTime) {
        if (thread != null) {
            return;
        }
        this.token = resumeToken;
        this.startAt = startAtOperationTime;
        thread = new Thread(this::run, "dbtransfer-collection-watch-" + spec.collection);
        thread.setDaemon(true);
        thread.start();
    }

    /** Completes with the first drop or rename of the collection. */
    CompletableFuture<CollectionGoneException> gone() {
        return gone;
    }

    private void run() {
        while (!closed && !gone.isDone()) {
            try (MongoClient client =
                    MongoConnections.open(spec.mongoUri, spec.mongoPassword, 10)) {
                ChangeStreamIterable<Document> stream =
                        client.getDatabase(spec.database)
                                .watch(
                                        List.of(
                                                Aggregates.match(
                                                        Filters.in(
                                                                "operationType",
                                                                List.of(
                                                                        "drop",
                                                                        "rename",
                                                                        "dropDatabase")))))
                                .maxAwaitTime(500, TimeUnit.MILLISECONDS);
                if (token != null) {
                    stream = stream.startAfter(token);
                } else if (startAt != null) {
                    stream = stream.startAtOperationTime(startAt);
                }
                try (MongoChangeStreamCursor<BsonDocument> cursor =
                        (MongoChangeStreamCursor<BsonDocument>)
                                stream.withDocumentClass(BsonDocument.class).cursor()) {
                    while (!closed) {
                        BsonDocument event = cursor.tryNext();
                        BsonDocument position = cursor.getResumeToken();
                        if (position != null) {
                            token = position;
                        }
                        if (event == null) {
                            Thread.sleep(IDLE_MILLIS);
                            continue;
                        }
                        CollectionGoneException found = concerning(event);
                        if (found != null) {
                            LOG.error(found.getMessage());
                            gone.complete(found);
                            return;
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.warn(
                        "Watching {}.{} for drop and rename failed (retrying in {} s): {}",
                        spec.database,
                        spec.collection,
                        RETRY_MILLIS / 1000,
                        e.toString());
                try {
                    Thread.sleep(RETRY_MILLIS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The stop for an event on the watched collection (or its database); null for others. */
    CollectionGoneException concerning(BsonDocument event) {
        String operation = event.getString("operationType").getValue();
        BsonDocument ns = event.getDocument("ns", new BsonDocument());
        if (!spec.database.equals(text(ns.get("db")))) {
            return null;
        }
        if (!"dropDatabase".equals(operation) && !spec.collection.equals(text(ns.get("coll")))) {
            return null;
        }
        String renamedTo = null;
        if (event.isDocument("to")) {
            BsonDocument to = event.getDocument("to");
            renamedTo = text(to.get("db")) + "." + text(to.get("coll"));
        }
        BsonTimestamp ts = event.getTimestamp("clusterTime", new BsonTimestamp(0, 0));
        long clusterTime = SourceVersion.of(ts.getTime() & 0xFFFFFFFFL, ts.getInc() & 0xFFFFFFFFL);
        return new CollectionGoneException(
                spec.database, spec.collection, operation, renamedTo, clusterTime);
    }

    private static String text(BsonValue v) {
        return v != null && v.isString() ? v.asString().getValue() : null;
    }

    @Override
    public void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
        }
    }
}
