package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.MaxKey;
import de.bwaldvogel.mongo.bson.MinKey;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * mongo-java-server's in-memory collection plus an ordered {@code _id} index ({@link
 * IdOrderedIndex}): a query whose filter constrains {@code _id} by equality, {@code $in} or a range
 * ({@code $gt}/{@code $gte}/{@code $lt}/{@code $lte}) reads only the candidates of that constraint
 * instead of scanning the collection, and a sort by {@code _id} alone (with or without such a
 * condition) is read in index order and stops at the limit. Every candidate still goes through the
 * server's own matcher (type bracketing, further conditions), sort, skip, limit and projection, so
 * results are those of the full scan.
 *
 * <p>Counts the documents each query reads from storage (mongod's {@code totalDocsExamined}). All
 * access runs under this collection's lock (mongo-java-server's synchronized collection methods);
 * the index takes no lock of its own.
 */
class IdIndexedCollection extends MemoryCollection {

    private static final String ID = "_id";
    private static final Set<String> RANGE_OPERATORS = Set.of("$gt", "$gte", "$lt", "$lte");

    private final IdOrderedIndex idIndex = new IdOrderedIndex();

    /** Shared by the backend's collections; null while the database is being constructed. */
    private final LongAdder examined;

    IdIndexedCollection(
            MongoDatabase database,
            String collectionName,
            CollectionOptions options,
            CursorRegistry cursorRegistry,
            LongAdder examined) {
        super(database, collectionName, options, cursorRegistry);
        this.examined = examined;
    }

    // ---- hooks that keep the index in step with storage ----

    /**
     * The collection's data size, in the emulator's own BSON encoding: the library computes it with
     * its codec, which refuses the values only {@link FaithfulBsonCodec} can encode.
     */
    private final AtomicLong dataSize = new AtomicLong();

    @Override
    protected boolean tracksDataSize() {
        return false; // tracked here instead, see dataSize
    }

    @Override
    protected int getDataSize() {
        return (int) Math.min(Integer.MAX_VALUE, dataSize.get());
    }

    @Override
    protected Integer addDocumentInternal(Document document) {
        dataSize.addAndGet(FaithfulBsonCodec.size(document));
        Integer position = super.addDocumentInternal(document);
        idIndex.add(document.get(ID), position);
        return position;
    }

    @Override
    protected void removeDocument(Integer position) {
        Document document = getDocument(position);
        if (document != null) {
            dataSize.addAndGet(-FaithfulBsonCodec.size(document));
            idIndex.remove(document.get(ID), position);
        }
        super.removeDocument(position);
    }

    @Override
    protected void handleUpdate(Integer position, Document oldDocument, Document newDocument) {
        // The server refuses to change an _id; this keeps the index right should it ever do so.
        dataSize.addAndGet(
                FaithfulBsonCodec.size(newDocument) - FaithfulBsonCodec.size(oldDocument));
        Object oldId = oldDocument.get(ID);
        Object newId = newDocument.get(ID);
        if (!Objects.equals(oldId, newId)) {
            idIndex.remove(oldId, position);
            idIndex.add(newId, position);
        }
        super.handleUpdate(position, oldDocument, newDocument);
    }

    @Override
    public synchronized int count(Document query, int skip, int limit) {
        return super.count(query, skip, limit);
    }

    // ---- queries ----

