package io.dbtransfer.embedded;

import io.dbtransfer.testing.TestMongo;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.changestream.FullDocument;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The change-stream contract the job's correctness rests on, in the project's own words: what
 * MongoDB's unified change-stream spec tests check that Flink CDC and DBtransfer rely on (resume
 * tokens, {@code postBatchResumeToken}, starting after an invalidate, event shapes, error codes).
 * Runs over the wire with the MongoDB driver against {@link TestMongo}: the emulator, or a real
 * replica set when {@code DBTRANSFER_MONGO_URI} is set, so every expectation here is mongod's.
 */
class ChangeStreamContractTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private MongoClient client;
    private MongoDatabase db;
    private MongoCollection<Document> coll;
    private final List<MongoChangeStreamCursor<?>> cursors = new ArrayList<>();

    @BeforeEach
    void setUp() {
        client = TestMongo.client();
        db = client.getDatabase(TestMongo.newDatabaseName("contract"));
        db.createCollection("coll");
        coll = db.getCollection("coll");
    }

    @AfterEach
    void tearDown() {
        cursors.forEach(MongoChangeStreamCursor::close);
        db.drop();
    }

    @Test
    void startAfterAnInvalidateStartsANewStreamAndResumeAfterItIsRefusedWith260() {
        MongoChangeStreamCursor<BsonDocument> stream = watch(coll.watch());
        coll.insertOne(new Document("_id", 1));
        coll.drop();
        List<BsonDocument> events = take(stream, 3);
        assertThat(types(events)).containsExactly("insert", "drop", "invalidate");
        BsonDocument dropToken = events.get(1).getDocument("_id");
        BsonDocument invalidateToken = events.get(2).getDocument("_id");
        assertThat(invalidateToken).isNotEqualTo(dropToken);

        db.createCollection("coll");
        coll.insertOne(new Document("_id", 2));

        List<BsonDocument> started = take(watch(coll.watch().startAfter(invalidateToken)), 1);
        assertThat(types(started)).containsExactly("insert");
        assertThat(started.get(0).getDocument("documentKey").getInt32("_id").getValue())
                .isEqualTo(2);

        assertThatThrownBy(() -> watch(coll.watch().resumeAfter(invalidateToken)).tryNext())
                .isInstanceOfSatisfying(
                        MongoCommandException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(260));
    }

    @Test
    void resumingAfterTheDropEventGivesTheInvalidateNext() {
        MongoChangeStreamCursor<BsonDocument> stream = watch(coll.watch());
        coll.insertOne(new Document("_id", 1));
        coll.drop();
        List<BsonDocument> events = take(stream, 3);
        BsonDocument dropToken = events.get(1).getDocument("_id");

        List<BsonDocument> resumed = take(watch(coll.watch().resumeAfter(dropToken)), 1);

        assertThat(types(resumed)).containsExactly("invalidate");
        assertThat(resumed.get(0).getDocument("_id")).isEqualTo(events.get(2).getDocument("_id"));
    }

    @Test
    void postBatchResumeTokenOfAFullBatchIsTheLastEventsTokenAndOfAnEmptyBatchIsNotBehind() {
        BsonDocument opened = aggregate(new BsonDocument(), 0);
        BsonDocument emptyFirst = opened.getDocument("cursor");
        assertThat(emptyFirst.getArray("firstBatch")).isEmpty();
        BsonDocument emptyToken = emptyFirst.getDocument("postBatchResumeToken");
        long cursorId = emptyFirst.getInt64("id").getValue();

        for (int i = 1; i <= 5; i++) {
            coll.insertOne(new Document("_id", i));
        }
        BsonDocument full = getMore(cursorId, 2);
        BsonArray batch = full.getArray("nextBatch");
        assertThat(batch).hasSize(2);
        BsonDocument lastToken = batch.get(1).asDocument().getDocument("_id");
        assertThat(full.getDocument("postBatchResumeToken")).isEqualTo(lastToken);
        assertThat(time(lastToken)).isGreaterThanOrEqualTo(time(emptyToken));

        BsonDocument rest = getMore(cursorId, 100);
        assertThat(rest.getArray("nextBatch")).hasSize(3);
        BsonDocument drainedToken = rest.getDocument("postBatchResumeToken");
        BsonDocument fifth = rest.getArray("nextBatch").get(2).asDocument().getDocument("_id");
        assertThat(time(drainedToken)).isGreaterThanOrEqualTo(time(fifth));

        // Resuming from any of these tokens continues exactly after what they stand for.
        coll.insertOne(new Document("_id", 6));
        assertThat(ids(take(watch(coll.watch().resumeAfter(lastToken)), 4)))
                .containsExactly(3, 4, 5, 6);
        assertThat(ids(take(watch(coll.watch().startAfter(drainedToken)), 1))).containsExactly(6);
        assertThat(ids(take(watch(coll.watch().resumeAfter(emptyToken)), 6)))
                .containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void eventsHaveMongodsShapeInWriteOrder() {
        MongoChangeStreamCursor<BsonDocument> stream =
                watch(coll.watch().fullDocument(FullDocument.UPDATE_LOOKUP));
        coll.insertOne(
                new Document("_id", 1)
                        .append("a", 1)
                        .append("b", List.of(1, 2, 3))
                        .append("c", new Document("d", 0)));
        coll.updateOne(
                new Document("_id", 1),
                Updates.combine(Updates.set("a", 2), Updates.set("c.d", 3), Updates.unset("b")));
        coll.replaceOne(new Document("_id", 1), new Document("x", "y"));
        coll.deleteOne(new Document("_id", 1));

        List<BsonDocument> events = take(stream, 4);

        assertThat(types(events)).containsExactly("insert", "update", "replace", "delete");
        for (BsonDocument event : events) {
            assertThat(event.keySet())
                    .contains("_id", "operationType", "clusterTime", "ns", "documentKey");
            assertThat(event.getDocument("ns"))
                    .isEqualTo(
                            new BsonDocument("db", new BsonString(db.getName()))
                                    .append("coll", new BsonString("coll")));
            assertThat(event.getDocument("documentKey"))
                    .isEqualTo(new BsonDocument("_id", new BsonInt32(1)));
            assertThat(event.getDocument("_id").getString("_data").getValue()).startsWith("82");
        }
        for (int i = 1; i < events.size(); i++) {
            assertThat(time(events.get(i).getDocument("_id")))
                    .isGreaterThan(time(events.get(i - 1).getDocument("_id")));
        }
        assertThat(events.get(0).getDocument("fullDocument"))
                .isEqualTo(BsonDocument.parse("{_id: 1, a: 1, b: [1, 2, 3], c: {d: 0}}"));
        assertThat(events.get(0)).doesNotContainKey("updateDescription");
        BsonDocument description = events.get(1).getDocument("updateDescription");
        assertThat(description.getDocument("updatedFields"))
                .isEqualTo(BsonDocument.parse("{a: 2, 'c.d': 3}"));
        assertThat(description.getArray("removedFields")).containsExactly(new BsonString("b"));
        assertThat(description.getArray("truncatedArrays")).isEmpty();
        // updateLookup reads the document when the event is read: it is gone by then.
        assertThat(events.get(1).isNull("fullDocument")).isTrue();
        assertThat(events.get(2).getDocument("fullDocument"))
                .isEqualTo(BsonDocument.parse("{_id: 1, x: 'y'}"));
        assertThat(events.get(2)).doesNotContainKey("updateDescription");
        assertThat(events.get(3)).doesNotContainKeys("fullDocument", "updateDescription");
    }

    @Test
    void aPipelineThatChangesTheEventIdFailsWith280() {
        MongoChangeStreamCursor<BsonDocument> stream =
                watch(coll.watch(List.of(Aggregates.project(Projections.excludeId()))));
        coll.insertOne(new Document("_id", 1));

        assertThatThrownBy(() -> take(stream, 1))
                .isInstanceOfSatisfying(
                        MongoCommandException.class,
                        e -> {
                            assertThat(e.getErrorCode()).isEqualTo(280);
                            assertThat(e.getErrorCodeName()).isEqualTo("ChangeStreamFatalError");
                            assertThat(e.hasErrorLabel("NonResumableChangeStreamError")).isTrue();
                        });
    }

    @Test
    void anUnknownPipelineStageIsRefusedWith40324() {
        assertThatThrownBy(() -> watch(coll.watch(List.of(new Document("$unsupported", "foo")))))
                .isInstanceOfSatisfying(
                        MongoCommandException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(40324));
    }

    @Test
    void resumingFromAnEventTheOplogNeverHeldFailsWith280() {
        assumeTrue(
                TestMongo.isEmulator(),
                "the token is made up in the emulator's format; mongod's tokens are opaque");
        // An emulator of its own: no other test moves its history horizon.
        try (MongoEmulator emulator = MongoEmulator.start();
                MongoClient own =
                        com.mongodb.client.MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> c = own.getDatabase("contract").getCollection("coll");
            MongoChangeStreamCursor<BsonDocument> stream = watch(c.watch());
            c.insertOne(new Document("_id", 1));
            BsonDocument real = take(stream, 1).get(0).getDocument("_id");
            // Increment 0 of the event's second: no write is ever logged there.
            long unused = time(real) >>> 32 << 32;
            BsonDocument madeUp =
                    new BsonDocument(
                            "_data", new BsonString(String.format(Locale.ROOT, "82%016X", unused)));
            c.insertOne(new Document("_id", 2));

            assertThatThrownBy(() -> watch(c.watch().resumeAfter(madeUp)).tryNext())
                    .isInstanceOfSatisfying(
                            MongoCommandException.class,
                            e -> {
                                assertThat(e.getErrorCode()).isEqualTo(280);
                                assertThat(e.getErrorCodeName())
                                        .isEqualTo("ChangeStreamFatalError");
                            });
            // The real token still resumes.
            assertThat(ids(take(watch(c.watch().resumeAfter(real)), 1))).containsExactly(2);
        }
    }

    // ---- helpers ----

    private BsonDocument aggregate(BsonDocument stage, int batchSize) {
        return db.runCommand(
                new BsonDocument("aggregate", new BsonString("coll"))
                        .append(
                                "pipeline",
                                new BsonArray(List.of(new BsonDocument("$changeStream", stage))))
                        .append("cursor", new BsonDocument("batchSize", new BsonInt32(batchSize))),
                BsonDocument.class);
    }

    private BsonDocument getMore(long cursorId, int batchSize) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            BsonDocument cursor =
                    db.runCommand(
                                    new BsonDocument("getMore", new org.bson.BsonInt64(cursorId))
                                            .append("collection", new BsonString("coll"))
                                            .append("batchSize", new BsonInt32(batchSize)),
                                    BsonDocument.class)
                            .getDocument("cursor");
            if (!cursor.getArray("nextBatch").isEmpty() || System.nanoTime() > deadline) {
                return cursor;
            }
        }
    }

    private MongoChangeStreamCursor<BsonDocument> watch(
            com.mongodb.client.ChangeStreamIterable<Document> iterable) {
        @SuppressWarnings("unchecked")
        MongoChangeStreamCursor<BsonDocument> cursor =
                (MongoChangeStreamCursor<BsonDocument>)
                        iterable.withDocumentClass(BsonDocument.class).cursor();
        cursors.add(cursor);
        return cursor;
    }

    private static List<BsonDocument> take(MongoChangeStreamCursor<BsonDocument> stream, int n) {
        List<BsonDocument> events = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (events.size() < n && System.nanoTime() < deadline) {
            BsonDocument event = stream.tryNext();
            if (event != null) {
                events.add(event);
            }
        }
        assertThat(events).as("events within %s", WAIT).hasSize(n);
        return events;
    }

    private static List<String> types(List<BsonDocument> events) {
        List<String> types = new ArrayList<>();
        events.forEach(e -> types.add(e.getString("operationType").getValue()));
        return types;
    }

    private static List<Integer> ids(List<BsonDocument> events) {
        List<Integer> ids = new ArrayList<>();
        events.forEach(e -> ids.add(e.getDocument("documentKey").getInt32("_id").getValue()));
        return ids;
    }

    /** The cluster time in a token: the 8 bytes after mongod's leading 0x82. */
    private static long time(BsonDocument token) {
        return Long.parseUnsignedLong(token.getString("_data").getValue().substring(2, 18), 16);
    }
}
