package io.dbtransfer.embedded;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.Binary;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The emulator's ordered {@code _id} index ({@link IdOrderedIndex}, {@link IdIndexedCollection}):
 * reads served by it return exactly what the full scan returns, across BSON types and under writes,
 * and a range read examines the documents of its range, not of the collection. Uses its own
 * emulator so that the examined-documents counter sees only this class's queries.
 */
class IdIndexTest {

    private static final BsonDocument HINT = new BsonDocument("_id", new BsonInt32(1));

    private static MongoEmulator emulator;
    private static MongoClient client;

    @BeforeAll
    static void start() {
        emulator = MongoEmulator.start();
        client = MongoClients.create(emulator.connectionString());
    }

    @AfterAll
    static void stop() {
        client.close();
        emulator.close();
    }

    /**
     * Random mixed-type ids, random writes, random range / equality / $in queries with further
     * filters, sorts, skips and limits: each query's result through the index equals the same
     * query's result through the full scan (the {@code _id} condition wrapped in a one-element
     * {@code $or}, which the index planner does not look into), and min/max chunk reads equal the
     * slice of the fully sorted collection.
     */
    @Test
    void indexedReadsReturnWhatTheFullScanReturnsOverRandomMixedTypeIds() {
        Random random = new Random(20261202L);
        MongoCollection<Document> coll = client.getDatabase("idx_prop").getCollection("c");
        List<Object> pool = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            pool.add(randomId(random));
        }
        insertIgnoringDuplicates(coll, pool, random);

