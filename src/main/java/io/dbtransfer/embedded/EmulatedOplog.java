package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The emulator's oplog: every insert, update, replace, delete, drop and rename with a unique
 * cluster time, read by {@link ChangeStreamCursor}s.
 *
 * <p>Ordering: one clock hands out cluster times, both for entries and for positions that are not
 * entries (a cursor's end of scan, {@code $clusterTime} on replies). It never goes backwards, and
 * an entry appended after a time was handed out gets a greater time. Appending takes the clock
 * lock; reading does not, so a reader may look documents up (taking collection locks) without a
 * lock-order cycle with writers, which call in here while holding their collection's lock.
 */
final class EmulatedOplog implements Oplog {

    static final int CHANGE_STREAM_HISTORY_LOST = 286;

    /** mongod's {@code ChangeStreamFatalError}: a resume point that cannot be resumed from. */
    static final int CHANGE_STREAM_FATAL_ERROR = 280;

    private static final Set<String> UNLOGGED_DATABASES = Set.of("admin", "config", "local");

    private static final Object MISSING = new Object();

    private final ChangeStreamBackend backend;
    private final CursorRegistry cursorRegistry;
    private final Clock wallClock;
    private final ConcurrentSkipListMap<Long, OplogEntry> entries = new ConcurrentSkipListMap<>();
    private final Object clockLock = new Object();

    /** The newest cluster time handed out; guarded by {@link #clockLock}. */
    private long clusterTime;

    /** Positions before this time have lost history (see {@link #expireHistory()}). */
    private volatile long horizon;

    /**
     * Per {@code database.collection}: streams on that collection positioned before this time have
     * lost history (see {@link #expireHistory(String, String)}).
     */
    private final java.util.Map<String, Long> collectionHorizons =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The size cap set by {@link #resize}, in bytes of encoded oplog documents; 0: the default,
     * reported as {@link #DEFAULT_MAX_SIZE} and never enforced. Guarded by {@link #clockLock}.
     */
    private long maxSizeBytes;

    /**
     * The encoded size of the entries: of all of them while a cap is set; without a cap, of those
     * up to {@link #sizedThrough} (collStats adds the newer ones when asked, so every entry is
     * encoded for its size once, not once per collStats). Guarded by {@link #clockLock}.
     */
    private long sizeBytes;

    /**
     * Without a cap: the newest entry counted in {@link #sizeBytes}; guarded by {@link #clockLock}.
     */
    private long sizedThrough = Long.MIN_VALUE;

    /**
     * What {@code collStats} reports as the oplog's maximum size without a cap: mongod's 990 MB.
     */
    static final long DEFAULT_MAX_SIZE = 990L * 1024 * 1024;

    EmulatedOplog(ChangeStreamBackend backend, CursorRegistry cursorRegistry) {
        this.backend = backend;
        this.cursorRegistry = cursorRegistry;
        this.wallClock = backend.getClock();
    }

    /** The newest cluster time handed out, moved up to the wall clock's second if that is later. */
    long currentTime() {
        synchronized (clockLock) {
            clusterTime = Math.max(clusterTime, wallSeconds() << 32);
            return clusterTime;
        }
    }

    /**
     * Drops every entry and moves the horizon to a fresh time, after everything handed out so far:
     * any cursor or token positioned before now fails with error 286 when opened or read.
     */
    void expireHistory() {
        synchronized (clockLock) {
            long newHorizon = tick();
            horizon = newHorizon;
            entries.headMap(newHorizon, true).clear();
            sizeBytes = 0;
            sizedThrough = newHorizon;
        }
    }

    /**
     * Makes every change stream on one collection positioned before now fail with error 286, and
     * leaves the others alone: a fault injection standing in for a collection whose stream fell
     * behind the oplog window while the others kept up (on mongod, which resume points are lost
     * depends on where each stands against the oldest oplog entry). No entry is dropped.
     */
    void expireHistory(String database, String collection) {
        synchronized (clockLock) {
            collectionHorizons.put(database + "." + collection, tick());
        }
    }

    /**
     * Caps the oplog at {@code bytes} of encoded oplog documents, as {@code replSetResizeOplog}
     * does on mongod (without its 990 MB minimum): from now on the oldest entries are dropped when
     * the cap is exceeded, and streams positioned before a dropped entry fail with error 286.
     */
    void resize(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("the oplog size must be positive, got " + bytes);
        }
        synchronized (clockLock) {
            maxSizeBytes = bytes;
            sizeBytes = 0;
            for (OplogEntry entry : entries.values()) {
                sizeBytes += sizeOf(entry);
            }
            trim();
        }
    }

    /** Drops the oldest entries while the cap is exceeded (the newest entry always stays). */
    private void trim() {
        while (maxSizeBytes > 0 && sizeBytes > maxSizeBytes && entries.size() > 1) {
            Map.Entry<Long, OplogEntry> oldest = entries.pollFirstEntry();
            sizeBytes -= sizeOf(oldest.getValue());
            horizon = Math.max(horizon, oldest.getKey());
        }
    }

    /**
     * {@code collStats} of {@code local.oplog.rs} as mongod reports the fields that describe the
     * oplog's capacity: {@code size} (bytes of the entries), {@code count}, {@code maxSize}, {@code
     * capped}.
     */
    Document collStats() {
        long size;
        long max;
        int count;
        synchronized (clockLock) {
            count = entries.size();
            max = maxSizeBytes > 0 ? maxSizeBytes : DEFAULT_MAX_SIZE;
            if (maxSizeBytes == 0 && !entries.isEmpty()) {
                for (OplogEntry entry : entries.tailMap(sizedThrough, false).values()) {
                    sizeBytes += sizeOf(entry);
                }
                sizedThrough = entries.lastKey();
            }
            size = sizeBytes;
        }
        Document reply =
                new Document("ns", "local.oplog.rs")
                        .append("size", size)
                        .append("count", count)
                        .append("storageSize", size)
                        .append("capped", true)
                        .append("max", -1L)
                        .append("maxSize", max);
        Utils.markOkay(reply);
        return reply;
    }

    /** The entries as {@code local.oplog.rs} documents, oldest (or newest) first, at most limit. */
    List<Document> oplogDocuments(boolean newestFirst, int limit) {
        Collection<OplogEntry> ordered =
                newestFirst ? entries.descendingMap().values() : entries.values();
        List<Document> out = new ArrayList<>();
        for (OplogEntry entry : ordered) {
            if (limit > 0 && out.size() >= limit) {
                break;
            }
            out.add(oplogDocument(entry));
        }
        return out;
    }

    /**
     * An entry as mongod's oplog stores it: {@code ts}, {@code t}, {@code v}, {@code op} (i, u, d,
     * c), {@code ns}, {@code o} (the document, the update description, the key or the drop
     * command), {@code o2} (the key of an update or replacement), {@code wall}.
     */
    private static Document oplogDocument(OplogEntry entry) {
        Document d = new Document("ts", new BsonTimestamp(entry.time()));
        d.put("t", 1L);
        d.put("v", 2L);
        String ns = entry.database() + "." + entry.collection();
        switch (entry.operationType()) {
            case "insert":
                d.put("op", "i");
                d.put("ns", ns);
                d.put("o", entry.fullDocument());
                break;
            case "replace":
            case "update":
                d.put("op", "u");
                d.put("ns", ns);
                d.put(
                        "o",
                        entry.fullDocumentBson() != null
                                ? entry.fullDocument()
                                : entry.updateDescription().cloneDeeply());
                d.put("o2", new Document("_id", copy(entry.documentId())));
                break;
            case "delete":
                d.put("op", "d");
                d.put("ns", ns);
                d.put("o", new Document("_id", copy(entry.documentId())));
                break;
            case "rename":
                d.put("op", "c");
                d.put("ns", entry.database() + ".$cmd");
                d.put(
                        "o",
                        new Document("renameCollection", ns)
                                .append("to", entry.to().get("db") + "." + entry.to().get("coll")));
                break;
            default:
                d.put("op", "c");
                d.put("ns", entry.database() + ".$cmd");
                d.put("o", new Document("drop", entry.collection()));
                break;
        }
        d.put("wall", entry.wallTime());
        return d;
    }

    private static long sizeOf(OplogEntry entry) {
        ByteBuf buffer = Unpooled.buffer();
        try {
            FaithfulBsonCodec.encodeDocument(oplogDocument(entry), buffer);
            return buffer.writerIndex();
        } finally {
            buffer.release();
        }
    }

    /** Throws mongod's error 286 if entries after {@code position} were dropped. */
    void checkHistoryAvailable(long position, ChangeStreamScope scope) {
        Long collectionHorizon =
                scope.collection() == null
                        ? null
                        : collectionHorizons.get(scope.database() + "." + scope.collection());
        if (position < horizon || collectionHorizon != null && position < collectionHorizon) {
            throw new MongoServerError(
                    CHANGE_STREAM_HISTORY_LOST,
                    "ChangeStreamHistoryLost",
                    "Resume of change stream was not possible, as the resume point may no longer"
                            + " be in the oplog.");
        }
    }

    /** Entries with {@code after < time <= upTo}, oldest first. */
    Collection<OplogEntry> entriesBetween(long after, long upTo) {
        if (upTo <= after) {
            return List.of();
        }
        return entries.subMap(after, false, upTo, true).values();
    }

    @Override
    public void handleInsert(String namespace, List<Document> documents) {
        String[] ns = split(namespace);
        if (!isLogged(ns)) {
            return;
        }
        MongoCollection<?> collection = existingCollection(ns[0], ns[1]);
        if (collection == null) {
            return;
        }
        for (Document document : documents) {
            Object id = document.get("_id");
            // The server reports every document of a batch, also those it rejected (duplicate
            // key): only the documents it actually stored (the same instances) are logged.
            if (id != null && storedDocument(collection, id) == document) {
                append("insert", ns, copy(id), document, null);
            }
        }
    }

    @Override
    public void handleUpdate(
            String namespace, Document selector, Document update, List<Object> modifiedIds) {
        String[] ns = split(namespace);
        if (!isLogged(ns) || modifiedIds.isEmpty()) {
            return;
        }
        MongoCollection<?> collection = existingCollection(ns[0], ns[1]);
        if (collection == null) {
            return;
        }
        boolean replacement = update.keySet().stream().noneMatch(key -> key.startsWith("$"));
        for (Object id : modifiedIds) {
            // Called inside the collection's (re-entrant) lock: this is the post-image.
            Document postImage = storedDocument(collection, id);
            if (postImage == null) {
                continue;
            }
            if (replacement) {
                append("replace", ns, copy(id), postImage, null);
            } else {
                append("update", ns, copy(id), null, updateDescription(update, postImage));
            }
        }
    }

    @Override
    public void handleDelete(String namespace, Document query, List<Object> deletedIds) {
        String[] ns = split(namespace);
        if (!isLogged(ns)) {
            return;
        }
        for (Object id : deletedIds) {
            append("delete", ns, copy(id), null, null);
        }
    }

    @Override
    public void handleDropCollection(String namespace) {
        String[] ns = split(namespace);
        if (isLogged(ns)) {
            append("drop", ns, null, null, null);
        }
    }

    /**
     * Logs {@code renameCollection} of {@code from} to {@code to} (both {@code db.coll}), as mongod
     * does: one {@code rename} entry on the old namespace naming the new one in {@code to}.
     */
    void handleRenameCollection(String from, String to) {
        String[] ns = split(from);
        String[] target = split(to);
        if (isLogged(ns)) {
            append(
                    "rename",
                    ns,
                    null,
                    null,
                    null,
                    new Document("db", target[0]).append("coll", target[1]));
        }
    }

    /**
     * The {@code invalidate} event mongod sends on a collection-level stream right after its
     * collection's {@code drop} or {@code rename}; the stream returns nothing after it.
     */
    Document invalidateEvent(OplogEntry cause) {
        Document event = new Document("_id", ResumeToken.invalidate(cause.time()));
        event.put("operationType", "invalidate");
        event.put("clusterTime", new BsonTimestamp(cause.time()));
        event.put("wallTime", cause.wallTime());
        return event;
    }

    /**
     * Called by the server's own aggregate path; {@link ChangeStreamBackend} opens streams through
     * {@link #openCursor} itself. {@code db.watch()} arrives here as collection {@code "1"}.
     */
    @Override
    public ChangeStreamCursor createCursor(
            Document changeStream, String namespace, Aggregation restOfPipeline) {
        String[] ns = split(namespace);
        ChangeStreamScope scope;
        if (Utils.isTrue(changeStream.get("allChangesForCluster"))) {
            scope = ChangeStreamScope.cluster();
        } else if ("1".equals(ns[1])) {
            scope = ChangeStreamScope.database(ns[0]);
        } else {
            scope = ChangeStreamScope.collection(ns[0], ns[1]);
        }
        return openCursor(changeStream, scope, restOfPipeline);
    }

    /** Opens and registers a change-stream cursor as mongod positions it. */
    ChangeStreamCursor openCursor(
            Document changeStream, ChangeStreamScope scope, Aggregation restOfPipeline) {
        boolean updateLookup = updateLookup(changeStream);
        Object fullDocumentBeforeChange = changeStream.get("fullDocumentBeforeChange");
        if (fullDocumentBeforeChange != null && !"off".equals(fullDocumentBeforeChange)) {
            throw new MongoServerError(
                    2,
                    "BadValue",
                    "fullDocumentBeforeChange '"
                            + fullDocumentBeforeChange
                            + "' is not supported: the emulator keeps no pre-images");
        }
        long position = startPosition(changeStream);
        checkHistoryAvailable(position, scope);
        OplogEntry invalidateFirst = null;
        Object token =
                changeStream.get("startAfter") != null
                        ? changeStream.get("startAfter")
                        : changeStream.get("resumeAfter");
        if (token != null && ResumeToken.kind(token) == ResumeToken.Kind.EVENT) {
            OplogEntry resumed = entries.get(position);
            if (resumed == null) {
                throw new MongoServerError(
                        CHANGE_STREAM_FATAL_ERROR,
                        "ChangeStreamFatalError",
                        "cannot resume stream; the resume token was not found. " + token);
            }
            if (scope.collection() != null
                    && scope.matches(resumed)
                    && ("drop".equals(resumed.operationType())
                            || "rename".equals(resumed.operationType()))) {
                invalidateFirst = resumed;
            }
        }
        ChangeStreamCursor cursor =
                new ChangeStreamCursor(
                        cursorRegistry.generateCursorId(),
                        this,
                        scope,
                        updateLookup,
                        restOfPipeline,
                        position,
                        invalidateFirst);
        cursorRegistry.add(cursor);
        return cursor;
    }

    /**
     * The position a new stream starts after (exclusive): the token's time for startAfter and
     * resumeAfter, the time just before startAtOperationTime (which is inclusive), else now.
     */
    private long startPosition(Document changeStream) {
        Object startAfter = changeStream.get("startAfter");
        Object resumeAfter = changeStream.get("resumeAfter");
        Object startAt = changeStream.get("startAtOperationTime");
        int given = (startAfter != null ? 1 : 0) + (resumeAfter != null ? 1 : 0);
        given += startAt != null ? 1 : 0;
        if (given > 1) {
            throw new MongoServerError(
                    40674,
                    "Location40674",
                    "Only one type of resume option is allowed, but multiple were found.");
        }
        if (startAfter != null) {
            return ResumeToken.decode(startAfter);
        }
        if (resumeAfter != null) {
            if (ResumeToken.kind(resumeAfter) == ResumeToken.Kind.INVALIDATE) {
                throw new MongoServerError(
                        260,
                        "InvalidResumeToken",
                        "Attempting to resume a change stream using 'resumeAfter' is not allowed"
                                + " from an invalidate notification.");
            }
            return ResumeToken.decode(resumeAfter);
        }
        if (startAt != null) {
            if (!(startAt instanceof BsonTimestamp)) {
                throw new MongoServerError(
                        14, "TypeMismatch", "startAtOperationTime must be a timestamp");
            }
            return ((BsonTimestamp) startAt).getValue() - 1;
        }
        return currentTime();
    }

    private static boolean updateLookup(Document changeStream) {
        Object fullDocument = changeStream.get("fullDocument");
        if (fullDocument == null || "default".equals(fullDocument)) {
            return false;
        }
        if ("updateLookup".equals(fullDocument)) {
            return true;
        }
        throw new MongoServerError(
                2,
                "BadValue",
                "fullDocument '"
                        + fullDocument
                        + "' is not supported by the emulator (only default and updateLookup)");
    }

    /** The change-stream event for an entry, built from private copies. */
    Document toEvent(OplogEntry entry, boolean updateLookup) {
        Document event = new Document("_id", ResumeToken.of(entry.time()));
        event.put("operationType", entry.operationType());
        event.put("clusterTime", new BsonTimestamp(entry.clusterTime()));
        if (entry.txnNumber() != null) {
            event.put("txnNumber", entry.txnNumber());
        }
        event.put("wallTime", entry.wallTime());
        switch (entry.operationType()) {
            case "insert":
            case "replace":
                event.put("fullDocument", entry.fullDocument());
                break;
            case "update":
                if (updateLookup) {
                    // As mongod: the document as it is now, null if it is gone.
                    event.put("fullDocument", lookUp(entry));
                }
                break;
            default:
                break;
        }
        event.put("ns", new Document("db", entry.database()).append("coll", entry.collection()));
        if (entry.documentId() != null) {
            event.put("documentKey", new Document("_id", copy(entry.documentId())));
        }
        if (entry.to() != null) {
            event.put("to", entry.to().cloneDeeply());
        }
        if (entry.updateDescription() != null) {
            event.put("updateDescription", entry.updateDescription().cloneDeeply());
        }
        return event;
    }

    private Document lookUp(OplogEntry entry) {
        MongoCollection<?> collection = existingCollection(entry.database(), entry.collection());
        if (collection == null) {
            return null;
        }
        Document current = storedDocument(collection, entry.documentId());
        return current == null ? null : current.cloneDeeply();
    }

    private void append(
            String operationType,
            String[] ns,
            Object id,
            Document fullDocument,
            Document updateDescription) {
        append(operationType, ns, id, fullDocument, updateDescription, null);
    }

    private void append(
            String operationType,
            String[] ns,
            Object id,
            Document fullDocument,
            Document updateDescription,
            Document to) {
        // Encoded outside the lock (the caller holds the collection's): a private copy.
        byte[] fullDocumentBson = OplogEntry.encode(fullDocument);
        synchronized (clockLock) {
            if (transaction != null) {
                transaction.add(
                        new OplogEntry(
                                0,
                                Instant.ofEpochMilli(wallClock.millis()),
                                operationType,
                                ns[0],
                                ns[1],
                                id,
                                fullDocumentBson,
                                updateDescription,
                                to,
                                0,
                                null));
                return;
            }
            long time = tick();
            OplogEntry entry =
                    new OplogEntry(
                            time,
                            Instant.ofEpochMilli(wallClock.millis()),
                            operationType,
                            ns[0],
                            ns[1],
                            id,
                            fullDocumentBson,
                            updateDescription,
                            to,
                            time,
                            null);
            entries.put(time, entry);
            if (maxSizeBytes > 0) {
                sizeBytes += sizeOf(entry);
                trim();
            }
        }
    }

    /** Entries of the open simulated transaction, or null; guarded by {@link #clockLock}. */
    private List<OplogEntry> transaction;

    /**
     * Opens a simulated multi-document transaction: every write logged until {@link
     * #commitTransaction} (from any connection) joins it. The writes take effect at once; only
     * their log entries wait for the commit.
     */
    void beginTransaction() {
        synchronized (clockLock) {
            if (transaction != null) {
                throw new IllegalStateException("a transaction is already open");
            }
            transaction = new ArrayList<>();
        }
    }

    /**
     * Logs the open transaction's entries as mongod's change streams show a committed one: one
     * {@code clusterTime} for all, {@code txnNumber} on each, in order; each keeps its own oplog
     * position (its resume token), as mongod's tokens carry a {@code txnOpIndex}.
     */
    void commitTransaction(long txnNumber) {
        synchronized (clockLock) {
            if (transaction == null) {
                throw new IllegalStateException("no transaction is open");
            }
            List<OplogEntry> pending = transaction;
            transaction = null;
            long first = 0;
            for (OplogEntry p : pending) {
                long time = tick();
                if (first == 0) {
                    first = time;
                }
                OplogEntry entry =
                        new OplogEntry(
                                time,
                                p.wallTime(),
                                p.operationType(),
                                p.database(),
                                p.collection(),
                                p.documentId(),
                                p.fullDocumentBson(),
                                p.updateDescription(),
                                p.to(),
                                first,
                                txnNumber);
                entries.put(time, entry);
                if (maxSizeBytes > 0) {
                    sizeBytes += sizeOf(entry);
                    trim();
                }
            }
        }
    }

    /** A fresh cluster time, greater than every time handed out before. */
    private long tick() {
        clusterTime = Math.max(clusterTime + 1, (wallSeconds() << 32) | 1);
        return clusterTime;
    }

    private long wallSeconds() {
        return wallClock.millis() / 1000;
    }

    private MongoCollection<?> existingCollection(String database, String collection) {
        return backend.existingCollection(database, collection);
    }

    /** The stored instance with this {@code _id} (found through the unique index), or null. */
    static Document storedDocument(MongoCollection<?> collection, Object id) {
        for (Document document : collection.handleQuery(new Document("_id", id), 0, 1)) {
            return document;
        }
        return null;
    }

    /**
     * updatedFields / removedFields as mongod reports them: each {@code $set}-like path with its
     * value in the post-image, each {@code $unset} path; positional paths ({@code a.$.b}) are
     * reported as their prefix before the first positional element.
     */
    static Document updateDescription(Document update, Document postImage) {
        Document updatedFields = new Document();
        List<String> removedFields = new ArrayList<>();
        for (Map.Entry<String, Object> operator : update.entrySet()) {
            if (!(operator.getValue() instanceof Document)) {
                continue;
            }
            Document spec = (Document) operator.getValue();
            switch (operator.getKey()) {
                case "$unset":
                    for (String path : spec.keySet()) {
                        String field = withoutPositional(path);
                        if (!field.isEmpty() && !removedFields.contains(field)) {
                            removedFields.add(field);
                        }
                    }
                    break;
                case "$rename":
                    for (Map.Entry<String, Object> rename : spec.entrySet()) {
                        removedFields.add(rename.getKey());
                        putUpdated(updatedFields, postImage, String.valueOf(rename.getValue()));
                    }
                    break;
                case "$setOnInsert":
                    break;
                default:
                    for (String path : spec.keySet()) {
                        putUpdated(updatedFields, postImage, path);
                    }
                    break;
            }
        }
        return new Document("updatedFields", updatedFields)
                .append("removedFields", removedFields)
                .append("truncatedArrays", new ArrayList<>());
    }

    private static void putUpdated(Document updatedFields, Document postImage, String path) {
        String field = withoutPositional(path);
        if (field.isEmpty()) {
            return;
        }
        Object value = valueAt(postImage, field);
        if (value != MISSING) {
            updatedFields.put(field, copy(value));
        }
    }

    private static String withoutPositional(String path) {
        StringBuilder prefix = new StringBuilder();
        for (String part : path.split("\\.")) {
            if (part.startsWith("$")) {
                break;
            }
            if (prefix.length() > 0) {
                prefix.append('.');
            }
            prefix.append(part);
        }
        return prefix.toString();
    }

    private static Object valueAt(Document document, String path) {
        Object current = document;
        for (String part : path.split("\\.")) {
            if (current instanceof Document) {
                Document parent = (Document) current;
                if (!parent.containsKey(part)) {
                    return MISSING;
                }
                current = parent.get(part);
            } else if (current instanceof List && part.chars().allMatch(Character::isDigit)) {
                List<?> list = (List<?>) current;
                int index = Integer.parseInt(part);
                if (index >= list.size()) {
                    return MISSING;
                }
                current = list.get(index);
            } else {
                return MISSING;
            }
        }
        return current;
    }

    /** A deep copy of any BSON value. */
    static Object copy(Object value) {
        return new Document("v", value).cloneDeeply().get("v");
    }

    private static String[] split(String namespace) {
        int dot = namespace.indexOf('.');
        if (dot < 0) {
            return new String[] {namespace, ""};
        }
        return new String[] {namespace.substring(0, dot), namespace.substring(dot + 1)};
    }

    private static boolean isLogged(String[] ns) {
        return !UNLOGGED_DATABASES.contains(ns[0]) && !ns[1].startsWith("system.");
    }
}
