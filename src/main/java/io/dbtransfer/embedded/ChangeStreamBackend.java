package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Cursor;
import de.bwaldvogel.mongo.backend.InMemoryCursor;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.MaxKey;
import de.bwaldvogel.mongo.bson.MinKey;
import de.bwaldvogel.mongo.exception.CursorNotFoundException;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.oplog.Oplog;
import de.bwaldvogel.mongo.wire.message.MongoQuery;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * mongo-java-server's memory backend plus what Flink CDC's MongoDB source needs from a replica set:
 * change streams, {@code splitVector}, {@code find} with {@code min}/{@code max}, cluster times.
 *
 * <p>Thread safety: every command runs under this backend's lock, one at a time, and every reply is
 * a deep copy, so netty encodes documents no other command can change. No command blocks (a
 * change-stream {@code getMore} answers at once, empty or not), so the lock is never held long. The
 * serialization also keeps the oplog in commit order: an insert is logged before the next command
 * can touch the inserted document.
 */
final class ChangeStreamBackend extends MemoryBackend {

    private static final int DEFAULT_FIND_BATCH_SIZE = 101;
    private static final String ID = "_id";

    /** SCRAM-SHA-256 authentication and its enforcement; null when access control is off. */
    private final ScramSha256Server auth;

    /** The roles of the one user of {@link #auth}; enforced for find and change streams. */
    private final List<EmulatedRole> roles;

    /** A backend without access control. */
    ChangeStreamBackend() {
        this(null, List.of());
    }

    /**
     * A backend that requires every connection to authenticate through {@code auth}, as a user
     * holding {@code roles}.
     */
    ChangeStreamBackend(ScramSha256Server auth, List<EmulatedRole> roles) {
        this.auth = auth;
        this.roles = List.copyOf(roles);
    }

    /** Documents read from storage by queries, over all collections (see IdIndexedCollection). */
    private final LongAdder documentsExamined = new LongAdder();

    @Override
    public MemoryDatabase openOrCreateDatabase(String databaseName) {
        return new IdIndexedDatabase(databaseName, getCursorRegistry(), documentsExamined);
    }

    /** Documents read from storage by queries so far (mongod's {@code totalDocsExamined}). */
    long documentsExamined() {
        return documentsExamined.sum();
    }

    @Override
    protected Oplog createOplog() {
        return new EmulatedOplog(this, getCursorRegistry());
    }

    EmulatedOplog emulatedOplog() {
        if (!(oplog instanceof EmulatedOplog)) {
            throw new IllegalStateException("the oplog is not enabled");
        }
        return (EmulatedOplog) oplog;
    }

    /** See {@link EmulatedOplog#expireHistory()}; waits for the running command. */
    synchronized void expireHistory() {
        emulatedOplog().expireHistory();
    }

    /** See {@link EmulatedOplog#expireHistory(String, String)}. */
    synchronized void expireHistory(String database, String collection) {
        emulatedOplog().expireHistory(database, collection);
    }

    /** See {@link EmulatedOplog#beginTransaction()}; waits for the running command. */
    synchronized void beginTransaction() {
        emulatedOplog().beginTransaction();
    }

    /** See {@link EmulatedOplog#commitTransaction(long)}; waits for the running command. */
    synchronized void commitTransaction(long txnNumber) {
        emulatedOplog().commitTransaction(txnNumber);
    }

    /** See {@link EmulatedOplog#resize(long)}; waits for the running command. */
    synchronized void resizeOplog(long bytes) {
        emulatedOplog().resize(bytes);
    }

    /** The collection if its database and it exist, without creating either. */
    MongoCollection<?> existingCollection(String database, String collection) {
        if (!listDatabaseNames().contains(database)) {
            return null;
        }
        return resolveDatabase(database).resolveCollection(collection, false);
    }

    /** Documents in a plain find's first batch when the client names no batch size (as mongod). */
    static final int FIRST_BATCH_DEFAULT = 101;

    /** Documents per getMore of a plain find when the client names no batch size. */
    static final int GET_MORE_DEFAULT = 2000;

