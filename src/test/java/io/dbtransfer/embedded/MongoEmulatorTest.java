package io.dbtransfer.embedded;

import io.dbtransfer.testing.TestDurations;
import io.dbtransfer.testing.TestMongo;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndReplaceOptions;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.changestream.FullDocument;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.conversions.Bson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The change-stream and snapshot behaviour DBtransfer relies on, checked over the wire with the
 * MongoDB driver. Runs against {@link TestMongo} (the emulator unless {@code DBTRANSFER_MONGO_URI}
 * names a real replica set), so the expectations are mongod's.
 */
class MongoEmulatorTest {

    private static final Duration WAIT = TestDurations.SHORT;

    private MongoClient client;
    private MongoDatabase db;
    private MongoCollection<Document> coll;
    private final List<MongoChangeStreamCursor<?>> cursors = new ArrayList<>();

    @BeforeEach
    void setUp() {
        client = TestMongo.client();
        db = client.getDatabase(TestMongo.newDatabaseName("emu"));
        coll = db.getCollection("coll");
        db.createCollection("coll");
    }

    @AfterEach
    void tearDown() {
        cursors.forEach(MongoChangeStreamCursor::close);
        db.drop();
    }

    @Test
    void findWithoutBatchSizeIsSentInBoundedBatchesAsMongodDoes() {
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            docs.add(new Document("_id", i).append("pad", "x".repeat(100)));
        }
        coll.insertMany(docs);

