package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.LegacyUUID;
import de.bwaldvogel.mongo.bson.MaxKey;
import de.bwaldvogel.mongo.bson.MinKey;
import de.bwaldvogel.mongo.bson.ObjectId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The positions of one collection's documents ordered by {@code _id} as MongoDB orders BSON values
 * across types (mongo-java-server's {@link ValueComparator}: MinKey, null, numbers compared
 * numerically, strings, objects, arrays, binary, UUIDs, ObjectId, boolean, date, timestamp,
 * MaxKey), so that a range of {@code _id}s is found in O(log n) and read in O(k).
 *
 * <p>Ids the comparator cannot order (regular expressions, JavaScript, values containing them) are
 * kept aside; while any exists, {@link #ordered()} is false and callers scan instead. Ids that the
 * comparator finds equal but that are distinct documents (which the unique index allows, e.g. a
 * long beyond 2^53 and the nearest double) share one entry, their positions ascending, which is the
 * order a stable sort of the natural order gives them. Not thread-safe: the owning collection's
 * lock guards it.
 */
final class IdOrderedIndex {

    /** Type brackets in BSON order after MinKey (0) and null (1); see ValueComparator. */
    private static final List<Class<?>> TYPES =
            List.of(
                    Number.class,
                    String.class,
                    Document.class,
                    List.class,
                    BinData.class,
                    LegacyUUID.class,
                    UUID.class,
                    ObjectId.class,
                    Boolean.class,
                    Instant.class,
                    BsonTimestamp.class);

    private static final int MIN_KEY = 0;
    private static final int NULL = 1;
    private static final int MAX_KEY = TYPES.size() + 2;

    /** Type of a value the index cannot order. */
    static final int UNORDERED = -1;

    private static final Comparator<Key> ORDER =
            (a, b) -> {
                int byType = Integer.compare(a.type, b.type);
                if (byType != 0) {
                    return byType;
                }
                if (a.edge != 0 || b.edge != 0) {
                    return Integer.compare(a.edge, b.edge);
                }
                return ValueComparator.asc().compare(a.id, b.id);
            };

    /** Entry value: an Integer position, or a sorted int[] of positions whose ids compare equal. */
    private final TreeMap<Key, Object> entries = new TreeMap<>(ORDER);

    private final Set<Integer> unordered = new HashSet<>();

    private int size;

    /** The type bracket of an {@code _id} value, or {@link #UNORDERED}. */
    static int typeOf(Object id) {
        if (id instanceof MinKey) {
            return MIN_KEY;
        }
        if (Missing.isNullOrMissing(id)) {
            return NULL;
        }
        if (id instanceof MaxKey) {
            return MAX_KEY;
        }
        for (int i = 0; i < TYPES.size(); i++) {
            if (TYPES.get(i).isInstance(id)) {
                return i + 2;
            }
        }
        return UNORDERED;
    }

    /** A bound at an {@code _id} value; null if the index cannot order it. */
    static Key at(Object id) {
        int type = typeOf(id);
        return type == UNORDERED ? null : new Key(type, 0, id);
    }

    /** A bound before ({@code end} false) or after every {@code _id} of the type bracket. */
    static Key edgeOf(int type, boolean end) {
        return new Key(type, end ? 1 : -1, null);
    }

    /** True while every indexed {@code _id} can be ordered. */
    boolean ordered() {
        return unordered.isEmpty();
    }

    int size() {
        return size + unordered.size();
    }

    void add(Object id, int position) {
        Key key = at(id);
        if (key == null) {
            unordered.add(position);
            return;
        }
        Object existing;
        try {
            existing = entries.get(key);
            if (existing == null) {
                entries.put(key, position);
                size++;
                return;
            }
        } catch (RuntimeException e) {
            // The comparator gave up on this value (e.g. a document holding a regex).
            unordered.add(position);
            return;
        }
        int[] positions = positionsOf(existing);
        int[] more = Arrays.copyOf(positions, positions.length + 1);
        more[positions.length] = position;
        Arrays.sort(more);
        entries.put(key, more);
        size++;
    }

    void remove(Object id, int position) {
        if (unordered.remove(position)) {
            return;
        }
        Key key = at(id);
        if (key == null) {
            return;
        }
        Object existing = entries.get(key);
        if (existing == null) {
            return;
        }
        int[] positions = positionsOf(existing);
        int[] rest = Arrays.stream(positions).filter(p -> p != position).toArray();
        if (rest.length == positions.length) {
            return;
        }
        size--;
        if (rest.length == 0) {
            entries.remove(key);
        } else {
            entries.put(key, rest.length == 1 ? Integer.valueOf(rest[0]) : rest);
        }
    }

    /** Positions of the documents whose {@code _id} compares equal to {@code id}, ascending. */
    List<Integer> equalTo(Object id) {
        Key key = at(id);
        Object found = key == null ? null : entries.get(key);
        if (found == null) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        for (int p : positionsOf(found)) {
            out.add(p);
        }
        return out;
    }

    /**
     * Positions with {@code _id} between the bounds (null for none), in {@code _id} order or its
     * reverse; positions of equal ids ascending either way. Lazy: each step is O(log n) at worst.
     */
    Iterator<Integer> range(
            Key lower,
            boolean lowerInclusive,
            Key upper,
            boolean upperInclusive,
            boolean descending) {
        NavigableMap<Key, Object> view = entries;
        if (lower != null && upper != null) {
            if (ORDER.compare(lower, upper) > 0) {
                return Collections.emptyIterator();
            }
            view = entries.subMap(lower, lowerInclusive, upper, upperInclusive);
        } else if (lower != null) {
            view = entries.tailMap(lower, lowerInclusive);
        } else if (upper != null) {
            view = entries.headMap(upper, upperInclusive);
        }
        Iterator<Object> values = (descending ? view.descendingMap() : view).values().iterator();
        return new Iterator<>() {
            private int[] bucket = new int[0];
            private int next;

            @Override
            public boolean hasNext() {
                while (next >= bucket.length) {
                    if (!values.hasNext()) {
                        return false;
                    }
                    bucket = positionsOf(values.next());
                    next = 0;
                }
                return true;
            }

            @Override
            public Integer next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return bucket[next++];
            }
        };
    }

    private static int[] positionsOf(Object entry) {
        return entry instanceof Integer ? new int[] {(Integer) entry} : (int[]) entry;
    }

    /** A point in the order: an {@code _id} ({@code edge} 0) or the start/end of a type bracket. */
    static final class Key {
        final int type;
        final int edge;
        final Object id;

        private Key(int type, int edge, Object id) {
            this.type = type;
            this.edge = edge;
            this.id = id;
        }

        /** The later of two lower bounds (null is no bound). */
        static Key max(Key a, Key b) {
            return a == null ? b : b == null ? a : ORDER.compare(a, b) >= 0 ? a : b;
        }

        /** The earlier of two upper bounds (null is no bound). */
        static Key min(Key a, Key b) {
            return a == null ? b : b == null ? a : ORDER.compare(a, b) <= 0 ? a : b;
        }
    }
}
