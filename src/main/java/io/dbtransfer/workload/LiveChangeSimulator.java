package io.dbtransfer.workload;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;

import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes live changes to a collection while it is migrated: inserts of held-back documents, {@code
 * $set} / {@code $inc} / {@code $unset} updates, replaces and deletes, at a given rate.
 *
 * <p>Uses only {@code insertOne}, {@code updateOne}, {@code replaceOne} and {@code deleteOne},
 * which every MongoDB (and the emulator) records in its change stream.
 */
public final class LiveChangeSimulator implements Runnable {

    /** Counts of what was done. */
    public static final class Stats {
        public final AtomicLong inserts = new AtomicLong();
        public final AtomicLong updates = new AtomicLong();
        public final AtomicLong replaces = new AtomicLong();
        public final AtomicLong deletes = new AtomicLong();

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
                    + " deletes";
        }
    }

    private final MongoCollection<Document> collection;
    private final Deque<Document> heldBack;
    private final List<Object> knownIds;
    private final double ratePerSecond;
    private final long maxChanges;
    private final Random random;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Stats stats = new Stats();

    /**
     * @param knownIds ids that exist in the collection now (the simulator keeps it up to date)
     * @param maxChanges stop after this many changes (or when {@link #stop()} is called)
     */
    public LiveChangeSimulator(
            MongoCollection<Document> collection,
            Deque<Document> heldBack,
            List<Object> knownIds,
            double ratePerSecond,
            long maxChanges,
            long seed) {
        this.collection = collection;
        this.heldBack = heldBack;
        this.knownIds = new ArrayList<>(knownIds);
        this.ratePerSecond = ratePerSecond;
        this.maxChanges = maxChanges;
        this.random = new Random(seed);
    }

    public Stats stats() {
        return stats;
    }

    public void stop() {
        stop.set(true);
    }

    @Override
    public void run() {
        long started = System.nanoTime();
        long done = 0;
        while (!stop.get() && done < maxChanges) {
            applyOne();
            done++;
            long due = started + (long) (done * 1e9 / ratePerSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Applies one random change. */
    void applyOne() {
        int dice = random.nextInt(100);
        if ((dice < 30 || knownIds.isEmpty()) && !heldBack.isEmpty()) {
            Document d = heldBack.poll();
            collection.insertOne(d);
            knownIds.add(d.get("_id"));
            stats.inserts.incrementAndGet();
            return;
        }
        if (knownIds.isEmpty()) {
            return;
        }
        int index = random.nextInt(knownIds.size());
        Object id = knownIds.get(index);
        if (dice < 70) {
            int kind = random.nextInt(4);
            if (kind == 0) {
                collection.updateOne(Filters.eq("_id", id), Updates.inc("rating.helpfulVotes", 1));
            } else if (kind == 1) {
                collection.updateOne(
                        Filters.eq("_id", id), Updates.set("rating.stars", 1 + random.nextInt(5)));
            } else if (kind == 2) {
                collection.updateOne(
                        Filters.eq("_id", id),
                        Updates.combine(
                                Updates.set("liveEdit", random.nextInt(1000)),
                                Updates.set("edited.at", new java.util.Date())));
            } else {
                collection.updateOne(Filters.eq("_id", id), Updates.unset("headline"));
            }
            stats.updates.incrementAndGet();
        } else if (dice < 80) {
            Document current = collection.find(Filters.eq("_id", id)).first();
            if (current != null) {
                current.put("replacedAt", new java.util.Date());
                current.remove("body");
                collection.replaceOne(Filters.eq("_id", id), current);
                stats.replaces.incrementAndGet();
            }
        } else {
            collection.deleteOne(Filters.eq("_id", id));
            knownIds.remove(index);
            stats.deletes.incrementAndGet();
        }
    }
}
