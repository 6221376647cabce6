package io.dbtransfer.workload;

import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.result.DeleteResult;
import com.mongodb.client.result.InsertOneResult;
import com.mongodb.client.result.UpdateResult;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes live changes to a review collection while it is migrated, at a given rate and {@link
 * ChangeMix}: inserts of held-back (or freshly generated) reviews; updates that {@code $inc} votes,
 * {@code $set} stars and headlines, {@code $unset} the headline, {@code $push} comments and images
 * and take them away again with {@code $pull} and {@code $pop}; read-modify-write replaces;
 * deletes.
 *
 * <p>Writes only with {@code insertOne}, {@code updateOne}, {@code replaceOne} and {@code
 * deleteOne}, which every MongoDB (and the emulator) records in its change stream. Every change can
 * be logged ({@link ChangeLogWriter}) with the time it was sent and acknowledged, so latency and a
 * final comparison can name each change. One change at a time, from the thread that calls {@link
 * #run()}; {@link #stats()} and {@link #stop()} may be called from any thread.
 */
public final class LiveChangeSimulator implements Runnable {

    /** Counts of what was done (acknowledged changes per op, no-ops and refusals). */
    public static final class Stats {
        public final AtomicLong inserts = new AtomicLong();
        public final AtomicLong updates = new AtomicLong();
        public final AtomicLong replaces = new AtomicLong();
        public final AtomicLong deletes = new AtomicLong();

        /** Acknowledged changes that matched nothing or changed nothing (no change event). */
        public final AtomicLong noOps = new AtomicLong();

        /** Changes MongoDB refused (e.g. a duplicate key); logged with their error. */
        public final AtomicLong failed = new AtomicLong();

        /** Acknowledged inserts, updates, replaces and deletes (no-ops included). */
        public long total() {
            return inserts.get() + updates.get() + replaces.get() + deletes.get();
        }

        @Override
        public String toString() {
            return inserts
                    + " inserts, "
                    + updates
                    + " updates, "
                    + replaces
                    + " replaces, "
                    + deletes
                    + " deletes"
                    + (noOps.get() > 0 ? " (" + noOps + " changed nothing)" : "")
                    + (failed.get() > 0 ? ", " + failed + " refused" : "");
        }
    }

    /** Kinds of update and their relative weights. */
    private static final String[] UPDATE_KINDS = {
        "vote",
        "unhelpful-vote",
        "stars",
        "edit",
        "unset-headline",
        "push-comment",
        "push-image",
        "pull-comment",
        "pull-image",
        "pop-image",
        "pop-comment"
    };

    private static final int[] UPDATE_WEIGHTS = {25, 10, 8, 10, 4, 18, 8, 6, 4, 3, 4};
    private static final int RECENT = 16;
    private static final int USERS = 200;

    private final MongoCollection<Document> collection;
    private final Deque<Document> heldBack;
    private final IdPool ids = new IdPool();
    private final double ratePerSecond;
    private final long maxChanges;
    private final Duration duration;
    private final ChangeMix mix;
    private final boolean generateInserts;
    private final ChangeLogWriter log;
    private final Random random;
    private final ReviewTsvGenerator fresh;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Stats stats = new Stats();
    private final Object[] recent = new Object[RECENT];
    private final Map<Object, List<String>> commenters = new HashMap<>();
    private final Map<Object, List<String>> images = new HashMap<>();
    private final IdPool withComments = new IdPool();
    private final IdPool withImages = new IdPool();
    private long seq;
    private int recentNext;

    /**
     * The simulator of the demo: 30% inserts of {@code heldBack} documents (none once they run
     * out), 40% updates, 10% replaces, 20% deletes, no log, no time limit.
     *
     * @param knownIds ids that exist in the collection now (the simulator keeps its own copy up to
     *     date)
     * @param maxChanges stop after this many changes (or when {@link #stop()} is called)
     */
    public LiveChangeSimulator(
            MongoCollection<Document> collection,
            Deque<Document> heldBack,
            List<Object> knownIds,
            double ratePerSecond,
            long maxChanges,
            long seed) {
        this(
                builder(collection)
                        .heldBack(heldBack)
                        .knownIds(knownIds)
                        .ratePerSecond(ratePerSecond)
                        .maxChanges(maxChanges)
                        .seed(seed)
                        .mix(new ChangeMix(30, 40, 10, 20)));
    }

    private LiveChangeSimulator(Builder b) {
        this.collection = Objects.requireNonNull(b.collection, "collection");
        this.heldBack = b.heldBack;
        for (Object id : b.knownIds) {
            ids.add(id);
        }
        this.ratePerSecond = b.ratePerSecond;
        this.maxChanges = b.maxChanges;
        this.duration = b.duration;
        this.mix = b.mix;
        this.generateInserts = b.generateInserts;
        this.log = b.log;
        this.random = new Random(b.seed);
        this.fresh = new ReviewTsvGenerator(b.seed ^ 0x6C8E9CF570932BD5L, 100_000);
    }

    /** A builder for a simulator writing to {@code collection}. */
    public static Builder builder(MongoCollection<Document> collection) {
        return new Builder(collection);
    }

    /** Options of a {@link LiveChangeSimulator}. */
    public static final class Builder {
        private final MongoCollection<Document> collection;
        private Deque<Document> heldBack = new ArrayDeque<>();
        private Collection<?> knownIds = List.of();
        private double ratePerSecond = 100;
        private long maxChanges = Long.MAX_VALUE;
        private Duration duration;
        private ChangeMix mix = ChangeMix.DEFAULT;
        private long seed = 1;
        private boolean generateInserts;
        private ChangeLogWriter log;

        private Builder(MongoCollection<Document> collection) {
            this.collection = collection;
        }

        /** Documents to insert (taken from the front); the simulator consumes this deque. */
        public Builder heldBack(Deque<Document> documents) {
            this.heldBack = Objects.requireNonNull(documents);
            return this;
        }

        /** Ids in the collection now: the documents updates, replaces and deletes pick from. */
        public Builder knownIds(Collection<?> ids) {
            this.knownIds = Objects.requireNonNull(ids);
            return this;
        }

        public Builder ratePerSecond(double rate) {
            if (!(rate > 0)) {
                throw new IllegalArgumentException("rate must be positive, got " + rate);
            }
            this.ratePerSecond = rate;
            return this;
        }

        /** Stop after this many changes (refused ones included). */
        public Builder maxChanges(long max) {
            this.maxChanges = max;
            return this;
        }

        /** Stop after this long (null: no limit). */
        public Builder duration(Duration d) {
            this.duration = d;
            return this;
        }

        public Builder mix(ChangeMix m) {
            this.mix = Objects.requireNonNull(m);
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Once the held-back documents run out, insert newly generated reviews instead. */
        public Builder generateInsertsWhenHeldBackRunsOut(boolean generate) {
            this.generateInserts = generate;
            return this;
        }

        /** Log every change to {@code writer} (the caller closes it). */
        public Builder log(ChangeLogWriter writer) {
            this.log = writer;
            return this;
        }

        public LiveChangeSimulator build() {
            return new LiveChangeSimulator(this);
        }
    }

    /** Every {@code _id} in {@code collection}, for {@link Builder#knownIds}. */
    public static List<Object> readIds(MongoCollection<Document> collection) {
        List<Object> out = new ArrayList<>();
        for (Document d : collection.find().projection(Projections.include("_id"))) {
            out.add(d.get("_id"));
        }
        return out;
    }

    public Stats stats() {
        return stats;
    }

    /** Changes tried so far (acknowledged or refused). */
    public long changesTried() {
        return seq;
    }

    /** Makes {@link #run()} return after the change in progress. */
    public void stop() {
        stop.set(true);
    }

    /**
     * Writes changes until the change limit or the duration is reached, {@link #stop()} is called,
     * or nothing is left to change (no document to insert and none to change).
     */
    @Override
    public void run() {
        long started = System.nanoTime();
        long deadline = duration == null ? Long.MAX_VALUE : started + duration.toNanos();
        long done = 0;
        try {
            while (!stop.get() && done < maxChanges && System.nanoTime() < deadline) {
                if (!applyOne()) {
                    break;
                }
                done++;
                long due = started + (long) (done * 1e9 / ratePerSecond);
                long wait = Math.min(due, deadline) - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        } finally {
            flushLog();
        }
    }

    /**
     * Applies one change chosen by the mix among the possible ones.
     *
     * @return false if nothing could be done
     */
    boolean applyOne() {
        boolean canInsert = !heldBack.isEmpty() || generateInserts;
        ChangeMix.Op op = mix.pick(random.nextDouble(), canInsert, ids.size() > 0);
        if (op == null) {
            return false;
        }
        switch (op) {
            case INSERT:
                insert();
                break;
            case UPDATE:
                update(target());
                break;
            case REPLACE:
                replace(target());
                break;
            default:
                delete(target());
        }
        return true;
    }

    /** A document to change: a recently changed one a quarter of the time (hot keys), else any. */
    private Object target() {
        if (random.nextInt(4) == 0) {
            Object id = recent[random.nextInt(RECENT)];
            if (id != null && ids.contains(id)) {
                return id;
            }
        }
        return ids.random(random);
    }

    private void touched(Object id) {
        recent[recentNext] = id;
        recentNext = (recentNext + 1) % RECENT;
    }

    private void insert() {
        String kind = heldBack.isEmpty() ? "generated" : "held-back";
        Document d = heldBack.isEmpty() ? fresh.next().toDocument() : heldBack.poll();
        Object id = d.get("_id");
        long sent = System.currentTimeMillis();
        try {
            InsertOneResult r = collection.insertOne(d);
            long ack = System.currentTimeMillis();
            if (id == null && r.getInsertedId() != null) {
                id = d.get("_id");
            }
            ids.add(id);
            touched(id);
            stats.inserts.incrementAndGet();
            log(ChangeMix.Op.INSERT, kind, id, sent, ack, 1L, null, null, null, d, null);
        } catch (MongoException e) {
            refused(ChangeMix.Op.INSERT, kind, id, sent, d, e);
        }
    }

    private void update(Object id) {
        String kind = UPDATE_KINDS[weighted(UPDATE_WEIGHTS)];
        Object targetId = id;
        Document change;
        switch (kind) {
            case "vote":
                int k = 1 + random.nextInt(3);
                change =
                        new Document(
                                "$inc",
                                new Document("rating.helpfulVotes", k)
                                        .append("rating.totalVotes", k));
                break;
            case "unhelpful-vote":
                change = new Document("$inc", new Document("rating.totalVotes", 1));
                break;
            case "stars":
                change = new Document("$set", new Document("rating.stars", 1 + random.nextInt(5)));
                break;
            case "edit":
                change =
                        new Document(
                                "$set",
                                new Document("headline", fresh.next().reviewHeadline())
                                        .append("editedAt", now()));
                break;
            case "unset-headline":
                change = new Document("$unset", new Document("headline", ""));
                break;
            case "push-comment":
                String user = "u" + random.nextInt(USERS);
                change =
                        new Document(
                                "$push",
                                new Document(
                                        "comments",
                                        new Document("user", user)
                                                .append("text", fresh.next().reviewHeadline())
                                                .append("at", now())));
                remember(commenters, withComments, targetId, user);
                break;
            case "push-image":
                String url =
                        "https://images.example.com/reviews/"
                                + targetId
                                + "/"
                                + Long.toHexString(random.nextLong() & 0xFFFFFFFFFFL)
                                + ".jpg";
                change = new Document("$push", new Document("images", url));
                remember(images, withImages, targetId, url);
                break;
            case "pull-comment":
                targetId = withComments.size() > 0 ? withComments.random(random) : targetId;
                String who =
                        forget(commenters, withComments, targetId, "u" + random.nextInt(USERS));
                change = new Document("$pull", new Document("comments", new Document("user", who)));
                break;
            case "pull-image":
                targetId = withImages.size() > 0 ? withImages.random(random) : targetId;
                String image =
                        forget(images, withImages, targetId, "https://images.example.com/none.jpg");
                change = new Document("$pull", new Document("images", image));
                break;
            case "pop-image":
                targetId = withImages.size() > 0 ? withImages.random(random) : targetId;
                boolean last = random.nextBoolean();
                popped(images, withImages, targetId, last);
                change = new Document("$pop", new Document("images", last ? 1 : -1));
                break;
            default: // pop-comment: the oldest comment goes
                targetId = withComments.size() > 0 ? withComments.random(random) : targetId;
                popped(commenters, withComments, targetId, false);
                change = new Document("$pop", new Document("comments", -1));
        }
        long sent = System.currentTimeMillis();
        try {
            UpdateResult r = collection.updateOne(Filters.eq("_id", targetId), change);
            long ack = System.currentTimeMillis();
            stats.updates.incrementAndGet();
            if (r.getModifiedCount() == 0) {
                stats.noOps.incrementAndGet();
            }
            touched(targetId);
            log(
                    ChangeMix.Op.UPDATE,
                    kind,
                    targetId,
                    sent,
                    ack,
                    null,
                    r.getMatchedCount(),
                    r.getModifiedCount(),
                    null,
                    change,
                    null);
        } catch (MongoException e) {
            refused(ChangeMix.Op.UPDATE, kind, targetId, sent, change, e);
        }
    }

    /** Read, edit (new body, stars, headline, edit time), write back whole. */
    private void replace(Object id) {
        Bson filter = Filters.eq("_id", id);
        Document current = collection.find(filter).first();
        if (current == null) {
            // Deleted by someone else: the simulator's view was stale.
            ids.remove(id);
            stats.noOps.incrementAndGet();
            return;
        }
        ReviewRow text = fresh.next();
        Document replacement = new Document(current);
        replacement.put("body", text.reviewBody());
        replacement.put("headline", text.reviewHeadline());
        if (replacement.get("rating") instanceof Document rating) {
            Document newRating = new Document(rating);
            newRating.put("stars", text.starRating());
            replacement.put("rating", newRating);
        }
        replacement.put("editedAt", now());
        long sent = System.currentTimeMillis();
        try {
            UpdateResult r = collection.replaceOne(filter, replacement);
            long ack = System.currentTimeMillis();
            stats.replaces.incrementAndGet();
            if (r.getModifiedCount() == 0) {
                stats.noOps.incrementAndGet();
            }
            touched(id);
            log(
                    ChangeMix.Op.REPLACE,
                    "rewrite",
                    id,
                    sent,
                    ack,
                    null,
                    r.getMatchedCount(),
                    r.getModifiedCount(),
                    null,
                    replacement,
                    null);
        } catch (MongoException e) {
            refused(ChangeMix.Op.REPLACE, "rewrite", id, sent, replacement, e);
        }
    }

    private void delete(Object id) {
        long sent = System.currentTimeMillis();
        try {
            DeleteResult r = collection.deleteOne(Filters.eq("_id", id));
            long ack = System.currentTimeMillis();
            ids.remove(id);
            forgetAll(id);
            stats.deletes.incrementAndGet();
            if (r.getDeletedCount() == 0) {
                stats.noOps.incrementAndGet();
            }
            log(
                    ChangeMix.Op.DELETE,
                    "delete",
                    id,
                    sent,
                    ack,
                    null,
                    null,
                    null,
                    r.getDeletedCount(),
                    null,
                    null);
        } catch (MongoException e) {
            refused(ChangeMix.Op.DELETE, "delete", id, sent, null, e);
        }
    }

    // --- what the simulator pushed, so that pulls and pops usually hit something ---

    private static void remember(
            Map<Object, List<String>> values, IdPool pool, Object id, String value) {
        values.computeIfAbsent(id, k -> new ArrayList<>()).add(value);
        pool.add(id);
    }

    /** Removes and returns one remembered value of {@code id}, or {@code fallback}. */
    private String forget(
            Map<Object, List<String>> values, IdPool pool, Object id, String fallback) {
        List<String> list = values.get(id);
        if (list == null || list.isEmpty()) {
            return fallback;
        }
        String value = list.get(random.nextInt(list.size()));
        list.removeIf(value::equals); // $pull removes every equal element
        if (list.isEmpty()) {
            values.remove(id);
            pool.remove(id);
        }
        return value;
    }

    private static void popped(
            Map<Object, List<String>> values, IdPool pool, Object id, boolean last) {
        List<String> list = values.get(id);
        if (list != null && !list.isEmpty()) {
            list.remove(last ? list.size() - 1 : 0);
            if (list.isEmpty()) {
                values.remove(id);
                pool.remove(id);
            }
        }
    }

    private void forgetAll(Object id) {
        commenters.remove(id);
        images.remove(id);
        withComments.remove(id);
        withImages.remove(id);
    }

    // --- helpers ---

    private int weighted(int[] weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int point = random.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            point -= weights[i];
            if (point < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    /** The current time at millisecond precision (what a BSON date holds). */
    private static Date now() {
        return new Date(System.currentTimeMillis());
    }

    private void refused(
            ChangeMix.Op op, String kind, Object id, long sent, Document change, MongoException e) {
        long ack = System.currentTimeMillis();
        stats.failed.incrementAndGet();
        log(op, kind, id, sent, ack, null, null, null, null, change, e.getMessage());
    }

    private void log(
            ChangeMix.Op op,
            String kind,
            Object id,
            long sent,
            long ack,
            Long inserted,
            Long matched,
            Long modified,
            Long deleted,
            Document change,
            String error) {
        long n = ++seq;
        if (log == null) {
            return;
        }
        try {
            log.write(
                    new ChangeLogWriter.Entry(
                            n, op, kind, id, sent, ack, inserted, matched, modified, deleted,
                            change, error));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the change log", e);
        }
    }

    private void flushLog() {
        if (log != null) {
            try {
                log.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("Could not write the change log", e);
            }
        }
    }

    /** Ids with O(1) add, remove, membership and uniform random choice. */
    private static final class IdPool {
        private final List<Object> list = new ArrayList<>();
        private final Map<Object, Integer> index = new HashMap<>();

        void add(Object id) {
            if (index.putIfAbsent(id, list.size()) == null) {
                list.add(id);
            }
        }

        void remove(Object id) {
            Integer i = index.remove(id);
            if (i == null) {
                return;
            }
            Object last = list.remove(list.size() - 1);
            if (i < list.size()) {
                list.set(i, last);
                index.put(last, i);
            }
        }

        boolean contains(Object id) {
            return index.containsKey(id);
        }

        int size() {
            return list.size();
        }

        Object random(Random r) {
            return list.get(r.nextInt(list.size()));
        }
    }
}