    @Override
    public synchronized Document handleCommand(
            Channel channel, String database, String command, Document query) {
        Document reply;
        ChangeStreamCursor changeStream = null;
        String name = command.toLowerCase(Locale.ROOT);
        if (auth != null) {
            auth.checkAuthorized(channel, command);
            checkPrivileges(channel, database, name, query);
        }
        switch (name) {
            case "connectionstatus":
                reply = connectionStatus(channel, query);
                break;
            case "collstats":
                reply =
                        isOplog(database, query.get(command))
                                ? emulatedOplog().collStats()
                                : super.handleCommand(channel, database, command, query);
                break;
            case "saslstart":
                reply = saslOrRefuse(command).saslStart(channel, database, query);
                break;
            case "saslcontinue":
                reply = saslOrRefuse(command).saslContinue(channel, query);
                break;
            case "hello":
            case "ismaster":
                // mongo-java-server answers only isMaster; mongod 5+ prefers hello.
                reply = super.handleCommand(channel, database, "isMaster", query);
                if (name.equals("hello")) {
                    reply = reply.cloneDeeply();
                    reply.putIfAbsent("isWritablePrimary", reply.get("ismaster"));
                }
                if (auth != null) {
                    // speculativeAuthenticate is ignored: the driver then runs the full exchange.
                    reply = reply.cloneDeeply();
                    auth.decorateHello(query, reply);
                }
                break;
            case "splitvector":
                reply = splitVector(query);
                break;
            case "find":
                if (isOplog(database, query.get(command))) {
                    reply = findInOplog(query);
                } else if (query.containsKey("min") || query.containsKey("max")) {
                    reply = findRange(database, query);
                } else {
                    // mongod sends at most 101 documents in a find's first batch unless asked
                    // otherwise; mongo-java-server would send the whole result in one reply and
                    // break the driver's 48 MB message limit on big collections.
                    query.putIfAbsent("batchSize", FIRST_BATCH_DEFAULT);
                    reply = super.handleCommand(channel, database, command, query);
                }
                break;
            case "aggregate":
                Document stage = changeStreamStage(query);
                if (stage != null) {
                    changeStream = openChangeStream(database, query, stage);
                    reply = firstChangeStreamBatch(changeStream, query);
                } else {
                    reply = super.handleCommand(channel, database, command, query);
                }
                break;
            case "getmore":
                changeStream = changeStreamCursor(query.get(command));
                if (changeStream == null) {
                    // mongod caps a batch at 16 MB; bound it by documents here (see find).
                    query.putIfAbsent("batchSize", GET_MORE_DEFAULT);
                }
                reply = getMore(channel, database, command, query, changeStream);
                break;
            case "findandmodify":
                reply = findAndModifyLogged(channel, database, command, query);
                break;
            case "renamecollection":
                // mongo-java-server renames without telling the oplog.
                reply = super.handleCommand(channel, database, command, query);
                emulatedOplog()
                        .handleRenameCollection(
                                String.valueOf(query.get(command)),
                                String.valueOf(query.get("to")));
                break;
            default:
                reply = super.handleCommand(channel, database, command, query);
                break;
        }
        return decorate(reply, changeStream);
    }

    // ---- access control ----

    /**
     * {@code connectionStatus}: the authenticated user, its roles and (with {@code showPrivileges})
     * its privileges; empty lists without access control or authentication.
     */
    private Document connectionStatus(Channel channel, Document query) {
        String user = auth == null ? null : auth.authenticatedUser(channel);
        Document reply =
                new Document(
                        "authInfo",
                        EmulatedRole.authInfo(
                                user, roles, Utils.isTrue(query.get("showPrivileges"))));
        Utils.markOkay(reply);
        return reply;
    }

    /**
     * As mongod: {@code find} needs the find action on the collection, a change stream needs find
     * and changeStream on its scope (the collection, the database's collections, or every
     * collection for a cluster-wide stream). Other commands are not checked.
     */
    private void checkPrivileges(Channel channel, String database, String name, Document query) {
        if (channel == null || auth.authenticatedUser(channel) == null) {
            return; // checkAuthorized let an open command through
        }
        List<String[]> needed = new ArrayList<>(); // {db, collection, action}
        if (name.equals("find")) {
            needed.add(new String[] {database, String.valueOf(query.get("find")), "find"});
        } else if (name.equals("aggregate")) {
            Document stage = changeStreamStage(query);
            if (stage == null) {
                return;
            }
            Object target = query.get("aggregate");
            String db = database;
            String coll = target instanceof Number ? "" : String.valueOf(target);
            if (Utils.isTrue(stage.get("allChangesForCluster"))) {
                db = "";
                coll = "";
            }
            needed.add(new String[] {db, coll, "find"});
            needed.add(new String[] {db, coll, "changeStream"});
        }
        for (String[] n : needed) {
            if (!EmulatedRole.allows(roles, n[0], n[1], n[2])) {
                throw new MongoServerError(
                        ErrorCodes.UNAUTHORIZED,
                        "Unauthorized",
                        "not authorized on "
                                + database
                                + " to execute command { "
                                + name
                                + ": "
                                + query.get(query.keySet().iterator().next())
                                + " } (needs "
                                + n[2]
                                + ")");
            }
        }
    }

