package io.dbtransfer.embedded.spec;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoNamespace;
import com.mongodb.MongoServerException;
import com.mongodb.client.ChangeStreamIterable;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.RenameCollectionOptions;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.changestream.FullDocument;
import com.mongodb.client.model.changestream.FullDocumentBeforeChange;
import com.mongodb.client.result.DeleteResult;
import com.mongodb.client.result.InsertOneResult;
import com.mongodb.client.result.UpdateResult;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs one test of a unified-format change-stream spec file against a MongoDB URI: the entities,
 * operations, expected errors, results and command-started events those files use. Anything else
 * (an operation, argument or operator the change-stream files do not use) fails the test, naming
 * what the runner lacks.
 */
final class UnifiedTestRunner {

    /** The outcome of one test: passed, failed (with the reason) or skipped (with the reason). */
    record Outcome(String status, String reason) {
        static Outcome pass() {
            return new Outcome("PASS", "");
        }

        static Outcome fail(String reason) {
            return new Outcome("FAIL", reason);
        }

        static Outcome skip(String reason) {
            return new Outcome("SKIP", reason);
        }
    }

    /** A command the client sent, copied: the driver's event is only valid during the callback. */
    private record SentCommand(String commandName, String databaseName, BsonDocument command) {}

    /** A guard against a test that waits forever for an event; not a timing assertion. */
    private static final long ITERATE_LIMIT_MILLIS = 10_000;

    /** Commands whose monitoring events the unified format hides (sensitive ones, fail points). */
    private static final Set<String> HIDDEN_COMMANDS =
            Set.of(
                    "configurefailpoint",
                    "hello",
                    "ismaster",
                    "saslstart",
                    "saslcontinue",
                    "getnonce",
                    "authenticate",
                    "createuser",
                    "updateuser",
                    "endsessions");

    private final String uri;
    private final String serverVersion;
    private final String topology;

    private final Map<String, Object> entities = new HashMap<>();
    private final Map<String, List<SentCommand>> events = new HashMap<>();
    private final List<MongoClient> clients = new ArrayList<>();
    private final List<MongoCursor<?>> cursors = new ArrayList<>();
    private final List<Object[]> failPoints = new ArrayList<>(); // {client, name}
    private final UnifiedMatcher matcher = new UnifiedMatcher(this::bsonEntity);

    UnifiedTestRunner(String uri, String serverVersion, String topology) {
        this.uri = uri;
        this.serverVersion = serverVersion;
        this.topology = topology;
    }