        try (com.mongodb.client.MongoCursor<Document> cursor = coll.find().cursor()) {
            // mongod's first batch holds 101 documents when the client names no batch size.
            assertThat(cursor.available()).isEqualTo(101);
            int seen = 0;
            int largestLaterBatch = 0;
            while (cursor.hasNext()) {
                int available = cursor.available();
                if (seen >= 101 && available > 0) {
                    largestLaterBatch = Math.max(largestLaterBatch, available);
                }
                for (int i = 0; i < available; i++) {
                    cursor.next();
                    seen++;
                }
            }
            assertThat(seen).isEqualTo(2500);
            assertThat(largestLaterBatch).isBetween(1, 2000);
        }
    }

    @Test
    void repliesCarryClusterTimeOperationTimeAndDoubleOk() {
        Document ping = db.runCommand(new Document("ping", 1));
        Document isMaster = client.getDatabase("admin").runCommand(new Document("isMaster", 1));
        coll.insertOne(new Document("_id", 1));
        Document afterWrite = db.runCommand(new Document("ping", 1));

        for (Document reply : List.of(ping, isMaster, afterWrite)) {
            assertThat(reply.get("ok")).isEqualTo(1.0);
            assertThat(reply.get("$clusterTime", Document.class).get("clusterTime"))
                    .isInstanceOf(BsonTimestamp.class);
            assertThat(reply.get("operationTime")).isInstanceOf(BsonTimestamp.class);
        }
        BsonTimestamp before = clusterTime(ping);
        BsonTimestamp after = clusterTime(afterWrite);
        assertThat(after).isGreaterThan(before);
        if (TestMongo.isEmulator()) {
            assertThat(TestMongo.emulator().currentClusterTimeVersion())
                    .isGreaterThanOrEqualTo(after.getValue());
        }
    }

    @Test
    void eventsComeInOrderWithIncreasingTokensNsAndDocumentKey() {
        MongoChangeStreamCursor<BsonDocument> stream = watch(coll, null);
        coll.insertOne(new Document("_id", 1).append("a", 1));
        coll.updateOne(Filters.eq("_id", 1), Updates.set("a", 2));
        coll.replaceOne(Filters.eq("_id", 1), new Document("_id", 1).append("b", "x"));
        coll.deleteOne(Filters.eq("_id", 1));

        List<BsonDocument> events = take(stream, 4);

        assertThat(events)
                .extracting(e -> e.getString("operationType").getValue())
                .containsExactly("insert", "update", "replace", "delete");
        long previous = 0;
        for (BsonDocument event : events) {
            long clusterTime = event.getTimestamp("clusterTime").getValue();
            assertThat(clusterTime).isGreaterThan(previous);
            previous = clusterTime;
            String data = event.getDocument("_id").getString("_data").getValue();
            assertThat(data).startsWith(String.format(Locale.ROOT, "82%016X", clusterTime));
            assertThat(event.getDocument("ns"))
                    .isEqualTo(
                            new BsonDocument("db", new BsonString(db.getName()))
                                    .append("coll", new BsonString("coll")));
            assertThat(event.getDocument("documentKey"))
                    .isEqualTo(new BsonDocument("_id", new BsonInt32(1)));
            assertThat(event.get("wallTime")).isNotNull();
        }
        assertThat(events.get(0).getDocument("fullDocument").getInt32("a").getValue()).isEqualTo(1);
        assertThat(events.get(2).getDocument("fullDocument"))
                .isEqualTo(BsonDocument.parse("{_id: 1, b: 'x'}"));
        assertThat(events.get(3).containsKey("fullDocument")).isFalse();
    }

    @Test
    void replacementIsReportedAsReplaceAndOperatorUpdateAsUpdate() {
        coll.insertOne(new Document("_id", 7).append("a", 1));
        MongoChangeStreamCursor<BsonDocument> stream = watch(coll, FullDocument.UPDATE_LOOKUP);
        coll.replaceOne(Filters.eq("_id", 7), new Document("c", 3));
        coll.updateOne(Filters.eq("_id", 7), Updates.set("d", 4));

        List<BsonDocument> events = take(stream, 2);

        assertThat(events.get(0).getString("operationType").getValue()).isEqualTo("replace");
        assertThat(events.get(0).getDocument("fullDocument"))
                .isEqualTo(BsonDocument.parse("{_id: 7, c: 3}"));
        assertThat(events.get(0).containsKey("updateDescription")).isFalse();
        assertThat(events.get(1).getString("operationType").getValue()).isEqualTo("update");
    }

    @Test
    void updateLookupGivesThePostImageOfSetUnsetIncAndNestedSet() {
        coll.insertOne(Document.parse("{_id: 1, a: 1, b: 'gone soon', n: 10, sub: {x: 1, y: 1}}"));
        MongoChangeStreamCursor<BsonDocument> stream = watch(coll, FullDocument.UPDATE_LOOKUP);

        coll.updateOne(Filters.eq("_id", 1), Updates.set("a", 2));
        BsonDocument set = take(stream, 1).get(0);
        coll.updateOne(Filters.eq("_id", 1), Updates.unset("b"));
        BsonDocument unset = take(stream, 1).get(0);
        coll.updateOne(Filters.eq("_id", 1), Updates.inc("n", 5));
        BsonDocument inc = take(stream, 1).get(0);
        coll.updateOne(Filters.eq("_id", 1), Updates.set("sub.x", 9));
        BsonDocument nested = take(stream, 1).get(0);

        assertThat(set.getDocument("fullDocument"))
                .isEqualTo(
                        BsonDocument.parse(
                                "{_id: 1, a: 2, b: 'gone soon', n: 10, sub: {x: 1, y: 1}}"));
        assertThat(unset.getDocument("fullDocument"))
                .isEqualTo(BsonDocument.parse("{_id: 1, a: 2, n: 10, sub: {x: 1, y: 1}}"));
        assertThat(inc.getDocument("fullDocument"))
                .isEqualTo(BsonDocument.parse("{_id: 1, a: 2, n: 15, sub: {x: 1, y: 1}}"));
        assertThat(nested.getDocument("fullDocument"))
                .isEqualTo(BsonDocument.parse("{_id: 1, a: 2, n: 15, sub: {x: 9, y: 1}}"));
    }

    @Test
    void updateDescriptionListsUpdatedAndRemovedFields() {
        coll.insertOne(Document.parse("{_id: 1, a: 1, b: 2, n: 1, sub: {x: 1}}"));
        MongoChangeStreamCursor<BsonDocument> stream = watch(coll, null);

        coll.updateOne(
                Filters.eq("_id", 1),
                Updates.combine(
                        Updates.set("a", 5),
                        Updates.inc("n", 2),
                        Updates.set("sub.x", 3),
                        Updates.unset("b")));

        BsonDocument description = take(stream, 1).get(0).getDocument("updateDescription");
        assertThat(description.getDocument("updatedFields"))
                .isEqualTo(BsonDocument.parse("{a: 5, n: 3, 'sub.x': 3}"));
        assertThat(description.getArray("removedFields")).containsExactly(new BsonString("b"));
        assertThat(description.getArray("truncatedArrays")).isEmpty();
    }

    @Test
    void fullDocumentIsNullWhenTheDocumentIsDeletedBeforeTheLookup() {
        coll.insertOne(new Document("_id", 1).append("a", 1));
        MongoChangeStreamCursor<BsonDocument> stream = watch(coll, FullDocument.UPDATE_LOOKUP);
        coll.updateOne(Filters.eq("_id", 1), Updates.set("a", 2));
        coll.deleteOne(Filters.eq("_id", 1));

        List<BsonDocument> events = take(stream, 2);

        assertThat(events.get(0).getString("operationType").getValue()).isEqualTo("update");
        assertThat(events.get(0).containsKey("fullDocument")).isTrue();
        assertThat(events.get(0).get("fullDocument").isNull()).isTrue();
        assertThat(events.get(1).getString("operationType").getValue()).isEqualTo("delete");
    }

    @Test
    void resumeAfterAndStartAfterAreExclusiveStartAtOperationTimeIsInclusive() {
        MongoChangeStreamCursor<BsonDocument> stream = watch(coll, null);
        for (int i = 1; i <= 3; i++) {
            coll.insertOne(new Document("_id", i));
        }
        List<BsonDocument> events = take(stream, 3);
        BsonDocument firstToken = events.get(0).getDocument("_id");
        BsonTimestamp secondTime = events.get(1).getTimestamp("clusterTime");

        List<BsonDocument> resumed =
                take(
                        cursor(
                                coll.watch()
                                        .resumeAfter(firstToken)
                                        .withDocumentClass(BsonDocument.class)),
                        2);
        List<BsonDocument> started =
                take(
                        cursor(
                                coll.watch()
                                        .startAfter(firstToken)
                                        .withDocumentClass(BsonDocument.class)),
                        2);
        List<BsonDocument> atTime =
                take(
                        cursor(
                                coll.watch()
                                        .startAtOperationTime(secondTime)
                                        .withDocumentClass(BsonDocument.class)),
                        2);

        assertThat(ids(resumed)).containsExactly(2, 3);
        assertThat(ids(started)).containsExactly(2, 3);
        assertThat(ids(atTime)).containsExactly(2, 3);
        assertThat(atTime.get(0).getDocument("_id")).isEqualTo(events.get(1).getDocument("_id"));
    }

    @Test
    void postBatchResumeTokenMovesOnWhenIdleAndResumesAfterWhatWasSeen() {
        MongoChangeStreamCursor<BsonDocument> stream = watch(coll, null);
        // As Flink CDC reads the current offset: poll once, then ask for the token.
        assertThat(stream.tryNext()).isNull();
        BsonDocument opened = stream.getResumeToken();
        assertThat(opened).isNotNull();

        coll.insertOne(new Document("_id", 1));
        take(stream, 1);
        // A write elsewhere: no event for this stream, but its resume token passes it.
        BsonTimestamp elsewhere = insertElsewhere();
        BsonDocument idle = tokenAfterIdlePoll(stream, elsewhere);

        assertThat(decode(idle)).isGreaterThan(decode(opened));
        assertThat(decode(idle)).isGreaterThanOrEqualTo(elsewhere.getValue());
        coll.insertOne(new Document("_id", 2));
        List<BsonDocument> resumed =
                take(
                        cursor(
                                coll.watch()
                                        .resumeAfter(idle)
                                        .withDocumentClass(BsonDocument.class)),
                        1);
        assertThat(ids(resumed)).containsExactly(2);
    }

    @Test
    void databaseWatchSeesEveryCollectionOfItsDatabaseOnly() {
        MongoDatabase other = client.getDatabase(TestMongo.newDatabaseName("emu_other"));
        try {
            MongoChangeStreamCursor<BsonDocument> stream =
                    cursor(db.watch().withDocumentClass(BsonDocument.class));
            coll.insertOne(new Document("_id", 1));
            other.getCollection("coll").insertOne(new Document("_id", 2));
            db.getCollection("second").insertOne(new Document("_id", 3));

            List<BsonDocument> events = take(stream, 2);

            assertThat(events)
                    .extracting(e -> e.getDocument("ns").getString("coll").getValue())
                    .containsExactly("coll", "second");
            assertThat(ids(events)).containsExactly(1, 3);
            assertThat(tryTake(stream)).isNull();
        } finally {
            other.drop();
        }
    }

    @Test
    void watchPipelineWithAddedNamespaceFieldAndRegexMatchFiltersAsFlinkCdcAsks() {
        // What Flink CDC sends for a collection list given as a pattern.
        List<Bson> pipeline =
                List.of(
                        Document.parse(
                                "{$addFields: {_ns_: {$concat: ['$ns.db', '.', '$ns.coll']}}}"),
                        Aggregates.match(Filters.regex("_ns_", "^" + db.getName() + "\\.c[12]$")));
        MongoChangeStreamCursor<BsonDocument> stream =
                cursor(db.watch(pipeline).withDocumentClass(BsonDocument.class));
        db.getCollection("c1").insertOne(new Document("_id", 1));
        db.getCollection("c3").insertOne(new Document("_id", 3));
        db.getCollection("c2").insertOne(new Document("_id", 2));

        List<BsonDocument> events = take(stream, 2);

        assertThat(ids(events)).containsExactly(1, 2);
        assertThat(events.get(1).getString("_ns_").getValue()).isEqualTo(db.getName() + ".c2");
        assertThat(tryTake(stream)).isNull();
    }

    @Test
    void clusterWatchSeesEveryDatabase() {
        MongoDatabase other = client.getDatabase(TestMongo.newDatabaseName("emu_other"));
        try {
            MongoChangeStreamCursor<BsonDocument> stream =
                    cursor(client.watch().withDocumentClass(BsonDocument.class));
            coll.insertOne(new Document("_id", 1));
            other.getCollection("elsewhere").insertOne(new Document("_id", 2));

            List<BsonDocument> events = take(stream, 2);

            assertThat(events)
                    .extracting(e -> e.getDocument("ns").getString("db").getValue())
                    .containsExactly(db.getName(), other.getName());
            assertThat(ids(events)).containsExactly(1, 2);
        } finally {
            other.drop();
        }
    }

    @Test
    void dropIsReportedAndWritesToOtherCollectionsAreNot() {
        MongoChangeStreamCursor<BsonDocument> stream = watch(coll, null);
        db.getCollection("unwatched").insertOne(new Document("_id", 1));
        coll.insertOne(new Document("_id", 2));
        coll.drop();

        List<BsonDocument> events = take(stream, 2);

        assertThat(events)
                .extracting(e -> e.getString("operationType").getValue())
                .containsExactly("insert", "drop");
        assertThat(ids(events.subList(0, 1))).containsExactly(2);
    }

    @Test
    void manyDocumentWritesLogOneEventPerDocumentAndNoOpsNone() {
        coll.insertMany(
                IntStream.range(0, 5)
                        .mapToObj(i -> new Document("_id", i).append("even", i % 2 == 0))
                        .collect(Collectors.toList()));
        MongoChangeStreamCursor<BsonDocument> stream = watch(coll, null);
        coll.updateMany(Filters.eq("even", true), Updates.set("seen", true));
        coll.updateOne(Filters.eq("_id", 1), Updates.set("even", false));
        coll.deleteMany(Filters.eq("even", false));

        List<BsonDocument> events = take(stream, 5);

        assertThat(events)
                .extracting(e -> e.getString("operationType").getValue())
                .containsExactly("update", "update", "update", "delete", "delete");
        assertThat(ids(events)).containsExactly(0, 2, 4, 1, 3);
        assertThat(tryTake(stream)).isNull();
    }

    @Test
    void rejectedDuplicateInsertIsNotLogged() {
        MongoChangeStreamCursor<BsonDocument> stream = watch(coll, null);
        coll.insertOne(new Document("_id", 1).append("v", "first"));
        assertThatThrownBy(() -> coll.insertOne(new Document("_id", 1).append("v", "second")))
                .hasMessageContaining("E11000");
        coll.insertOne(new Document("_id", 2));

        List<BsonDocument> events = take(stream, 2);

        assertThat(ids(events)).containsExactly(1, 2);
        assertThat(events.get(0).getDocument("fullDocument").getString("v").getValue())
                .isEqualTo("first");
    }

    @Test
    void findAndModifyWritesAreLogged() {
        coll.insertOne(new Document("_id", 1).append("v", 1));
        coll.insertOne(new Document("_id", 2).append("v", 1));
        MongoChangeStreamCursor<BsonDocument> stream = watch(coll, FullDocument.UPDATE_LOOKUP);

        Document before = coll.findOneAndUpdate(Filters.eq("_id", 1), Updates.inc("v", 1));
        coll.findOneAndReplace(
                Filters.eq("_id", 2),
                new Document("w", 2),
                new FindOneAndReplaceOptions().returnDocument(ReturnDocument.AFTER));
        coll.findOneAndUpdate(
                Filters.eq("_id", 3),
                Updates.set("v", 3),
                new FindOneAndUpdateOptions().upsert(true));
        coll.findOneAndDelete(Filters.eq("_id", 1));

        List<BsonDocument> events = take(stream, 4);

        assertThat(before.getInteger("v")).isEqualTo(1);
        assertThat(events)
                .extracting(e -> e.getString("operationType").getValue())
                .containsExactly("update", "replace", "insert", "delete");
        assertThat(ids(events)).containsExactly(1, 2, 3, 1);
        assertThat(events.get(0).getDocument("updateDescription").getDocument("updatedFields"))
                .isEqualTo(BsonDocument.parse("{v: 2}"));
        assertThat(events.get(1).getDocument("fullDocument"))
                .isEqualTo(BsonDocument.parse("{_id: 2, w: 2}"));
        assertThat(events.get(2).getDocument("fullDocument"))
                .isEqualTo(BsonDocument.parse("{_id: 3, v: 3}"));
    }

    @Test
    void splitVectorCutsChunksOfAtMostHalfTheChunkSize() {
        String payload = "x".repeat(1000);
        List<Document> documents = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            documents.add(new Document("_id", i).append("payload", payload));
        }
        coll.insertMany(documents);
        int documentBytes =
                RawBsonDocument.parse(documents.get(0).toJson()).getByteBuffer().remaining();

        List<BsonValue> keys = splitKeys(coll, 1);

        int keysPerChunk = (1024 * 1024) / (2 * documentBytes);
        assertThat(keys)
                .containsExactlyElementsOf(
                        IntStream.iterate(keysPerChunk, i -> i < 3000, i -> i + keysPerChunk)
                                .mapToObj(BsonInt32::new)
                                .collect(Collectors.toList()));
        assertThat(keys).hasSizeBetween(5, 7);

        MongoCollection<Document> small = db.getCollection("small");
        small.insertMany(documents.subList(0, 100));
        assertThat(splitKeys(small, 1)).isEmpty();
    }

    @Test
    void findWithMinMaxAndHintReturnsExactlyTheRangeInIdOrder() {
        List<Document> documents = new ArrayList<>();
        for (int i = 29; i >= 0; i--) {
            documents.add(new Document("_id", i));
        }
        documents.add(new Document("_id", "a-string"));
        documents.add(new Document("_id", 2.5));
        coll.insertMany(documents);
        BsonDocument hint = new BsonDocument("_id", new BsonInt32(1));

        List<Object> range = new ArrayList<>();
        coll.find()
                .min(new BsonDocument("_id", new BsonInt32(10)))
                .max(new BsonDocument("_id", new BsonInt32(20)))
                .hint(hint)
                .batchSize(3)
                .forEach(d -> range.add(d.get("_id")));
        List<Object> head = new ArrayList<>();
        coll.find()
                .min(new BsonDocument("_id", new BsonMinKey()))
                .max(new BsonDocument("_id", new BsonInt32(3)))
                .hint(hint)
                .forEach(d -> head.add(d.get("_id")));
        List<Object> tail = new ArrayList<>();
        coll.find()
                .min(new BsonDocument("_id", new BsonInt32(29)))
                .max(new BsonDocument("_id", new BsonMaxKey()))
                .hint(hint)
                .forEach(d -> tail.add(d.get("_id")));

        assertThat(range).containsExactly(10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
        assertThat(head).containsExactly(0, 1, 2, 2.5);
        assertThat(tail).containsExactly(29, "a-string");
    }

    @Test
    void oplogCollStatsSizeIsTheBytesOfItsEntriesAsTheOplogGrowsAndExpires() {
        // Emulator only: a replica set adds no-op entries of its own between the two reads.
        assumeTrue(TestMongo.isEmulator(), "expireHistory() exists only in the emulator");
        MongoDatabase local = client.getDatabase("local");
        coll.insertMany(
                IntStream.range(0, 50)
                        .mapToObj(i -> new Document("_id", i).append("pad", "x".repeat(i)))
                        .collect(Collectors.toList()));
        assertThat(oplogStatsSize(local)).isEqualTo(oplogBytes(local));

        // Counted again after more writes: only the new entries are added to what was summed.
        coll.updateMany(Filters.lt("_id", 10), Updates.set("pad", "y"));
        coll.deleteMany(Filters.gte("_id", 40));
        assertThat(oplogStatsSize(local)).isEqualTo(oplogBytes(local)).isPositive();

        TestMongo.emulator().expireHistory();
        assertThat(oplogStatsSize(local)).isEqualTo(oplogBytes(local)).isZero();
        coll.insertOne(new Document("_id", "after"));
        assertThat(oplogStatsSize(local)).isEqualTo(oplogBytes(local)).isPositive();
    }

    private static long oplogStatsSize(MongoDatabase local) {
        return ((Number) local.runCommand(new Document("collStats", "oplog.rs")).get("size"))
                .longValue();
    }

    /** The bytes of every oplog document as the server sends them (the client's raw copies). */
    private static long oplogBytes(MongoDatabase local) {
        long sum = 0;
        for (RawBsonDocument d :
                local.getCollection("oplog.rs", RawBsonDocument.class).find().batchSize(10_000)) {
            sum += d.getByteBuffer().remaining();
        }
        return sum;
    }

    @Test
    void expiredHistoryFailsOpeningAndReadingWithChangeStreamHistoryLost() {
        assumeTrue(TestMongo.isEmulator(), "expireHistory() exists only in the emulator");
        MongoChangeStreamCursor<BsonDocument> open = watch(coll, null);
        coll.insertOne(new Document("_id", 1));
        BsonDocument token = take(open, 1).get(0).getDocument("_id");
        coll.insertOne(new Document("_id", 2));

        TestMongo.emulator().expireHistory();

        assertThatThrownBy(
                        () ->
                                coll.watch()
                                        .resumeAfter(token)
                                        .withDocumentClass(BsonDocument.class)
                                        .cursor())
                .isInstanceOfSatisfying(
                        MongoCommandException.class,
                        e -> {
                            assertThat(e.getErrorCode()).isEqualTo(286);
                            assertThat(e.getErrorCodeName()).isEqualTo("ChangeStreamHistoryLost");
                            assertThat(e.getErrorMessage())
                                    .isEqualTo(
                                            "Resume of change stream was not possible, as the"
                                                    + " resume point may no longer be in the"
                                                    + " oplog.");
                        });
        assertThatThrownBy(open::tryNext)
                .isInstanceOfSatisfying(
                        MongoCommandException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(286));

        MongoChangeStreamCursor<BsonDocument> fresh = watch(coll, null);
        coll.insertOne(new Document("_id", 3));
        assertThat(ids(take(fresh, 1))).containsExactly(3);
    }

    @Test
    void emulatorThreadsAreDaemonsAndStopOnClose() throws Exception {
        MongoEmulator emulator = MongoEmulator.start();
        try (MongoClient own = MongoClients.create(emulator.connectionString())) {
            own.getDatabase("x").getCollection("y").insertOne(new Document("_id", 1));
            assertThat(emulator.connectionString())
                    .isEqualTo(
                            "mongodb://127.0.0.1:" + emulator.port() + "/?directConnection=true");
            assertThat(emulator.host()).isEqualTo("127.0.0.1:" + emulator.port());
            List<Thread> serverThreads = serverThreads();
            assertThat(serverThreads).isNotEmpty().allMatch(Thread::isDaemon);
        } finally {
            emulator.close();
        }
        assertThatThrownBy(() -> new Socket("127.0.0.1", emulator.port()).close())
                .isInstanceOf(ConnectException.class);
    }

    // ---- helpers ----

    private MongoChangeStreamCursor<BsonDocument> watch(
            MongoCollection<Document> collection, FullDocument fullDocument) {
        var watch = collection.watch();
        if (fullDocument != null) {
            watch = watch.fullDocument(fullDocument);
        }
        return cursor(watch.withDocumentClass(BsonDocument.class));
    }

    private MongoChangeStreamCursor<BsonDocument> cursor(
            com.mongodb.client.MongoIterable<BsonDocument> iterable) {
        @SuppressWarnings("unchecked")
        MongoChangeStreamCursor<BsonDocument> cursor =
                (MongoChangeStreamCursor<BsonDocument>) iterable.cursor();
        cursors.add(cursor);
        return cursor;
    }

    /** The next {@code count} events, polling as Flink CDC does ({@code tryNext}). */
    private static List<BsonDocument> take(
            MongoChangeStreamCursor<BsonDocument> cursor, int count) {
        List<BsonDocument> events = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (events.size() < count && System.nanoTime() < deadline) {
            BsonDocument event = cursor.tryNext();
            if (event != null) {
                events.add(event);
            }
        }
        assertThat(events).as("change events within %s", WAIT).hasSize(count);
        return events;
    }

    /** Polls a few times; the event if one arrives, else null. */
    private static BsonDocument tryTake(MongoChangeStreamCursor<BsonDocument> cursor) {
        for (int i = 0; i < 5; i++) {
            BsonDocument event = cursor.tryNext();
            if (event != null) {
                return event;
            }
        }
        return null;
    }

    private BsonDocument tokenAfterIdlePoll(
            MongoChangeStreamCursor<BsonDocument> stream, BsonTimestamp atLeast) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        BsonDocument token = stream.getResumeToken();
        while (decode(token) < atLeast.getValue() && System.nanoTime() < deadline) {
            assertThat(stream.tryNext()).isNull();
            token = stream.getResumeToken();
        }
        return token;
    }

    private BsonTimestamp insertElsewhere() {
        MongoCollection<Document> elsewhere = db.getCollection("elsewhere");
        elsewhere.insertOne(new Document("_id", "e"));
        return clusterTime(db.runCommand(new Document("ping", 1)));
    }

    private static List<Object> ids(List<BsonDocument> events) {
        List<Object> ids = new ArrayList<>();
        for (BsonDocument event : events) {
            BsonValue id = event.getDocument("documentKey").get("_id");
            ids.add(id.isInt32() ? (Object) id.asInt32().getValue() : id);
        }
        return ids;
    }

    private static long decode(BsonDocument token) {
        String data = token.getString("_data").getValue();
        return Long.parseUnsignedLong(data.substring(2, 18), 16);
    }

    private static BsonTimestamp clusterTime(Document reply) {
        return (BsonTimestamp) reply.get("$clusterTime", Document.class).get("clusterTime");
    }

    private List<BsonValue> splitKeys(MongoCollection<Document> collection, int maxChunkSizeMb) {
        Document reply =
                db.runCommand(
                        new Document(
                                        "splitVector",
                                        db.getName()
                                                + "."
                                                + collection.getNamespace().getCollectionName())
                                .append("keyPattern", new Document("_id", 1))
                                .append("maxChunkSize", maxChunkSizeMb));
        BsonDocument raw = reply.toBsonDocument();
        List<BsonValue> keys = new ArrayList<>();
        for (BsonValue key : raw.getArray("splitKeys")) {
            keys.add(key.asDocument().get("_id"));
        }
        return keys;
    }

    private static List<Thread> serverThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("mongo-server-"))
                .collect(Collectors.toList());
    }
}