    private static boolean isOplog(String database, Object collection) {
        return "local".equals(database) && "oplog.rs".equals(collection);
    }

    /**
     * {@code find} on {@code local.oplog.rs}: the emulated oplog's entries as oplog documents,
     * ordered by {@code $natural} (insertion order, or reversed for {@code -1}), at most {@code
     * limit}; no filter or projection.
     */
    private Document findInOplog(Document query) {
        Object filter = query.get("filter");
        if (filter instanceof Document && !((Document) filter).isEmpty()) {
            throw new MongoServerError(
                    ErrorCodes.BAD_VALUE,
                    "BadValue",
                    "the emulator's local.oplog.rs supports sort {$natural: 1|-1} and limit only");
        }
        boolean descending = false;
        if (query.get("sort") instanceof Document) {
            Object natural = ((Document) query.get("sort")).get("$natural");
            descending = natural instanceof Number && ((Number) natural).intValue() < 0;
        }
        int limit =
                query.get("limit") instanceof Number ? Math.abs(intValue(query.get("limit"))) : 0;
        List<Document> documents = emulatedOplog().oplogDocuments(descending, limit);
        return cursorReply("local.oplog.rs", "firstBatch", documents, 0);
    }

    private ScramSha256Server saslOrRefuse(String command) {
        if (auth == null) {
            throw new MongoServerError(
                    ErrorCodes.AUTHENTICATION_FAILED,
                    "AuthenticationFailed",
                    command
                            + ": this emulator was started without users (MongoEmulator.start"
                            + " with a user and password enables SCRAM-SHA-256)");
        }
        return auth;
    }

    @Override
    public synchronized QueryResult handleQuery(MongoQuery query) {
        if (auth != null) {
            auth.checkAuthorized(query.getChannel(), "find");
        }
        QueryResult result = super.handleQuery(query);
        return new QueryResult(deepCopies(result.collectDocuments()), result.getCursorId());
    }

    @Override
    public synchronized void handleClose(Channel channel) {
        if (auth != null) {
            auth.closed(channel);
        }
        super.handleClose(channel);
    }

    /**
     * Every reply: a deep copy; {@code ok} as the double mongod sends (Flink CDC compares it with
     * {@code BsonDouble(1.0)}); {@code $clusterTime} and {@code operationTime}; and for
     * change-stream cursors the {@code postBatchResumeToken}.
     */
    private Document decorate(Document reply, ChangeStreamCursor changeStream) {
        Document copy = reply.cloneDeeply();
        Object ok = copy.get("ok");
        if (ok instanceof Number && ((Number) ok).doubleValue() == 1.0) {
            copy.put("ok", 1.0);
        }
        if (changeStream != null && copy.get("cursor") instanceof Document) {
            ((Document) copy.get("cursor"))
                    .put("postBatchResumeToken", changeStream.postBatchResumeToken());
        }
        BsonTimestamp now = new BsonTimestamp(emulatedOplog().currentTime());
        copy.put(
                "$clusterTime",
                new Document("clusterTime", now)
                        .append(
                                "signature",
                                new Document("hash", new BinData(new byte[20]))
                                        .append("keyId", 0L)));
        copy.put("operationTime", now);
        return copy;
    }

    // ---- change streams ----

    private static Document changeStreamStage(Document query) {
        List<Document> pipeline = Aggregation.parse(query.get("pipeline"));
        if (pipeline.isEmpty() || !(pipeline.get(0).get("$changeStream") instanceof Document)) {
            return null;
        }
        return (Document) pipeline.get(0).get("$changeStream");
    }