    /** Runs {@code test} of {@code file}; never throws for a failing test. */
    Outcome run(BsonDocument file, BsonDocument test) {
        if (test.containsKey("skipReason")) {
            return Outcome.skip("skipReason: " + test.getString("skipReason").getValue());
        }
        String unmet = unmetRequirement(file.get("runOnRequirements"));
        if (unmet == null) {
            unmet = unmetRequirement(test.get("runOnRequirements"));
        }
        if (unmet != null) {
            return Outcome.skip(unmet);
        }
        try (MongoClient internal = MongoClients.create(uri)) {
            setUpInitialData(internal, file);
            for (BsonValue entity : file.getArray("createEntities", new BsonArray())) {
                createEntity(entity.asDocument());
            }
            for (BsonValue operation : test.getArray("operations")) {
                execute(operation.asDocument());
            }
            if (test.containsKey("expectEvents")) {
                checkEvents(test.getArray("expectEvents"));
            }
            return Outcome.pass();
        } catch (AssertionError | RuntimeException e) {
            return Outcome.fail(e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            tearDown();
        }
    }

    // ---- requirements ----

    /** Null if any requirement of {@code requirements} (or none) is met, else why none is. */
    private String unmetRequirement(BsonValue requirements) {
        if (requirements == null || requirements.asArray().isEmpty()) {
            return null;
        }
        List<String> reasons = new ArrayList<>();
        for (BsonValue value : requirements.asArray()) {
            String reason = unmet(value.asDocument());
            if (reason == null) {
                return null;
            }
            reasons.add(reason);
        }
        return "runOnRequirements not met: " + String.join(" / ", reasons);
    }

    private String unmet(BsonDocument r) {
        if (r.containsKey("minServerVersion")
                && compareVersions(serverVersion, r.getString("minServerVersion").getValue()) < 0) {
            return "server " + serverVersion + " < minServerVersion " + r.get("minServerVersion");
        }
        if (r.containsKey("maxServerVersion")
                && compareVersions(serverVersion, r.getString("maxServerVersion").getValue()) > 0) {
            return "server " + serverVersion + " > maxServerVersion " + r.get("maxServerVersion");
        }
        if (r.containsKey("topologies")) {
            boolean found = false;
            for (BsonValue t : r.getArray("topologies")) {
                found |= t.asString().getValue().equals(topology);
            }
            if (!found) {
                return "topology " + topology + " not in " + r.get("topologies");
            }
        }
        if (r.containsKey("serverless") && r.getString("serverless").getValue().equals("require")) {
            return "needs serverless";
        }
        if (r.containsKey("auth") && r.getBoolean("auth").getValue()) {
            return "needs authentication";
        }
        if (r.containsKey("serverParameters") || r.containsKey("csfle")) {
            return "needs serverParameters / csfle";
        }
        return null;
    }

    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? Integer.parseInt(x[i]) : 0;
            int q = i < y.length ? Integer.parseInt(y[i]) : 0;
            if (p != q) {
                return Integer.compare(p, q);
            }
        }
        return 0;
    }

    // ---- set-up ----

    private static void setUpInitialData(MongoClient internal, BsonDocument file) {
        for (BsonValue value : file.getArray("initialData", new BsonArray())) {
            BsonDocument data = value.asDocument();
            MongoDatabase db = internal.getDatabase(data.getString("databaseName").getValue());
            String name = data.getString("collectionName").getValue();
            db.getCollection(name).drop();
            db.createCollection(name);
            List<BsonDocument> docs = new ArrayList<>();
            data.getArray("documents", new BsonArray()).forEach(d -> docs.add(d.asDocument()));
            if (!docs.isEmpty()) {
                db.getCollection(name, BsonDocument.class).insertMany(docs);
            }
        }
    }

    private void createEntity(BsonDocument wrapper) {
        String kind = wrapper.getFirstKey();
        BsonDocument spec = wrapper.getDocument(kind);
        String id = spec.getString("id").getValue();
        switch (kind) {
            case "client":
                entities.put(id, createClient(id, spec));
                break;
            case "database":
                MongoClient client = (MongoClient) entity(spec.getString("client").getValue());
                entities.put(id, client.getDatabase(spec.getString("databaseName").getValue()));
                break;
            case "collection":
                MongoDatabase db = (MongoDatabase) entity(spec.getString("database").getValue());
                entities.put(
                        id,
                        db.getCollection(
                                spec.getString("collectionName").getValue(), BsonDocument.class));
                break;
            default:
                throw new UnsupportedOperationException("runner: entity type " + kind);
        }
    }

    private MongoClient createClient(String id, BsonDocument spec) {
        for (String key : spec.keySet()) {
            if (!Set.of(
                            "id",
                            "observeEvents",
                            "ignoreCommandMonitoringEvents",
                            "useMultipleMongoses")
                    .contains(key)) {
                throw new UnsupportedOperationException("runner: client option " + key);
            }
        }
        MongoClientSettings.Builder settings =
                MongoClientSettings.builder().applyConnectionString(new ConnectionString(uri));
        if (spec.containsKey("observeEvents")) {
            Set<String> ignored = new java.util.HashSet<>();
            spec.getArray("ignoreCommandMonitoringEvents", new BsonArray())
                    .forEach(v -> ignored.add(v.asString().getValue().toLowerCase(Locale.ROOT)));
            boolean started =
                    spec.getArray("observeEvents").contains(new BsonString("commandStartedEvent"));
            List<SentCommand> seen = Collections.synchronizedList(new ArrayList<>());
            events.put(id, seen);
            settings.addCommandListener(
                    new CommandListener() {
                        @Override
                        public void commandStarted(CommandStartedEvent event) {
                            String name = event.getCommandName().toLowerCase(Locale.ROOT);
                            if (started
                                    && !ignored.contains(name)
                                    && !HIDDEN_COMMANDS.contains(name)) {
                                seen.add(
                                        new SentCommand(
                                                event.getCommandName(),
                                                event.getDatabaseName(),
                                                event.getCommand().clone()));
                            }
                        }
                    });
        }
        MongoClient client = MongoClients.create(settings.build());
        clients.add(client);
        return client;
    }

    // ---- operations ----

    private void execute(BsonDocument operation) {
        String name = operation.getString("name").getValue();
        String object = operation.getString("object").getValue();
        BsonDocument arguments = operation.getDocument("arguments", new BsonDocument());
        Object result;
        RuntimeException error = null;
        try {
            result =
                    object.equals("testRunner")
                            ? special(name, arguments)
                            : entityOperation(entity(object), name, arguments);
        } catch (UnsupportedOperationException e) {
            throw e;
        } catch (RuntimeException e) {
            result = null;
            error = e;
        }
        if (operation.getBoolean("ignoreResultAndError", BsonBoolean.FALSE).getValue()) {
            return;
        }
        if (operation.containsKey("expectError")) {
            if (error == null) {
                throw new AssertionError(name + ": expected an error, got " + result);
            }
            checkError(name, operation.getDocument("expectError"), error);
            return;
        }
        if (error != null) {
            throw new AssertionError(name + ": unexpected error " + describe(error), error);
        }
        if (operation.containsKey("expectResult")) {
            BsonValue actual = result instanceof BsonValue ? (BsonValue) result : null;
            try {
                matcher.matchRoot(operation.get("expectResult"), actual);
            } catch (AssertionError e) {
                throw new AssertionError(name + " result " + e.getMessage(), e);
            }
        }
        if (operation.containsKey("saveResultAsEntity")) {
            entities.put(operation.getString("saveResultAsEntity").getValue(), result);
        }
    }

    private Object special(String name, BsonDocument arguments) {
        if (name.equals("failPoint")) {
            MongoClient client = (MongoClient) entity(arguments.getString("client").getValue());
            BsonDocument command = arguments.getDocument("failPoint");
            client.getDatabase("admin").runCommand(command);
            failPoints.add(
                    new Object[] {client, command.getString("configureFailPoint").getValue()});
            return null;
        }
        throw new UnsupportedOperationException("runner: testRunner operation " + name);
    }

    @SuppressWarnings("unchecked")
    private Object entityOperation(Object target, String name, BsonDocument args) {
        switch (name) {
            case "createChangeStream":
                return createChangeStream(target, args);
            case "iterateUntilDocumentOrError":
                return iterateUntilDocument((MongoCursor<BsonDocument>) target);
            case "iterateOnce":
                return ((MongoCursor<BsonDocument>) target).tryNext();
            case "close":
                ((MongoCursor<?>) target).close();
                return null;
            case "insertOne":
                InsertOneResult inserted =
                        collection(target).insertOne(args.getDocument("document"));
                BsonDocument insertResult = new BsonDocument();
                if (inserted.getInsertedId() != null) {
                    insertResult.put("insertedId", inserted.getInsertedId());
                }
                return insertResult;
            case "updateOne":
                UpdateOptions updateOptions =
                        new UpdateOptions()
                                .upsert(args.getBoolean("upsert", BsonBoolean.FALSE).getValue());
                BsonValue update = args.get("update");
                UpdateResult updated =
                        update.isArray()
                                ? collection(target)
                                        .updateOne(
                                                args.getDocument("filter"),
                                                pipeline(update.asArray()),
                                                updateOptions)
                                : collection(target)
                                        .updateOne(
                                                args.getDocument("filter"),
                                                update.asDocument(),
                                                updateOptions);
                return updateResult(updated);
            case "replaceOne":
                return updateResult(
                        collection(target)
                                .replaceOne(
                                        args.getDocument("filter"),
                                        args.getDocument("replacement"),
                                        new ReplaceOptions()
                                                .upsert(
                                                        args.getBoolean("upsert", BsonBoolean.FALSE)
                                                                .getValue())));
            case "deleteOne":
                DeleteResult deleted = collection(target).deleteOne(args.getDocument("filter"));
                return new BsonDocument("deletedCount", new BsonInt64(deleted.getDeletedCount()));
            case "rename":
                MongoCollection<BsonDocument> coll = collection(target);
                coll.renameCollection(
                        new MongoNamespace(
                                coll.getNamespace().getDatabaseName(),
                                args.getString("to").getValue()),
                        new RenameCollectionOptions()
                                .dropTarget(
                                        args.getBoolean("dropTarget", BsonBoolean.FALSE)
                                                .getValue()));
                return null;
            case "createIndex":
                return new BsonString(
                        collection(target)
                                .createIndex(
                                        args.getDocument("keys"),
                                        new IndexOptions()
                                                .name(args.getString("name").getValue())));
            case "dropIndex":
                collection(target).dropIndex(args.getString("name").getValue());
                return null;
            case "dropCollection":
                database(target).getCollection(args.getString("collection").getValue()).drop();
                return null;
            case "createCollection":
                BsonDocument create = new BsonDocument("create", args.getString("collection"));
                for (Map.Entry<String, BsonValue> e : args.entrySet()) {
                    if (!e.getKey().equals("collection")) {
                        create.put(e.getKey(), e.getValue());
                    }
                }
                database(target).runCommand(create);
                return null;
            case "runCommand":
                return database(target).runCommand(args.getDocument("command"), BsonDocument.class);
            default:
                throw new UnsupportedOperationException("runner: operation " + name);
        }
    }

    private MongoCursor<BsonDocument> createChangeStream(Object target, BsonDocument args) {
        List<BsonDocument> pipeline = new ArrayList<>();
        args.getArray("pipeline", new BsonArray()).forEach(v -> pipeline.add(v.asDocument()));
        ChangeStreamIterable<BsonDocument> stream;
        if (target instanceof MongoClient) {
            stream = ((MongoClient) target).watch(pipeline, BsonDocument.class);
        } else if (target instanceof MongoDatabase) {
            stream = ((MongoDatabase) target).watch(pipeline, BsonDocument.class);
        } else {
            stream = collection(target).watch(pipeline, BsonDocument.class);
        }
        for (Map.Entry<String, BsonValue> e : args.entrySet()) {
            BsonValue v = e.getValue();
            switch (e.getKey()) {
                case "pipeline":
                    break;
                case "batchSize":
                    stream = stream.batchSize(v.asNumber().intValue());
                    break;
                case "fullDocument":
                    stream = stream.fullDocument(FullDocument.fromString(v.asString().getValue()));
                    break;
                case "fullDocumentBeforeChange":
                    stream =
                            stream.fullDocumentBeforeChange(
                                    FullDocumentBeforeChange.fromString(v.asString().getValue()));
                    break;
                case "comment":
                    stream = stream.comment(v);
                    break;
                case "showExpandedEvents":
                    stream = stream.showExpandedEvents(v.asBoolean().getValue());
                    break;
                case "resumeAfter":
                    stream = stream.resumeAfter(v.asDocument());
                    break;
                case "startAfter":
                    stream = stream.startAfter(v.asDocument());
                    break;
                case "startAtOperationTime":
                    stream = stream.startAtOperationTime(v.asTimestamp());
                    break;
                case "maxAwaitTimeMS":
                    stream = stream.maxAwaitTime(v.asNumber().longValue(), TimeUnit.MILLISECONDS);
                    break;
                default:
                    throw new UnsupportedOperationException(
                            "runner: createChangeStream argument " + e.getKey());
            }
        }
        MongoCursor<BsonDocument> cursor = stream.withDocumentClass(BsonDocument.class).cursor();
        cursors.add(cursor);
        return cursor;
    }

    private static BsonDocument iterateUntilDocument(MongoCursor<BsonDocument> cursor) {
        long deadline = System.currentTimeMillis() + ITERATE_LIMIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            BsonDocument next = cursor.tryNext();
            if (next != null) {
                return next;
            }
        }
        throw new AssertionError(
                "iterateUntilDocumentOrError: no event and no error within "
                        + ITERATE_LIMIT_MILLIS
                        + " ms");
    }

    private static List<Bson> pipeline(BsonArray stages) {
        List<Bson> out = new ArrayList<>();
        stages.forEach(v -> out.add(v.asDocument()));
        return out;
    }

    private static BsonDocument updateResult(UpdateResult r) {
        BsonDocument d = new BsonDocument();
        d.put("matchedCount", new BsonInt64(r.getMatchedCount()));
        d.put("modifiedCount", new BsonInt64(r.getModifiedCount()));
        d.put("upsertedCount", new BsonInt32(r.getUpsertedId() == null ? 0 : 1));
        if (r.getUpsertedId() != null) {
            d.put("upsertedId", r.getUpsertedId());
        }
        return d;
    }

    // ---- assertions ----

    private static void checkError(String operation, BsonDocument expected, RuntimeException e) {
        boolean fromServer = e instanceof MongoServerException;
        String prefix = operation + ": error " + describe(e) + ": ";
        for (Map.Entry<String, BsonValue> entry : expected.entrySet()) {
            BsonValue v = entry.getValue();
            switch (entry.getKey()) {
                case "isError":
                    break;
                case "isClientError":
                    if (v.asBoolean().getValue() == fromServer) {
                        throw new AssertionError(prefix + "expected isClientError " + v);
                    }
                    break;
                case "errorCode":
                    if (!fromServer
                            || ((MongoServerException) e).getCode() != v.asNumber().intValue()) {
                        throw new AssertionError(prefix + "expected code " + v);
                    }
                    break;
                case "errorCodeName":
                    if (!fromServer
                            || !v.asString()
                                    .getValue()
                                    .equalsIgnoreCase(
                                            ((MongoServerException) e).getErrorCodeName())) {
                        throw new AssertionError(prefix + "expected codeName " + v);
                    }
                    break;
                case "errorContains":
                    if (e.getMessage() == null
                            || !e.getMessage()
                                    .toLowerCase(Locale.ROOT)
                                    .contains(v.asString().getValue().toLowerCase(Locale.ROOT))) {
                        throw new AssertionError(prefix + "expected a message containing " + v);
                    }
                    break;
                case "errorLabelsContain":
                case "errorLabelsOmit":
                    boolean must = entry.getKey().equals("errorLabelsContain");
                    for (BsonValue label : v.asArray()) {
                        boolean has =
                                e instanceof MongoException
                                        && ((MongoException) e)
                                                .hasErrorLabel(label.asString().getValue());
                        if (has != must) {
                            throw new AssertionError(
                                    prefix
                                            + (must ? "expected label " : "unexpected label ")
                                            + label);
                        }
                    }
                    break;
                case "errorResponse":
                    if (!(e instanceof MongoCommandException)) {
                        throw new AssertionError(prefix + "expected a server response");
                    }
                    new UnifiedMatcher(n -> null)
                            .matchRoot(v, ((MongoCommandException) e).getResponse());
                    break;
                default:
                    throw new UnsupportedOperationException(
                            "runner: expectError field " + entry.getKey());
            }
        }
    }

    private void checkEvents(BsonArray expectEvents) {
        for (BsonValue value : expectEvents) {
            BsonDocument expected = value.asDocument();
            String client = expected.getString("client").getValue();
            String type = expected.getString("eventType", new BsonString("command")).getValue();
            if (!type.equals("command")) {
                throw new UnsupportedOperationException("runner: eventType " + type);
            }
            List<SentCommand> seen = new ArrayList<>(events.get(client));
            BsonArray wanted = expected.getArray("events");
            boolean extra = expected.getBoolean("ignoreExtraEvents", BsonBoolean.FALSE).getValue();
            if (extra ? seen.size() < wanted.size() : seen.size() != wanted.size()) {
                throw new AssertionError(
                        "expectEvents: "
                                + wanted.size()
                                + " command events expected, "
                                + seen.size()
                                + " seen: "
                                + names(seen));
            }
            for (int i = 0; i < wanted.size(); i++) {
                BsonDocument w = wanted.get(i).asDocument();
                if (!w.containsKey("commandStartedEvent")) {
                    throw new UnsupportedOperationException("runner: event " + w.getFirstKey());
                }
                BsonDocument started = w.getDocument("commandStartedEvent");
                SentCommand actual = seen.get(i);
                String at = "expectEvents[" + i + "] (" + actual.commandName() + ")";
                if (started.containsKey("commandName")
                        && !started.getString("commandName")
                                .getValue()
                                .equals(actual.commandName())) {
                    throw new AssertionError(
                            at + ": expected command " + started.get("commandName"));
                }
                if (started.containsKey("databaseName")
                        && !started.getString("databaseName")
                                .getValue()
                                .equals(actual.databaseName())) {
                    throw new AssertionError(
                            at + ": expected database " + started.get("databaseName"));
                }
                if (started.containsKey("command")) {
                    try {
                        matcher.matchRoot(started.get("command"), actual.command());
                    } catch (AssertionError e) {
                        throw new AssertionError(at + ": " + e.getMessage(), e);
                    }
                }
            }
        }
    }

    private static String names(List<SentCommand> seen) {
        List<String> out = new ArrayList<>();
        seen.forEach(e -> out.add(e.commandName()));
        return out.toString();
    }

    private static String describe(RuntimeException e) {
        if (e instanceof MongoServerException) {
            MongoServerException s = (MongoServerException) e;
            return s.getCode() + " " + s.getErrorCodeName() + " (" + firstLine(e) + ")";
        }
        return e.getClass().getSimpleName() + " (" + firstLine(e) + ")";
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    // ---- entities ----

    private Object entity(String id) {
        Object e = entities.get(id);
        if (e == null) {
            throw new IllegalStateException("runner: no entity " + id);
        }
        return e;
    }

    private BsonValue bsonEntity(String id) {
        Object e = entity(id);
        if (!(e instanceof BsonValue)) {
            throw new IllegalStateException("runner: entity " + id + " is not a BSON value");
        }
        return (BsonValue) e;
    }

    @SuppressWarnings("unchecked")
    private static MongoCollection<BsonDocument> collection(Object target) {
        return (MongoCollection<BsonDocument>) target;
    }

    private static MongoDatabase database(Object target) {
        return (MongoDatabase) target;
    }

    private void tearDown() {
        for (MongoCursor<?> cursor : cursors) {
            try {
                cursor.close();
            } catch (RuntimeException ignored) {
                // the cursor may be dead already
            }
        }
        for (Object[] failPoint : failPoints) {
            try {
                ((MongoClient) failPoint[0])
                        .getDatabase("admin")
                        .runCommand(
                                new BsonDocument(
                                                "configureFailPoint",
                                                new BsonString((String) failPoint[1]))
                                        .append("mode", new BsonString("off")));
            } catch (RuntimeException ignored) {
                // nothing to switch off
            }
        }
        clients.forEach(MongoClient::close);
        cursors.clear();
        failPoints.clear();
        clients.clear();
        entities.clear();
        events.clear();
    }
}
