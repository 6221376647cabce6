package io.dbtransfer.testing;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Live traffic on a MongoDB collection while a job runs: a background thread that inserts, updates
 * and deletes documents until stopped, and records what it wrote. A failing write stops the thread
 * and fails the test: {@link #stop()}, {@link #close()} and {@link #awaitWrites} rethrow it.
 *
 * <pre>{@code
 * try (LiveTraffic traffic =
 *         LiveTraffic.on(coll).seed(3).keys(ids)
 *                 .update((r, n) -> Updates.inc("votes", 1))
 *                 .delete()
 *                 .insert(gen::next)
 *                 .start()) {
 *     traffic.awaitWrites(500, TestDurations.CONSISTENT);
 *     ...
 *     traffic.stop();
 * }
 * }</pre>
 *
 * Each write picks a key (at random, or in turn with {@link Builder#inTurn()}), then one of the
 * kinds of write added, each as likely as its weight.
 */
public final class LiveTraffic implements AutoCloseable {

    /** The kinds of write, counted apart. */
    public enum Op {
        INSERT,
        UPDATE,
        DELETE
    }

    /** The update applied to a key: {@code written} is the number of writes done before it. */
    @FunctionalInterface
    public interface Change {
        Bson update(Random random, long written);
    }

    /**
     * One kind of write; {@code null} update and insert mean a delete; {@code among}: the keys it
     * touches, if not all of them.
     */
    private record Kind(Op op, Change update, Supplier<Document> insert, List<Object> among) {}

    /** The settings of a traffic, started with {@link #start()}. */
    public static final class Builder {
        private final MongoCollection<Document> collection;
        private final List<Kind> kinds = new ArrayList<>();
        private List<Object> keys = List.of();
        private long seed = 1;
        private boolean inTurn;
        private Duration pause = Duration.ZERO;
        private int pauseEvery = 1;
        private String name = "live-traffic";

        private Builder(MongoCollection<Document> collection) {
            this.collection = collection;
        }

        /** The seed of the random choices (same seed, same sequence of writes). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The {@code _id}s that updates and deletes touch. */
        public Builder keys(Collection<?> keys) {
            this.keys = List.copyOf(keys);
            return this;
        }

        /** Touch the keys in turn (first, second, …, first again) instead of at random. */
        public Builder inTurn() {
            this.inTurn = true;
            return this;
        }

        /** An update of the picked key. */
        public Builder update(Change change) {
            return update(1, change);
        }

        /** An update of the picked key, {@code weight} times as likely as a kind of weight 1. */
        public Builder update(int weight, Change change) {
            return add(weight, new Kind(Op.UPDATE, change, null, null));
        }

        /** A delete of the picked key. */
        public Builder delete() {
            return add(1, new Kind(Op.DELETE, null, null, null));
        }

        /**
         * A delete of one of {@code among} (picked at random after the kind of write), {@code
         * weight} times as likely as a kind of weight 1.
         */
        public Builder delete(int weight, Collection<?> among) {
            return add(weight, new Kind(Op.DELETE, null, null, List.copyOf(among)));
        }

        /** An insert of a new document, {@code weight} times as likely as a kind of weight 1. */
        public Builder insert(int weight, Supplier<Document> document) {
            return add(weight, new Kind(Op.INSERT, null, document, null));
        }

        /** An insert of a new document. */
        public Builder insert(Supplier<Document> document) {
            return add(1, new Kind(Op.INSERT, null, document, null));
        }

        /** Sleep {@code pause} after every write (default: no pause). */
        public Builder pause(Duration pause) {
            return pause(pause, 1);
        }

        /** Sleep {@code pause} after every {@code everyWrites} writes. */
        public Builder pause(Duration pause, int everyWrites) {
            this.pause = pause;
            this.pauseEvery = everyWrites;
            return this;
        }

        /** The name of the writer thread (in thread dumps and failure messages). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Starts writing in a background thread. */
        public LiveTraffic start() {
            return build().start();
        }

        /**
         * The traffic, not started yet: {@link LiveTraffic#start()} it (closing it unstarted is a
         * no-op).
         */
        public LiveTraffic build() {
            if (kinds.isEmpty()) {
                throw new IllegalStateException("LiveTraffic needs at least one kind of write");
            }
            boolean touchesKeys =
                    kinds.stream().anyMatch(k -> k.op != Op.INSERT && k.among == null);
            if (touchesKeys && keys.isEmpty()) {
                throw new IllegalStateException("LiveTraffic updates or deletes need keys(...)");
            }
            return new LiveTraffic(this);
        }

        private Builder add(int weight, Kind kind) {
            for (int i = 0; i < weight; i++) {
                kinds.add(kind);
            }
            return this;
        }
    }

    /** Traffic on {@code collection}; add kinds of write, then {@link Builder#start()}. */
    public static Builder on(MongoCollection<Document> collection) {
        return new Builder(collection);
    }

    private final Builder settings;
    private final List<Kind> kinds;
    private final Thread thread;
    private final AtomicLong inserts = new AtomicLong();
    private final AtomicLong updates = new AtomicLong();
    private final AtomicLong deletes = new AtomicLong();
    private volatile boolean running = true;
    private final Set<Object> touched = ConcurrentHashMap.newKeySet();
    private volatile String lastKey;
    private volatile Throwable failure;

    private LiveTraffic(Builder settings) {
        this.settings = settings;
        this.kinds = List.copyOf(settings.kinds);
        this.thread = new Thread(this::run, settings.name);
        this.thread.setDaemon(true);
    }

    private void run() {
        Random random = new Random(settings.seed);
        List<Object> keys = settings.keys;
        long n = 0;
        try {
            while (running) {
                Object key = null;
                if (!keys.isEmpty()) {
                    key =
                            settings.inTurn
                                    ? keys.get((int) (n % keys.size()))
                                    : keys.get(random.nextInt(keys.size()));
                }
                Kind kind =
                        kinds.size() == 1 ? kinds.get(0) : kinds.get(random.nextInt(kinds.size()));
                if (kind.among != null) {
                    key = kind.among.get(random.nextInt(kind.among.size()));
                }
                switch (kind.op) {
                    case INSERT -> {
                        Document doc = kind.insert.get();
                        settings.collection.insertOne(doc);
                        lastKey = String.valueOf(doc.get("_id"));
                        inserts.incrementAndGet();
                    }
                    case UPDATE -> {
                        touched.add(key);
                        settings.collection.updateOne(
                                Filters.eq("_id", key), kind.update.update(random, n));
                        lastKey = String.valueOf(key);
                        updates.incrementAndGet();
                    }
                    case DELETE -> {
                        touched.add(key);
                        settings.collection.deleteOne(Filters.eq("_id", key));
                        lastKey = String.valueOf(key);
                        deletes.incrementAndGet();
                    }
                }
                n++;
                if (!settings.pause.isZero() && n % settings.pauseEvery == 0) {
                    Thread.sleep(settings.pause.toMillis());
                }
            }
        } catch (InterruptedException e) {
            if (running) {
                failure = e;
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** Starts writing in a background thread (once). */
    public LiveTraffic start() {
        thread.start();
        return this;
    }

    /**
     * The keys updated or deleted so far (live view; a key is added just before its write is sent,
     * so a key whose write failed may be in it too).
     */
    public Set<Object> touched() {
        return Collections.unmodifiableSet(touched);
    }

    /** Writes done so far, of every kind. */
    public long written() {
        return inserts.get() + updates.get() + deletes.get();
    }

    /** Writes of one kind done so far. */
    public long written(Op op) {
        return switch (op) {
            case INSERT -> inserts.get();
            case UPDATE -> updates.get();
            case DELETE -> deletes.get();
        };
    }

    /** The {@code _id} of the last document written, {@code null} before the first write. */
    public String lastKey() {
        return lastKey;
    }

    /**
     * Waits until more than {@code count} writes are done; fails at once if the writer failed or
     * stopped.
     */
    public void awaitWrites(long count, Duration timeout) throws Exception {
        Eventually.waitUntil(
                timeout,
                "more than " + count + " writes of " + settings.name,
                () -> {
                    throwIfFailed();
                    if (!thread.isAlive() && written() <= count) {
                        throw new AssertionError(
                                settings.name + " stopped after " + written() + " writes");
                    }
                    return written() > count;
                });
    }

    /**
     * Stops the writer and waits for it to end (the write in progress completes). Throws if a write
     * failed or the thread did not end within {@link TestDurations#THREAD_STOP}. Idempotent, but a
     * failure is thrown again on every call, so it is never lost.
     */
    public void stop() throws InterruptedException {
        running = false;
        if (thread.getState() == Thread.State.NEW) {
            return;
        }
        thread.join(TestDurations.THREAD_STOP.toMillis());
        if (thread.isAlive()) {
            thread.interrupt();
            throw new AssertionError(
                    settings.name + " did not stop within " + TestDurations.THREAD_STOP);
        }
        throwIfFailed();
    }

    /**
     * Stops every traffic in {@code traffics}, each even if another failed; throws the first
     * failure with the others suppressed.
     */
    public static void stopAll(Collection<LiveTraffic> traffics) throws InterruptedException {
        AssertionError first = null;
        for (LiveTraffic t : traffics) {
            try {
                t.stop();
            } catch (AssertionError e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private void throwIfFailed() {
        Throwable t = failure;
        if (t != null) {
            throw new AssertionError(
                    settings.name + " failed after " + written() + " writes: " + t, t);
        }
    }
}