    /**
     * {@code coll.watch()} aggregates on the collection, {@code db.watch()} on the number 1, {@code
     * client.watch()} on 1 in {@code admin} with {@code allChangesForCluster}.
     */
    private ChangeStreamCursor openChangeStream(String database, Document query, Document stage) {
        Object target = query.get("aggregate");
        boolean cluster = Utils.isTrue(stage.get("allChangesForCluster"));
        ChangeStreamScope scope;
        if (cluster) {
            if (!"admin".equals(database)) {
                throw new MongoServerError(
                        ErrorCodes.INVALID_OPTIONS,
                        "InvalidOptions",
                        "A $changeStream with 'allChangesForCluster:true' may only be opened on"
                                + " the 'admin' database");
            }
            scope = ChangeStreamScope.cluster();
        } else if (target instanceof Number) {
            if ("admin".equals(database)) {
                throw new MongoServerError(
                        ErrorCodes.INVALID_NAMESPACE,
                        "InvalidNamespace",
                        "$changeStream may not be opened on the internal admin database");
            }
            scope = ChangeStreamScope.database(database);
        } else {
            scope = ChangeStreamScope.collection(database, String.valueOf(target));
        }
        if (!(query.get("cursor") instanceof Document)) {
            throw new MongoServerError(
                    ErrorCodes.FAILED_TO_PARSE,
                    "FailedToParse",
                    "The 'cursor' option is required, except for aggregate with the explain"
                            + " argument");
        }
        List<Document> pipeline = Aggregation.parse(query.get("pipeline"));
        // Change streams allow only per-document stages, none of which needs the database.
        Aggregation rest =
                Aggregation.fromPipeline(
                        pipeline.subList(1, pipeline.size()),
                        this::resolveDatabase,
                        null,
                        null,
                        oplog);
        return emulatedOplog().openCursor(stage, scope, rest);
    }

    private static Document firstChangeStreamBatch(ChangeStreamCursor cursor, Document query) {
        Object requested = ((Document) query.get("cursor")).get("batchSize");
        List<Document> batch;
        if (requested instanceof Number && ((Number) requested).intValue() == 0) {
            batch = List.of();
        } else {
            batch = cursor.takeDocuments(requested instanceof Number ? intValue(requested) : 0);
        }
        return cursorReply(cursor.scope().cursorNamespace(), "firstBatch", batch, cursor.getId());
    }

    private ChangeStreamCursor changeStreamCursor(Object cursorId) {
        if (!(cursorId instanceof Number)) {
            return null;
        }
        try {
            Cursor cursor = getCursorRegistry().getCursor(((Number) cursorId).longValue());
            return cursor instanceof ChangeStreamCursor ? (ChangeStreamCursor) cursor : null;
        } catch (CursorNotFoundException e) {
            return null;
        }
    }

    private Document getMore(
            Channel channel,
            String database,
            String command,
            Document query,
            ChangeStreamCursor changeStream) {
        try {
            return super.handleCommand(channel, database, command, query);
        } catch (MongoServerError e) {
            if (changeStream != null && e.getCode() == EmulatedOplog.CHANGE_STREAM_HISTORY_LOST) {
                // As mongod: a cursor that lost its history is gone.
                getCursorRegistry().remove(changeStream);
            }
            throw e;
        }
    }

    // ---- snapshot reads ----

    /**
     * {@code splitVector} on {@code _id} as mongod computes it: no split below the chunk size;
     * otherwise a split key every {@code maxChunkSize / (2 * average document size)} documents in
     * {@code _id} order.
     */
    private Document splitVector(Document query) {
        String namespace = String.valueOf(query.get("splitVector"));
        int dot = namespace.indexOf('.');
        if (dot <= 0) {
            throw new MongoServerError(
                    ErrorCodes.INVALID_NAMESPACE,
                    "InvalidNamespace",
                    "splitVector needs a full namespace, got " + namespace);
        }
        Object keyPattern = query.get("keyPattern");
        if (!(keyPattern instanceof Document)
                || ((Document) keyPattern).size() != 1
                || !(((Document) keyPattern).get(ID) instanceof Number)
                || ((Number) ((Document) keyPattern).get(ID)).intValue() != 1) {
            throw new MongoServerError(
                    ErrorCodes.BAD_VALUE,
                    "BadValue",
                    "the emulator's splitVector supports only keyPattern {_id: 1}, got "
                            + keyPattern);
        }
        long maxChunkBytes;
        if (query.get("maxChunkSizeBytes") instanceof Number) {
            maxChunkBytes = ((Number) query.get("maxChunkSizeBytes")).longValue();
        } else if (query.get("maxChunkSize") instanceof Number) {
            maxChunkBytes = ((Number) query.get("maxChunkSize")).longValue() * 1024 * 1024;
        } else {
            throw new MongoServerError(
                    ErrorCodes.BAD_VALUE, "BadValue", "need to specify the desired max chunk size");
        }
        MongoCollection<?> collection =
                existingCollection(namespace.substring(0, dot), namespace.substring(dot + 1));
        if (collection == null) {
            throw new MongoServerError(
                    ErrorCodes.NAMESPACE_NOT_FOUND, "NamespaceNotFound", "ns not found");
        }
        List<Document> documents =
                documentsInIdRange(
                        collection,
                        new Document(),
                        bound(query.get("min"), true),
                        bound(query.get("max"), false));
        List<Document> splitKeys = new ArrayList<>();
        long totalBytes = 0;
        ByteBuf buffer = Unpooled.buffer();
        try {
            for (Document document : documents) {
                buffer.clear();
                FaithfulBsonCodec.encodeDocument(document, buffer);
                totalBytes += buffer.writerIndex();
            }
        } finally {
            buffer.release();
        }
        if (maxChunkBytes > 0 && totalBytes >= maxChunkBytes && !documents.isEmpty()) {
            long averageBytes = Math.max(1, totalBytes / documents.size());
            long keysPerChunk = Math.max(1, maxChunkBytes / (2 * averageBytes));
            for (long i = keysPerChunk; i < documents.size(); i += keysPerChunk) {
                Object id = documents.get((int) i).get(ID);
                splitKeys.add(new Document(ID, EmulatedOplog.copy(id)));
            }
        }
        Document reply = new Document("splitKeys", splitKeys);
        Utils.markOkay(reply);
        return reply;
    }

