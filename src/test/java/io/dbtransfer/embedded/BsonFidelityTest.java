package io.dbtransfer.embedded;

import io.dbtransfer.testing.TestDurations;
import io.dbtransfer.testing.TestMongo;

import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.changestream.FullDocument;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDbPointer;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonJavaScript;
import org.bson.BsonJavaScriptWithScope;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonSymbol;
import org.bson.BsonTimestamp;
import org.bson.BsonUndefined;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every BSON type and binary subtype, written with the driver and read back byte for byte: by
 * {@code find}, and through a change stream with {@code updateLookup} (the insert's document and an
 * update's looked-up post-image). Runs against {@link TestMongo}: the emulator, or the replica set
 * {@code DBTRANSFER_MONGO_URI} names, so the expectations are mongod's.
 */
class BsonFidelityTest {

    private static final Duration WAIT = TestDurations.SHORT;
    private static final AtomicInteger IDS = new AtomicInteger();

    private static MongoClient client;
    private static MongoDatabase db;
    private static MongoCollection<RawBsonDocument> coll;

    @BeforeAll
    static void setUp() {
        client = TestMongo.client();
        db = client.getDatabase(TestMongo.newDatabaseName("bson"));
        db.createCollection("values");
        coll = db.getCollection("values", RawBsonDocument.class);
    }

    @AfterAll
    static void tearDown() {
        db.drop();
    }

    static Stream<Arguments> values() {
        byte[] sixteen = new byte[16];
        for (int i = 0; i < 16; i++) {
            sixteen[i] = (byte) (0xF0 + i);
        }
        byte[] five = {1, 2, 3, (byte) 0x80, (byte) 0xFF};
        List<Arguments> out = new ArrayList<>();
        add(out, "double", new BsonDouble(1.5));
        add(out, "double NaN", new BsonDouble(Double.NaN));
        add(out, "double -0.0", new BsonDouble(-0.0));
        add(out, "double -Infinity", new BsonDouble(Double.NEGATIVE_INFINITY));
        add(out, "string", new BsonString("héllo \u0000 wörld"));
        add(out, "document", BsonDocument.parse("{a: 1, b: {c: [1, 'x']}}"));
        add(out, "array", new BsonArray(List.of(new BsonInt32(1), new BsonString("two"))));
        add(out, "binary 00 generic", new BsonBinary((byte) 0x00, five));
        add(out, "binary 01 function", new BsonBinary((byte) 0x01, five));
        add(out, "binary 02 old binary", new BsonBinary((byte) 0x02, five));
        add(out, "binary 03 old uuid", new BsonBinary((byte) 0x03, sixteen));
        add(out, "binary 04 uuid", new BsonBinary((byte) 0x04, sixteen));
        add(out, "binary 05 md5", new BsonBinary((byte) 0x05, sixteen));
        add(out, "binary 06 encrypted", new BsonBinary((byte) 0x06, five));
        add(out, "binary 07 compressed column", new BsonBinary((byte) 0x07, five));
        add(out, "binary 08 sensitive", new BsonBinary((byte) 0x08, five));
        add(out, "binary 09 vector", new BsonBinary((byte) 0x09, new byte[] {0x03, 0, 1, 2}));
        add(out, "binary 80 user defined", new BsonBinary((byte) 0x80, five));
        add(out, "binary C7 user defined", new BsonBinary((byte) 0xC7, five));
        add(out, "binary FF user defined", new BsonBinary((byte) 0xFF, five));
        add(out, "binary 80 empty", new BsonBinary((byte) 0x80, new byte[0]));
        add(out, "undefined", new BsonUndefined());
        add(out, "null", BsonNull.VALUE);
        add(out, "objectId", new BsonObjectId(new ObjectId("5f0c4a3e9d1b2c3d4e5f6a7b")));
        add(out, "boolean", BsonBoolean.TRUE);
        add(out, "date", new BsonDateTime(1_700_000_000_123L));
        add(out, "date before year 1", new BsonDateTime(-62_135_596_800_001L));
        add(out, "date after year 9999", new BsonDateTime(253_402_300_800_000L));
        add(out, "date Long.MIN_VALUE", new BsonDateTime(Long.MIN_VALUE));
        add(out, "date Long.MAX_VALUE", new BsonDateTime(Long.MAX_VALUE));
        add(out, "regex with flags", new BsonRegularExpression("^a.c$", "imsux"));
        add(
                out,
                "dbPointer",
                new BsonDbPointer("db.coll", new ObjectId("5f0c4a3e9d1b2c3d4e5f6a7c")));
        add(out, "javascript", new BsonJavaScript("function () { return 1; }"));
        add(out, "symbol", new BsonSymbol("a symbol"));
        add(
                out,
                "javascript with scope",
                new BsonJavaScriptWithScope(
                        "function () { return x; }", BsonDocument.parse("{x: 1}")));
        add(out, "int32", new BsonInt32(Integer.MIN_VALUE));
        add(out, "timestamp", new BsonTimestamp(1_700_000_000, 7));
        add(out, "int64", new BsonInt64(Long.MAX_VALUE));
        add(out, "decimal128", new BsonDecimal128(Decimal128.parse("-1234.5678E-20")));
        add(out, "decimal128 NaN", new BsonDecimal128(Decimal128.NaN));
        add(out, "decimal128 -NaN", new BsonDecimal128(Decimal128.NEGATIVE_NaN));
        add(out, "decimal128 Infinity", new BsonDecimal128(Decimal128.POSITIVE_INFINITY));
        add(out, "decimal128 -Infinity", new BsonDecimal128(Decimal128.NEGATIVE_INFINITY));
        add(out, "decimal128 -0", new BsonDecimal128(Decimal128.NEGATIVE_ZERO));
        add(out, "decimal128 -0E-6176", new BsonDecimal128(Decimal128.parse("-0E-6176")));
        add(out, "decimal128 max exponent", new BsonDecimal128(Decimal128.parse("1E+6144")));
        add(out, "minKey", new BsonMinKey());
        add(out, "maxKey", new BsonMaxKey());
        return out.stream();
    }

    private static void add(List<Arguments> out, String name, BsonValue value) {
        out.add(Arguments.of(name, value));
    }

    private static RawBsonDocument raw(BsonDocument d) {
        return new RawBsonDocument(d, new BsonDocumentCodec());
    }

    private static byte[] bytes(RawBsonDocument d) {
        ByteBuffer b = d.getByteBuffer().asNIO();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("values")
    void findReturnsTheValueByteForByte(String name, BsonValue value) {
        int id = IDS.incrementAndGet();
        RawBsonDocument inserted =
                raw(
                        new BsonDocument("_id", new BsonInt32(id))
                                .append("v", value)
                                .append("nested", new BsonDocument("v", value))
                                .append("inArray", new BsonArray(List.of(value))));
        coll.insertOne(inserted);

        RawBsonDocument found = coll.find(Filters.eq("_id", id)).first();

        assertThat(found).isNotNull();
        assertThat(Arrays.equals(bytes(found), bytes(inserted)))
                .as("%s: found %s, inserted %s", name, found.toJson(), inserted.toJson())
                .isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("values")
    void changeStreamCarriesTheValueByteForByte(String name, BsonValue value) {
        int id = IDS.incrementAndGet();
        try (MongoChangeStreamCursor<BsonDocument> stream = watch()) {
            RawBsonDocument inserted =
                    raw(new BsonDocument("_id", new BsonInt32(id)).append("v", value));
            coll.insertOne(inserted);
            coll.updateOne(Filters.eq("_id", id), Updates.set("n", 1));
            RawBsonDocument updated =
                    raw(
                            new BsonDocument("_id", new BsonInt32(id))
                                    .append("v", value)
                                    .append("n", new BsonInt32(1)));

            List<BsonDocument> events = take(stream, 2);

            assertThat(events.get(0).getString("operationType").getValue()).isEqualTo("insert");
            assertThat(
                            Arrays.equals(
                                    bytes(raw(events.get(0).getDocument("fullDocument"))),
                                    bytes(inserted)))
                    .as("%s insert: %s", name, events.get(0).toJson())
                    .isTrue();
            assertThat(events.get(1).getString("operationType").getValue()).isEqualTo("update");
            assertThat(
                            Arrays.equals(
                                    bytes(raw(events.get(1).getDocument("fullDocument"))),
                                    bytes(updated)))
                    .as("%s update lookup: %s", name, events.get(1).toJson())
                    .isTrue();
        }
    }

    @SuppressWarnings("unchecked")
    private static MongoChangeStreamCursor<BsonDocument> watch() {
        return (MongoChangeStreamCursor<BsonDocument>)
                coll.watch()
                        .fullDocument(FullDocument.UPDATE_LOOKUP)
                        .withDocumentClass(BsonDocument.class)
                        .cursor();
    }

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
}