    @Override
    protected QueryResult queryDocuments(
            Document query,
            Document orderBy,
            int numberToSkip,
            int limit,
            int batchSize,
            Document fieldSelector) {
        Candidates candidates = idIndex.ordered() ? plan(query, orderBy) : null;
        if (candidates == null) {
            countExamined(count());
            return super.queryDocuments(
                    query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
        }
        Stream<Document> documents = documents(candidates.positions);
        if (candidates.inRequestedOrder) {
            // Already in the requested order: filter, skip and limit lazily.
            return matchDocumentsFromStream(
                    query, documents, numberToSkip, limit, batchSize, null, fieldSelector);
        }
        return matchDocumentsFromStream(
                documents, query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
    }

    /**
     * The documents with {@code lower <= _id < upper} (null for no bound) in index order across
     * types, as mongod's {@code find} with {@code min}/{@code max} on the {@code _id} index reads
     * them, that match {@code filter}, at most {@code limit} (0 for all); null if the index cannot
     * answer (an {@code _id} it cannot order is stored).
     */
    synchronized List<Document> inIdOrder(Object lower, Object upper, Document filter, int limit) {
        IdOrderedIndex.Key from = lower == null ? null : IdOrderedIndex.at(lower);
        IdOrderedIndex.Key to = upper == null ? null : IdOrderedIndex.at(upper);
        if (!idIndex.ordered()
                || (lower != null && from == null)
                || (upper != null && to == null)) {
            return null;
        }
        Iterator<Integer> positions = idIndex.range(from, true, to, false, false);
        List<Document> out = new ArrayList<>();
        while (positions.hasNext() && (limit <= 0 || out.size() < limit)) {
            Document document = getDocument(positions.next());
            countExamined(1);
            if (filter.isEmpty() || documentMatchesQuery(document, filter)) {
                out.add(document);
            }
        }
        return out;
    }

    /**
     * The candidate positions for the query's constraints on {@code _id} (top-level, or inside a
     * top-level {@code $and}), in natural order, or in {@code _id} order when the sort is by {@code
     * _id} alone; null where the index does not help (no constraint it can bound, no sort by {@code
     * _id}). Constraints it does not use stay with the matcher: candidates are a superset of the
     * result.
     */
    private Candidates plan(Document query, Document orderBy) {
        List<Object> conditions = new ArrayList<>();
        collectIdConditions(query, conditions);
        for (Object condition : conditions) {
            if (!(condition instanceof Document) || !hasOperator((Document) condition)) {
                return pointsInNaturalOrder(Collections.singletonList(condition), orderBy);
            }
            Document operators = (Document) condition;
            if (operators.containsKey("$eq")) {
                return pointsInNaturalOrder(
                        Collections.singletonList(operators.get("$eq")), orderBy);
            }
            if (operators.get("$in") instanceof Collection) {
                return pointsInNaturalOrder((Collection<?>) operators.get("$in"), orderBy);
            }
        }
        boolean byId = sortsByIdOnly(orderBy);
        Bound lower = null;
        Bound upper = null;
        for (Object condition : conditions) {
            Document operators = (Document) condition;
            for (String operator : operators.keySet()) {
                if (!RANGE_OPERATORS.contains(operator)) {
                    continue;
                }
                Object value = operators.get(operator);
                IdOrderedIndex.Key key = IdOrderedIndex.at(value);
                if (key == null || value == null || value instanceof BsonRegularExpression) {
                    // null and regex bounds have their own matching rules: leave them to a scan.
                    return null;
                }
                boolean inclusive = operator.endsWith("e");
                boolean bracketed = !(value instanceof MinKey || value instanceof MaxKey);
                int type = IdOrderedIndex.typeOf(value);
                if (operator.startsWith("$g")) {
                    lower = Bound.later(lower, new Bound(key, inclusive));
                    if (bracketed) {
                        // $gt/$gte match only values of the bound's type bracket.
                        upper =
                                Bound.earlier(
                                        upper, new Bound(IdOrderedIndex.edgeOf(type, true), true));
                    }
                } else {
                    upper = Bound.earlier(upper, new Bound(key, inclusive));
                    if (bracketed) {
                        lower =
                                Bound.later(
                                        lower, new Bound(IdOrderedIndex.edgeOf(type, false), true));
                    }
                }
            }
        }
        if (lower == null && upper == null && !byId) {
            return null;
        }
        Iterator<Integer> positions =
                idIndex.range(
                        lower == null ? null : lower.key,
                        lower == null || lower.inclusive,
                        upper == null ? null : upper.key,
                        upper == null || upper.inclusive,
                        byId && direction(orderBy) < 0);
        if (byId) {
            return new Candidates(positions, true);
        }
        // The full scan returns unsorted results in natural (storage) order.
        TreeSet<Integer> natural = new TreeSet<>();
        positions.forEachRemaining(natural::add);
        return new Candidates(
                isNaturalDescending(orderBy) ? natural.descendingIterator() : natural.iterator(),
                false);
    }

    /**
     * The {@code _id} conditions ANDed at the top of a filter, also through nested {@code $and}.
     */
    private static void collectIdConditions(Document query, List<Object> conditions) {
        if (query == null) {
            return;
        }
        if (query.containsKey(ID)) {
            conditions.add(query.get(ID));
        }
        if (query.get("$and") instanceof Collection) {
            for (Object part : (Collection<?>) query.get("$and")) {
                if (part instanceof Document) {
                    collectIdConditions((Document) part, conditions);
                }
            }
        }
    }

    private Candidates pointsInNaturalOrder(Collection<?> values, Document orderBy) {
        TreeSet<Integer> positions = new TreeSet<>();
        for (Object value : values) {
            if (value instanceof BsonRegularExpression
                    || value instanceof Document && hasOperator((Document) value)
                    || value instanceof Collection
                    || (value != null
                            && IdOrderedIndex.typeOf(value) == IdOrderedIndex.UNORDERED)) {
                // A regex matches by pattern, an array by element: scan.
                return null;
            }
            positions.addAll(idIndex.equalTo(value));
        }
        return new Candidates(
                isNaturalDescending(orderBy)
                        ? positions.descendingIterator()
                        : positions.iterator(),
                false);
    }

    private Stream<Document> documents(Iterator<Integer> positions) {
        return StreamSupport.stream(
                        Spliterators.spliteratorUnknownSize(positions, Spliterator.ORDERED), false)
                .map(
                        position -> {
                            countExamined(1);
                            return getDocument(position);
                        });
    }

    private static boolean hasOperator(Document document) {
        for (String key : document.keySet()) {
            if (key.startsWith("$")) {
                return true;
            }
        }
        return false;
    }

    private static boolean sortsByIdOnly(Document orderBy) {
        return orderBy != null
                && orderBy.size() == 1
                && orderBy.get(ID) instanceof Number
                && Math.abs(direction(orderBy)) == 1;
    }

    private static int direction(Document orderBy) {
        return ((Number) orderBy.get(ID)).intValue();
    }

    private void countExamined(long documents) {
        if (examined != null) {
            examined.add(documents);
        }
    }

    /** Positions to read, and whether they come in the order the query asks for. */
    private static final class Candidates {
        final Iterator<Integer> positions;
        final boolean inRequestedOrder;

        Candidates(Iterator<Integer> positions, boolean inRequestedOrder) {
            this.positions = positions;
            this.inRequestedOrder = inRequestedOrder;
        }
    }

    /** A lower or upper bound of a range over the index. */
    private static final class Bound {
        final IdOrderedIndex.Key key;
        final boolean inclusive;

        Bound(IdOrderedIndex.Key key, boolean inclusive) {
            this.key = key;
            this.inclusive = inclusive;
        }

        static Bound later(Bound a, Bound b) {
            if (a == null) {
                return b;
            }
            IdOrderedIndex.Key later = IdOrderedIndex.Key.max(a.key, b.key);
            if (later == a.key && later != b.key) {
                return a;
            }
            return later == b.key && later != a.key
                    ? b
                    : new Bound(a.key, a.inclusive && b.inclusive);
        }

        static Bound earlier(Bound a, Bound b) {
            if (a == null) {
                return b;
            }
            IdOrderedIndex.Key earlier = IdOrderedIndex.Key.min(a.key, b.key);
            if (earlier == a.key && earlier != b.key) {
                return a;
            }
            return earlier == b.key && earlier != a.key
                    ? b
                    : new Bound(a.key, a.inclusive && b.inclusive);
        }
    }
}