    /**
     * {@code find} with {@code min}/{@code max} on {@code _id} (as Flink CDC reads a chunk): the
     * documents with {@code min <= _id < max} in index order, across BSON types as the index orders
     * them. A snapshot taken now; the rest of it is served by an in-memory cursor.
     */
    private Document findRange(String database, Document query) {
        String collectionName = String.valueOf(query.get("find"));
        Object projection = query.get("projection");
        if (projection instanceof Document && !((Document) projection).isEmpty()
                || query.get("skip") instanceof Number && intValue(query.get("skip")) != 0) {
            throw new MongoServerError(
                    ErrorCodes.BAD_VALUE,
                    "BadValue",
                    "the emulator's find with min/max supports filter, hint, limit and batchSize"
                            + " only");
        }
        Object filter = query.getOrDefault("filter", new Document());
        MongoCollection<?> collection = existingCollection(database, collectionName);
        int limit =
                query.get("limit") instanceof Number ? Math.abs(intValue(query.get("limit"))) : 0;
        // The limit goes to the index walk: verify's pages have a min and no max, and must not
        // examine every document from their bound to the end.
        List<Document> documents =
                collection == null
                        ? List.of()
                        : documentsInIdRange(
                                collection,
                                (Document) filter,
                                bound(query.get("min"), true),
                                bound(query.get("max"), false),
                                limit);
        if (limit > 0 && documents.size() > limit) {
            documents = documents.subList(0, limit);
        }
        documents = deepCopies(documents);
        int batchSize =
                query.get("batchSize") instanceof Number
                        ? intValue(query.get("batchSize"))
                        : DEFAULT_FIND_BATCH_SIZE;
        int firstSize = Math.min(documents.size(), batchSize);
        List<Document> firstBatch = documents.subList(0, firstSize);
        long cursorId = 0;
        if (firstSize < documents.size()) {
            Cursor rest =
                    new InMemoryCursor(
                            getCursorRegistry().generateCursorId(),
                            new ArrayList<>(documents.subList(firstSize, documents.size())));
            getCursorRegistry().add(rest);
            cursorId = rest.getId();
        }
        return cursorReply(
                database + "." + collectionName,
                "firstBatch",
                new ArrayList<>(firstBatch),
                cursorId);
    }

    /** The {@code _id} of a {@code min}/{@code max} bound; null for none, MinKey or MaxKey. */
    private static Object bound(Object bound, boolean lower) {
        if (bound == null) {
            return null;
        }
        if (!(bound instanceof Document)
                || ((Document) bound).size() != 1
                || !((Document) bound).containsKey(ID)) {
            throw new MongoServerError(
                    ErrorCodes.BAD_VALUE,
                    "BadValue",
                    "the emulator supports " + (lower ? "min" : "max") + " on {_id} only");
        }
        Object id = ((Document) bound).get(ID);
        return id instanceof MinKey || id instanceof MaxKey ? null : id;
    }

    /**
     * Stored documents matching the filter with {@code lower <= _id < upper}, by {@code _id}: read
     * from the ordered {@code _id} index, or, if it cannot answer, by scanning and sorting.
     */
    private static List<Document> documentsInIdRange(
            MongoCollection<?> collection, Document filter, Object lower, Object upper) {
        return documentsInIdRange(collection, filter, lower, upper, 0);
    }