        String[] operators = {"$gt", "$gte", "$lt", "$lte"};
        List<Bson> sorts = new ArrayList<>();
        sorts.add(null);
        sorts.add(Sorts.ascending("_id"));
        sorts.add(Sorts.descending("_id"));
        sorts.add(Sorts.ascending("v"));
        sorts.add(new Document("$natural", -1));
        int compared = 0;
        int nonEmpty = 0;
        for (int round = 0; round < 30; round++) {
            for (int q = 0; q < 40; q++) {
                Document idCondition = new Document();
                int kind = random.nextInt(10);
                Object condition;
                if (kind == 0) {
                    condition = pick(random, pool);
                } else if (kind == 1) {
                    List<Object> values = new ArrayList<>();
                    for (int i = random.nextInt(6); i >= 0; i--) {
                        values.add(random.nextBoolean() ? pick(random, pool) : randomId(random));
                    }
                    condition = new Document("$in", values);
                } else {
                    for (int i = 1 + random.nextInt(2); i > 0; i--) {
                        Object bound;
                        int b = random.nextInt(20);
                        if (b == 0) {
                            bound = new BsonMinKey();
                        } else if (b == 1) {
                            bound = new BsonMaxKey();
                        } else {
                            bound = random.nextBoolean() ? pick(random, pool) : randomId(random);
                        }
                        idCondition.put(operators[random.nextInt(operators.length)], bound);
                    }
                    if (random.nextInt(5) == 0) {
                        idCondition.put("$ne", pick(random, pool));
                    }
                    condition = idCondition;
                }
                Document extra =
                        random.nextInt(3) == 0
                                ? new Document("v", new Document("$lt", random.nextInt(100)))
                                : new Document();
                Bson sort = sorts.get(random.nextInt(sorts.size()));
                int skip = random.nextInt(4) == 0 ? random.nextInt(5) : 0;
                int limit = random.nextInt(3) == 0 ? 1 + random.nextInt(20) : 0;

                Document indexed =
                        random.nextBoolean()
                                ? new Document(extra).append("_id", condition)
                                : new Document(
                                        "$and", List.of(new Document("_id", condition), extra));
                Document scanned =
                        new Document(extra).append("$or", List.of(new Document("_id", condition)));
                List<Document> viaIndex = run(coll.find(indexed), sort, skip, limit);
                List<Document> viaScan = run(coll.find(scanned), sort, skip, limit);
                assertThat(viaIndex)
                        .as("find(%s) sort %s skip %d limit %d", indexed, sort, skip, limit)
                        .isEqualTo(viaScan);
                compared++;
                nonEmpty += viaIndex.isEmpty() ? 0 : 1;
            }
            List<Document> sorted = run(coll.find(), Sorts.ascending("_id"), 0, 0);
            for (int c = 0; c < 5 && sorted.size() > 2; c++) {
                int from = random.nextInt(sorted.size());
                int to = from + random.nextInt(sorted.size() - from);
                List<Document> chunk = new ArrayList<>();
                coll.find()
                        .min(new Document("_id", sorted.get(from).get("_id")))
                        .max(new Document("_id", sorted.get(to).get("_id")))
                        .hint(HINT)
                        .batchSize(7)
                        .into(chunk);
                assertThat(chunk).isEqualTo(sorted.subList(from, to));
            }
            mutate(coll, pool, random);
        }
        assertThat(compared).isEqualTo(1200);
        assertThat(nonEmpty).as("queries that found something").isGreaterThan(600);
    }

    /**
     * The last chunk of 1,000 documents, read as Flink CDC reads a chunk (min/max/hint) and as
     * {@code verify} reads a page ({@code _id > last}, sorted, limit), examines the same number of
     * documents at 10,000 and at 200,000 documents; a scan examines them all.
     */
    @Test
    void readingTheLastChunkExaminesTheChunkNotTheCollection() {
        MongoCollection<Document> coll = client.getDatabase("idx_growth").getCollection("c");
        long[] atTenThousand = grow(coll, 10_000);
        long[] atTwoHundredThousand = grow(coll, 200_000);

        assertThat(atTenThousand[0]).isEqualTo(1_000);
        assertThat(atTenThousand[1]).isEqualTo(1_000);
        assertThat(atTwoHundredThousand[0]).isEqualTo(atTenThousand[0]);
        assertThat(atTwoHundredThousand[1]).isEqualTo(atTenThousand[1]);
        // The counter counts scans too: the same page by a filter the index cannot serve.
        long before = emulator.documentsExamined();
        List<Document> scanned = new ArrayList<>();
        coll.find(Filters.gte("n", 199_000)).sort(Sorts.ascending("_id")).into(scanned);
        assertThat(scanned).hasSize(1_000);
        assertThat(emulator.documentsExamined() - before).isEqualTo(200_000);
    }

    /**
     * A page as {@code verify} reads it ({@code ChunkedVerifier.page}: {@code min} on {@code _id}
     * with the index as hint, sorted, a limit, no {@code max}) from the start of a large collection
     * examines the page, not every document from its bound to the end (which made verify of 1M
     * documents quadratic: 2026-12-03).
     */
    @Test
    void aPageByMinAndLimitExaminesThePageNotTheRestOfTheCollection() {
        MongoCollection<Document> coll = client.getDatabase("idx_min_limit").getCollection("c");
        List<Document> batch = new ArrayList<>();
        for (long i = 0; i < 50_000; i++) {
            batch.add(new Document("_id", i).append("n", i));
        }
        coll.insertMany(batch);
        long before = emulator.documentsExamined();
        List<Document> page = new ArrayList<>();
        coll.find()
                .min(new Document("_id", 1_000L))
                .hint(HINT)
                .sort(Sorts.ascending("_id"))
                .limit(1_001)
                .into(page);
        assertThat(page).hasSize(1_001);
        assertThat(page.get(0).get("_id")).isEqualTo(1_000L);
        assertThat(page.get(1_000).get("_id")).isEqualTo(2_000L);
        assertThat(emulator.documentsExamined() - before).isEqualTo(1_001);

        // With a filter the limit counts matching documents: examined until the page is full.
        before = emulator.documentsExamined();
        page.clear();
        coll.find(Filters.mod("n", 2, 0))
                .min(new Document("_id", 1_000L))
                .hint(HINT)
                .limit(10)
                .into(page);
        assertThat(page)
                .extracting(d -> d.get("_id"))
                .containsExactly(
                        1_000L, 1_002L, 1_004L, 1_006L, 1_008L, 1_010L, 1_012L, 1_014L, 1_016L,
                        1_018L);
        assertThat(emulator.documentsExamined() - before).isEqualTo(19);
    }

    /**
     * Inserts up to {@code size} documents; examined by [chunk read, verify page] of the last
     * 1,000.
     */
    private static long[] grow(MongoCollection<Document> coll, int size) {
        long present = coll.estimatedDocumentCount();
        List<Document> batch = new ArrayList<>();
        for (long i = present; i < size; i++) {
            batch.add(new Document("_id", i).append("n", i));
            if (batch.size() == 10_000) {
                coll.insertMany(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            coll.insertMany(batch);
        }
        long from = size - 1_000L;
        long before = emulator.documentsExamined();
        List<Document> chunk = new ArrayList<>();
        coll.find()
                .min(new Document("_id", from))
                .max(new Document("_id", new BsonMaxKey()))
                .hint(HINT)
                .into(chunk);
        long chunkExamined = emulator.documentsExamined() - before;
        assertThat(chunk).hasSize(1_000);
        assertThat(chunk.get(0).get("_id")).isEqualTo(from);

        before = emulator.documentsExamined();
        List<Document> page = new ArrayList<>();
        coll.find(Filters.gt("_id", from - 1)).sort(Sorts.ascending("_id")).limit(1_000).into(page);
        long pageExamined = emulator.documentsExamined() - before;
        assertThat(page).isEqualTo(chunk);
        return new long[] {chunkExamined, pageExamined};
    }

    /**
     * Find by {@code _id}, {@code $in} on {@code _id} (reconcile's and verify's re-reads), updates
     * and deletes by {@code _id}, and a first verify page (no filter, sorted by {@code _id}, limit)
     * examine only their documents.
     */
    @Test
    void findByIdAndInOnIdExamineOnlyTheirDocuments() {
        MongoCollection<Document> coll = client.getDatabase("idx_points").getCollection("c");
        List<Document> documents = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            documents.add(new Document("_id", "k" + i).append("v", i));
        }
        coll.insertMany(documents);

        long before = emulator.documentsExamined();
        assertThat(coll.find(Filters.eq("_id", "k42")).first()).isEqualTo(documents.get(42));
        List<Document> some = new ArrayList<>();
        coll.find(Filters.and(Filters.in("_id", "k1", "k2", "nope"), Filters.gte("v", 2)))
                .into(some);
        coll.updateOne(Filters.eq("_id", "k7"), Updates.set("v", -7));
        coll.deleteOne(Filters.eq("_id", "k8"));
        List<Document> firstPage = new ArrayList<>();
        coll.find().sort(Sorts.ascending("_id")).limit(10).into(firstPage);
        // find 1, $in 2, update 1 plus the oplog's post-image read 1, delete 1, page 10
        assertThat(emulator.documentsExamined() - before).isEqualTo(1 + 2 + 2 + 1 + 10);
        assertThat(firstPage.get(0).get("_id")).isEqualTo("k0");
        assertThat(firstPage.get(9).get("_id")).isEqualTo("k1005");
        assertThat(some).containsExactly(documents.get(2));

        // $lt on a string matches strings only (type bracketing): the numbers before them are
        // not examined.
        List<Document> numbers = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            numbers.add(new Document("_id", i));
        }
        coll.insertMany(numbers);
        before = emulator.documentsExamined();
        List<Document> below = new ArrayList<>();
        coll.find(Filters.lt("_id", "k1")).into(below);
        assertThat(below).containsExactly(documents.get(0));
        assertThat(emulator.documentsExamined() - before).isEqualTo(1);
        assertThat(coll.find(Filters.eq("_id", "k7")).first().get("v")).isEqualTo(-7);
        assertThat(coll.find(Filters.eq("_id", "k8")).first()).isNull();
    }

    /** Concurrent writers and readers; afterwards the index path and the scan agree exactly. */
    @Test
    void indexStaysExactUnderConcurrentWritesDropAndRecreate() throws Exception {
        MongoDatabase db = client.getDatabase("idx_concurrent");
        MongoCollection<Document> coll = db.getCollection("c");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                futures.add(
                        pool.submit(
                                () -> {
                                    Random random = new Random(thread);
                                    for (int i = 0; i < 400; i++) {
                                        int id = random.nextInt(300);
                                        switch (random.nextInt(5)) {
                                            case 0:
                                                coll.replaceOne(
                                                        Filters.eq("_id", id),
                                                        new Document("v", i),
                                                        new ReplaceOptions().upsert(true));
                                                break;
                                            case 1:
                                                coll.updateOne(
                                                        Filters.eq("_id", id),
                                                        Updates.inc("v", 1),
                                                        new UpdateOptions().upsert(true));
                                                break;
                                            case 2:
                                                coll.deleteMany(
                                                        Filters.and(
                                                                Filters.gte("_id", id),
                                                                Filters.lt("_id", id + 3)));
                                                break;
                                            default:
                                                List<Document> page = new ArrayList<>();
                                                coll.find(Filters.gt("_id", id))
                                                        .sort(Sorts.ascending("_id"))
                                                        .limit(20)
                                                        .into(page);
                                                for (int p = 1; p < page.size(); p++) {
                                                    assertThat(page.get(p).getInteger("_id"))
                                                            .isGreaterThan(
                                                                    page.get(p - 1)
                                                                            .getInteger("_id"));
                                                }
                                        }
                                    }
                                    return null;
                                }));
            }
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertIndexAgreesWithScan(coll);
        assertThat(coll.countDocuments()).isPositive();

        coll.drop();
        coll.insertMany(List.of(new Document("_id", 5), new Document("_id", 1)));
        assertIndexAgreesWithScan(coll);
        List<Object> ids = new ArrayList<>();
        coll.find(Filters.gte("_id", 0))
                .sort(Sorts.ascending("_id"))
                .forEach(d -> ids.add(d.get("_id")));
        assertThat(ids).containsExactly(1, 5);
    }

    private static void assertIndexAgreesWithScan(MongoCollection<Document> coll) {
        for (int lower = -1; lower < 310; lower += 13) {
            Bson range = Filters.and(Filters.gte("_id", lower), Filters.lt("_id", lower + 40));
            Document indexed =
                    new Document("_id", new Document("$gte", lower).append("$lt", lower + 40));
            Document scanned = new Document("$or", List.of(indexed));
            assertThat(run(coll.find(indexed), Sorts.descending("_id"), 0, 0))
                    .as("%s", range)
                    .isEqualTo(run(coll.find(scanned), Sorts.descending("_id"), 0, 0));
        }
    }

    // ---- helpers ----

    private static List<Document> run(FindIterable<Document> find, Bson sort, int skip, int limit) {
        if (sort != null) {
            find.sort(sort);
        }
        List<Document> out = new ArrayList<>();
        find.skip(skip).limit(limit).batchSize(5).into(out);
        return out;
    }

    private static void insertIgnoringDuplicates(
            MongoCollection<Document> coll, List<Object> ids, Random random) {
        List<Document> documents = new ArrayList<>();
        for (Object id : ids) {
            documents.add(new Document("_id", id).append("v", random.nextInt(100)));
        }
        try {
            coll.insertMany(documents, new InsertManyOptions().ordered(false));
        } catch (MongoBulkWriteException e) {
            // numerically equal ids of different number types collide, as on mongod
        }
    }

    private static void mutate(MongoCollection<Document> coll, List<Object> pool, Random random) {
        for (int i = 0; i < 20; i++) {
            Object id = pick(random, pool);
            switch (random.nextInt(5)) {
                case 0:
                    coll.deleteOne(Filters.eq("_id", id));
                    break;
                case 1:
                    coll.updateOne(
                            Filters.eq("_id", id),
                            Updates.set("v", random.nextInt(100)),
                            new UpdateOptions().upsert(true));
                    break;
                case 2:
                    coll.replaceOne(
                            Filters.eq("_id", id),
                            new Document("v", random.nextInt(100)).append("r", true),
                            new ReplaceOptions().upsert(true));
                    break;
                case 3:
                    Object fresh = randomId(random);
                    pool.add(fresh);
                    insertIgnoringDuplicates(coll, List.of(fresh), random);
                    break;
                default:
                    coll.deleteMany(Filters.eq("v", random.nextInt(100)));
                    break;
            }
        }
    }

    private static Object pick(Random random, List<Object> pool) {
        return pool.get(random.nextInt(pool.size()));
    }

    /** An id of a random BSON type, with values that often collide within and across types. */
    private static Object randomId(Random random) {
        int small = random.nextInt(60) - 20;
        switch (random.nextInt(12)) {
            case 0:
                return small;
            case 1:
                return (long) small * 3 + (1L << 40);
            case 2:
                return small + 0.5;
            case 3:
                return new Decimal128(new BigDecimal(small).movePointLeft(1));
            case 4:
                return "s" + Integer.toString(small + 20, 36) + (random.nextBoolean() ? "x" : "");
            case 5:
                return new ObjectId(new Date(1_700_000_000_000L + small * 1000L), small + 20);
            case 6:
                return random.nextBoolean();
            case 7:
                return new Date(1_700_000_000_000L + small * 60_000L);
            case 8:
                return new Binary(new byte[] {(byte) small, (byte) random.nextInt(3)});
            case 9:
                return new Document("a", small).append("b", random.nextBoolean() ? "x" : 1);
            case 10:
                return new BsonTimestamp(1_700_000_000 + small, random.nextInt(3));
            default:
                return random.nextInt(10) == 0 ? null : (double) small;
        }
    }
}
