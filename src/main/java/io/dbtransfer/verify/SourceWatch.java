package io.dbtransfer.verify;

import io.dbtransfer.hashing.KeyTexts;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.RoutingKey;
import io.dbtransfer.model.SourceVersion;

import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.Document;

import java.util.HashSet;
import java.util.Set;

/**
 * Watches the source database's change stream for {@code cutover} (a thread of its own): the last
 * change of a mapped collection and when it was seen, and the keys changed after a given version.
 */
public final class SourceWatch implements Runnable, AutoCloseable {

    /** Most keys remembered as changed after the covered point. */
    public static final int MAX_LATER_KEYS = 1_000_000;

    private final MongoDatabase database;
    private final Mapping mapping;
    private final long startAt;
    private final long coveredUpTo;
    private final Set<String> changedLater = new HashSet<>();
    private volatile boolean stopped;
    private volatile Thread thread;
    private long changes;
    private long lastVersionUpToCovered;
    private long lastChangeNanos;
    private boolean laterKeysOverflowed;
    private RuntimeException failure;

    /**
     * @param startAt version to start the stream at (inclusive)
     * @param coveredUpTo changes with a version above it are remembered by key ({@code -1}: all
     *     changes count as covered)
     */
    public SourceWatch(MongoDatabase database, Mapping mapping, long startAt, long coveredUpTo) {
        this.database = database;
        this.mapping = mapping;
        this.startAt = startAt;
        this.coveredUpTo = coveredUpTo;
        this.lastChangeNanos = System.nanoTime();
    }

    /** Starts watching on a daemon thread. */
    public SourceWatch start() {
        Thread t = new Thread(this, "dbtransfer-cutover-watch");
        t.setDaemon(true);
        thread = t;
        t.start();
        return this;
    }

    @Override
    public void run() {
        BsonTimestamp from =
                new BsonTimestamp(
                        (int) SourceVersion.seconds(startAt),
                        (int) SourceVersion.increment(startAt));
        try (MongoChangeStreamCursor<ChangeStreamDocument<Document>> cursor =
                database.watch().startAtOperationTime(from).cursor()) {
            while (!stopped) {
                ChangeStreamDocument<Document> event = cursor.tryNext();
                if (event != null) {
                    seen(event);
                } else {
                    // A server without an awaiting getMore would otherwise spin this thread.
                    Thread.sleep(20);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (!stopped) {
                synchronized (this) {
                    failure = e;
                }
            }
        }
    }

    private void seen(ChangeStreamDocument<Document> event) {
        String collection =
                event.getNamespace() == null ? null : event.getNamespace().getCollectionName();
        TableSpec table = collection == null ? null : mapping.tableFor(collection);
        BsonTimestamp time = event.getClusterTime();
        if (table == null || time == null) {
            return;
        }
        long version = SourceVersion.of(time.getTime() & 0xFFFFFFFFL, time.getInc() & 0xFFFFFFFFL);
        BsonDocument key = event.getDocumentKey();
        BsonValue id = key == null ? null : key.get("_id");
        synchronized (this) {
            changes++;
            lastChangeNanos = System.nanoTime();
            if (coveredUpTo == -1 || SourceVersion.compare(version, coveredUpTo) <= 0) {
                if (SourceVersion.compare(version, lastVersionUpToCovered) > 0) {
                    lastVersionUpToCovered = version;
                }
            } else if (id != null) {
                if (changedLater.size() < MAX_LATER_KEYS) {
                    ColumnType keyType = table.columns.get(0).type;
                    String text =
                            KeyTexts.keyText(
                                    RoutingKey.of(collection, CanonicalValues.canonicalJson(id)),
                                    keyType);
                    if (text != null) {
                        changedLater.add(collection + '\u0000' + text);
                    }
                } else {
                    laterKeysOverflowed = true;
                }
            }
        }
    }

    /** Changes of mapped collections seen so far. */
    public synchronized long changes() {
        check();
        return changes;
    }

    /** Version of the last change seen up to the covered point; 0 when none was seen. */
    public synchronized long lastCoveredChange() {
        check();
        return lastVersionUpToCovered;
    }

    /** Milliseconds since the last change (or since the watch began, when there was none). */
    public synchronized long quietMillis() {
        check();
        return (System.nanoTime() - lastChangeNanos) / 1_000_000;
    }

    /** Whether {@code key} of {@code collection} changed after the covered point. */
    public synchronized boolean changedLater(String collection, String key) {
        return changedLater.contains(collection + '\u0000' + key);
    }

    /** True when more keys changed after the covered point than {@value #MAX_LATER_KEYS}. */
    public synchronized boolean laterKeysOverflowed() {
        return laterKeysOverflowed;
    }

    /** Keys remembered as changed after the covered point. */
    public synchronized int changedLaterCount() {
        return changedLater.size();
    }

    private void check() {
        if (failure != null) {
            throw new ConfigException(
                    "mongo.uri: watching the change stream of database '"
                            + database.getName()
                            + "' failed: "
                            + failure.getMessage()
                            + ". cutover needs a replica set (change streams) and the"
                            + " changeStream and find privileges on the database.",
                    failure);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        Thread t = thread;
        if (t != null) {
            t.join(5000);
        }
    }
}