    /** As above, at most {@code limit} documents (0: all), the first ones in index order. */
    private static List<Document> documentsInIdRange(
            MongoCollection<?> collection, Document filter, Object lower, Object upper, int limit) {
        if (collection instanceof IdIndexedCollection) {
            List<Document> documents =
                    ((IdIndexedCollection) collection).inIdOrder(lower, upper, filter, limit);
            if (documents != null) {
                return documents;
            }
        }
        Comparator<Object> order = ValueComparator.asc();
        List<Document> documents = new ArrayList<>();
        for (Document document : collection.handleQuery(new Document("$query", filter), 0, 0)) {
            Object id = document.get(ID);
            if ((lower == null || order.compare(lower, id) <= 0)
                    && (upper == null || order.compare(id, upper) < 0)) {
                documents.add(document);
            }
        }
        documents.sort((a, b) -> order.compare(a.get(ID), b.get(ID)));
        return documents;
    }

    // ---- findAndModify ----

    /**
     * mongo-java-server's {@code findAndModify} does not log to the oplog; this finds the target
     * first (same query and sort), runs the command, and logs what changed.
     */
    private Document findAndModifyLogged(
            Channel channel, String database, String command, Document query) {
        String collectionName = String.valueOf(query.get(command));
        String namespace = database + "." + collectionName;
        boolean remove = Utils.isTrue(query.get("remove"));
        Object filterValue = query.getOrDefault("query", new Document());
        Document filter = filterValue instanceof Document ? (Document) filterValue : new Document();
        MongoCollection<?> collection = existingCollection(database, collectionName);

        Document target = collection == null ? null : firstMatch(collection, filter, query);
        Document targetBefore = target == null ? null : target.cloneDeeply();
        Set<Document> storedBefore = null;
        if (target == null && !remove && Utils.isTrue(query.get("upsert"))) {
            storedBefore = Collections.newSetFromMap(new IdentityHashMap<>());
            if (collection != null) {
                for (Document document : collection.queryAll()) {
                    storedBefore.add(document);
                }
            }
        }

        Document reply = super.handleCommand(channel, database, command, query);

        MongoCollection<?> after = existingCollection(database, collectionName);
        if (target != null) {
            Object id = target.get(ID);
            Document now = after == null ? null : EmulatedOplog.storedDocument(after, id);
            if (remove) {
                if (now == null) {
                    oplog.handleDelete(namespace, filter, List.of(id));
                }
            } else if (now != null
                    && !now.equals(targetBefore)
                    && query.get("update") instanceof Document) {
                oplog.handleUpdate(namespace, filter, (Document) query.get("update"), List.of(id));
            }
        } else if (storedBefore != null && after != null) {
            for (Document document : after.queryAll()) {
                if (!storedBefore.contains(document)) {
                    oplog.handleInsert(namespace, List.of(document));
                    break;
                }
            }
        }
        return reply;
    }

    private static Document firstMatch(
            MongoCollection<?> collection, Document filter, Document query) {
        Document selector = new Document("query", filter);
        if (query.get("sort") != null) {
            selector.put("orderby", query.get("sort"));
        }
        for (Document document : collection.handleQuery(selector, 0, 1)) {
            return document;
        }
        return null;
    }

    // ---- helpers ----

    private static Document cursorReply(
            String namespace, String batchName, List<Document> batch, long cursorId) {
        Document cursor = new Document("id", cursorId).append("ns", namespace);
        cursor.put(batchName, batch);
        Document reply = new Document("cursor", cursor);
        Utils.markOkay(reply);
        return reply;
    }

    private static List<Document> deepCopies(List<Document> documents) {
        List<Document> copies = new ArrayList<>(documents.size());
        for (Document document : documents) {
            copies.add(document.cloneDeeply());
        }
        return copies;
    }

    private static int intValue(Object number) {
        return ((Number) number).intValue();
    }

    /** mongod's error codes used here. */
    private static final class ErrorCodes {
        static final int BAD_VALUE = 2;
        static final int FAILED_TO_PARSE = 9;
        static final int UNAUTHORIZED = 13;
        static final int AUTHENTICATION_FAILED = 18;
        static final int NAMESPACE_NOT_FOUND = 26;
        static final int INVALID_OPTIONS = 72;
        static final int INVALID_NAMESPACE = 73;
    }
}
