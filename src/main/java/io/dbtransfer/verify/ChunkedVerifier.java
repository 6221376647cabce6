package io.dbtransfer.verify;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.hashing.Hash128;
import io.dbtransfer.hashing.KeyTexts;
import io.dbtransfer.hashing.RowHasher;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.model.RoutingKey;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.normalize.DocumentNormalizer;

import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonValue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * The standalone verifier behind {@code bin/dbtransfer verify}: independent of the job and its
 * state. Two passes per collection. The source pass walks the documents in {@code _id} order in
 * chunks of {@code chunkSize}; for each chunk it hashes the documents (through the mapping and
 * {@link RowHasher}) and the target's rows of exactly their keys (parent and child tables, read by
 * key through {@link MySqlReadBack} in the target's dialect: MySQL or PostgreSQL), and compares the
 * chunk digests and, when they differ, the keys. The target pass walks every key MySQL holds, in
 * MySQL's order, and looks each up in MongoDB: a key no document has is an extra one. Neither pass
 * assumes that MySQL orders the key column as MongoDB orders {@code _id}s (it does not: text order
 * puts {@code "10"} before {@code "2"}, and MongoDB orders mixed types by type). Differing keys are
 * read again on both sides {@code recheckDelayMs} after they were first seen, by the {@code _id}
 * read the first time: a key whose either side changed meanwhile is counted as in flux, one that
 * differs the same way twice is a mismatch.
 *
 * <p>Two threads: this one reads the target and compares; a read-ahead thread reads, normalizes and
 * hashes the next chunk of documents (and, in the target pass, looks the current page's keys up in
 * MongoDB) meanwhile. Memory is bounded independently of the collection size: two chunks of
 * documents (the one compared and the one read ahead), two pages of at most {@code chunkSize} MySQL
 * keys, the key texts of at most {@value #MAX_SUSPECTS} dead-lettered documents (beyond that the
 * target pass reads whole documents), and at most {@value #MAX_SUSPECTS} differing keys before they
 * are rechecked.
 */
public final class ChunkedVerifier {

    /** Differing keys held before they are rechecked (bounds memory on a very different target). */
    static final int MAX_SUSPECTS = 10_000;

    private final DocumentNormalizer normalizer;
    private final int chunkSize;
    private final long recheckDelayMs;
    private final Consumer<String> progress;
    private TargetDialect dialect;
    private BiPredicate<String, String> changedLater = (collection, key) -> false;

    public ChunkedVerifier(
            DocumentNormalizer normalizer,
            int chunkSize,
            long recheckDelayMs,
            Consumer<String> progress) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("--chunk-size must be at least 1");
        }
        if (recheckDelayMs < 0) {
            throw new IllegalArgumentException("--recheck-delay-ms must not be negative");
        }
        this.normalizer = normalizer;
        this.chunkSize = chunkSize;
        this.recheckDelayMs = recheckDelayMs;
        this.progress = progress;
    }

    /**
     * Keys ({@code collection, key text}) known to have changed in the source after the point the
     * caller certifies: if they still differ at the recheck they count as in flux, not as
     * mismatches ({@code cutover --covered-until}).
     */
    public ChunkedVerifier changedLater(BiPredicate<String, String> keys) {
        this.changedLater = Objects.requireNonNull(keys);
        return this;
    }

    /** The target's dialect (unless set: the one its connection's URL names). */
    public ChunkedVerifier dialect(TargetDialect target) {
        this.dialect = Objects.requireNonNull(target);
        return this;
    }

    /** A key that differed at first sight. */
    private static final class Suspect {
        final String collection;
        final String key;
        final Hash128 source;
        final Hash128 target;

        /** The {@code _id} MongoDB held for the key, or {@code null} (an extra MySQL key). */
        final BsonValue id;

        Suspect(String collection, String key, Hash128 source, Hash128 target, BsonValue id) {
            this.collection = collection;
            this.key = key;
            this.source = source;
            this.target = target;
            this.id = id;
        }
    }

    /** Differing keys waiting for their recheck, with the time the first of them was seen. */
    private final class Suspects {
        final List<Suspect> list = new ArrayList<>();
        long firstSeenNanos;

        void add(Suspect s, MongoDatabase source, Connection target, VerifyReport report)
                throws SQLException, InterruptedException {
            if (list.isEmpty()) {
                firstSeenNanos = System.nanoTime();
            }
            list.add(s);
            if (list.size() >= MAX_SUSPECTS) {
                recheck(source, target, report);
            }
        }

        void recheck(MongoDatabase source, Connection target, VerifyReport report)
                throws SQLException, InterruptedException {
            if (list.isEmpty()) {
                return;
            }
            long waitMs = recheckDelayMs - (System.nanoTime() - firstSeenNanos) / 1_000_000;
            progress.accept(
                    list.size()
                            + " differing key(s); reading them again"
                            + (waitMs > 0 ? " in " + waitMs + " ms" : ""));
            if (waitMs > 0) {
                Thread.sleep(waitMs);
            }
            // One recheck per key: a key can differ in two pages (MySQL's text order of a key
            // column need not follow MongoDB's _id order), and is one difference.
            Map<String, Map<String, Suspect>> distinct = new LinkedHashMap<>();
            for (Suspect s : list) {
                distinct.computeIfAbsent(s.collection, c -> new LinkedHashMap<>())
                        .putIfAbsent(s.key, s);
            }
            Map<String, List<Suspect>> byCollection = new LinkedHashMap<>();
            distinct.forEach((c, m) -> byCollection.put(c, new ArrayList<>(m.values())));
            for (Map.Entry<String, List<Suspect>> e : byCollection.entrySet()) {
                String collection = e.getKey();
                TableSpec table = normalizer.mapping().tableFor(collection);
                List<Suspect> all = e.getValue();
                for (int from = 0; from < all.size(); from += MySqlReadBack.BATCH) {
                    List<Suspect> batch =
                            all.subList(from, Math.min(all.size(), from + MySqlReadBack.BATCH));
                    List<String> keys = new ArrayList<>();
                    Map<String, BsonValue> ids = new HashMap<>();
                    for (Suspect s : batch) {
                        keys.add(s.key);
                        if (s.id != null) {
                            ids.put(s.key, s.id);
                        }
                    }
                    // By the _id read at first sight; an extra key by every _id its text fits.
                    Map<String, Hash128> src = sourceHashes(source, collection, table, ids, keys);
                    Map<String, MySqlReadBack.Observed> observed =
                            MySqlReadBack.read(dialect, target, table, keys);
                    for (Suspect s : batch) {
                        Hash128 now = src.get(s.key);
                        MySqlReadBack.Observed o = observed.get(s.key);
                        Hash128 tgt = o.hasRows() ? o.hash : null;
                        if (!Objects.equals(now, s.source)
                                || !Objects.equals(tgt, s.target)
                                || changedLater.test(collection, s.key)) {
                            report.inFlux(collection, s.key);
                        } else {
                            report.mismatch(
                                    collection,
                                    s.key,
                                    now == null ? "extra" : !o.hasParent ? "missing" : "different");
                        }
                    }
                }
            }
            list.clear();
        }
    }

    /** Compares every mapped collection with its tables. */
    public VerifyReport verify(MongoDatabase source, Connection target)
            throws SQLException, InterruptedException {
        if (dialect == null) {
            dialect = MySqlReadBack.dialectOf(target);
        }
        VerifyReport report = new VerifyReport();
        Suspects suspects = new Suspects();
        ExecutorService ahead =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "verify-read-ahead");
                            t.setDaemon(true);
                            return t;
                        });
        try {
            for (Map.Entry<String, TableSpec> e : normalizer.mapping().byCollection().entrySet()) {
                report.table(e.getKey(), e.getValue().name);
                Set<String> deadLettered = new HashSet<>();
                boolean complete =
                        walkSource(
                                source,
                                target,
                                e.getKey(),
                                e.getValue(),
                                report,
                                suspects,
                                deadLettered,
                                ahead);
                walkTarget(
                        source,
                        target,
                        e.getKey(),
                        e.getValue(),
                        report,
                        suspects,
                        complete ? deadLettered : null,
                        ahead);
            }
        } finally {
            ahead.shutdownNow();
        }
        suspects.recheck(source, target, report);
        return report;
    }

    /**
     * The source pass: every document in {@code _id} order, a chunk at a time, against the MySQL
     * rows of exactly its keys. The next chunk is read, normalized and hashed on {@code ahead}
     * while this thread reads and compares the current one's rows (only this thread uses the JDBC
     * connection). Collects the key texts of dead-lettered documents into {@code deadLettered};
     * returns false when there were more than {@value #MAX_SUSPECTS} of them (the set is then
     * incomplete and the target pass reads documents instead).
     */
    private boolean walkSource(
            MongoDatabase source,
            Connection target,
            String collection,
            TableSpec table,
            VerifyReport report,
            Suspects suspects,
            Set<String> deadLettered,
            ExecutorService ahead)
            throws SQLException, InterruptedException {
        VerifyReport.TableStats stats = report.tables.get(collection);
        MongoCollection<BsonDocument> coll = source.getCollection(collection, BsonDocument.class);
        boolean complete = true;
        Future<SourceChunk> next = ahead.submit(() -> readChunk(coll, collection, table, null));
        while (true) {
            SourceChunk chunk = await(next);
            boolean last = chunk.read < chunkSize;
            if (!last) {
                BsonValue after = chunk.lastId;
                next = ahead.submit(() -> readChunk(coll, collection, table, after));
            }
            report.deadLettered += chunk.deadLettered;
            stats.deadLettered += chunk.deadLettered;
            for (String text : chunk.deadLetteredKeys) {
                if (complete) {
                    deadLettered.add(text);
                    if (deadLettered.size() > MAX_SUSPECTS) {
                        deadLettered.clear();
                        complete = false;
                    }
                }
            }
            report.sourceDocuments += chunk.normalized;
            stats.sourceDocuments += chunk.normalized;
            Hash128[] digests = {Hash128.ZERO, Hash128.ZERO};
            List<Suspect> differing = new ArrayList<>();
            compare(
                    target,
                    collection,
                    table,
                    chunk.src.keySet(),
                    chunk.src,
                    chunk.ids,
                    stats,
                    digests,
                    differing);
            report.chunks++;
            if (!digests[0].equals(digests[1])) {
                report.differingChunks++;
                for (Suspect s : differing) {
                    suspects.add(s, source, target, report);
                }
            }
            if (report.chunks % 10 == 0 || last) {
                progress.accept(
                        collection
                                + ": "
                                + report.sourceDocuments
                                + " documents, "
                                + report.chunks
                                + " chunks, "
                                + report.differingChunks
                                + " differing");
            }
            if (last) {
                totalTargetRows(report);
                return complete;
            }
        }
    }

    /** One chunk of the source pass: its documents' hashes by key text, read ahead. */
    private static final class SourceChunk {
        final Map<String, Hash128> src = new LinkedHashMap<>();
        final Map<String, BsonValue> ids = new HashMap<>();

        /** Key texts of the chunk's dead-lettered documents (those that have one). */
        final List<String> deadLetteredKeys = new ArrayList<>();

        int deadLettered;

        /** Documents mapped to rows (two may map to one key text: a mismatch, counted twice). */
        int normalized;

        /** Documents read, the previous chunk's last one not counted. */
        int read;

        BsonValue lastId;
    }

    /** Reads, normalizes and hashes the chunk after {@code after} (the first when null). */
    private SourceChunk readChunk(
            MongoCollection<BsonDocument> coll,
            String collection,
            TableSpec table,
            BsonValue after) {
        SourceChunk chunk = new SourceChunk();
        chunk.lastId = after;
        try (MongoCursor<BsonDocument> cursor = page(coll, after).iterator()) {
            while (cursor.hasNext()) {
                BsonDocument doc = cursor.next();
                if (after != null && after.equals(doc.get("_id"))) {
                    continue; // the previous page's last document: min() is inclusive
                }
                chunk.read++;
                chunk.lastId = doc.get("_id");
                RowChange change = normalize(collection, doc);
                if (change == null) {
                    chunk.deadLettered++;
                    String text =
                            KeyTexts.keyText(routingKey(collection, chunk.lastId), keyType(table));
                    if (text != null) {
                        chunk.deadLetteredKeys.add(text);
                    }
                    continue;
                }
                chunk.normalized++;
                chunk.src.put(
                        change.parent[0],
                        RowHasher.document(table, change.parent, change.children));
                chunk.ids.put(change.parent[0], chunk.lastId);
            }
        }
        return chunk;
    }

    /** The result of work done on {@code ahead}, its failure rethrown on this thread. */
    private static <T> T await(Future<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            // The tasks submitted throw no checked exception.
            throw new IllegalStateException(cause);
        }
    }

    /**
     * The target pass: every key MySQL holds (parent and child tables), in MySQL's order, a page at
     * a time; a key whose document MongoDB does not hold (or holds dead-lettered) is an extra one.
     * Independent of how MySQL orders the key column against MongoDB's {@code _id} order, so any
     * mix of {@code _id} types is walked exactly once on each side. {@code deadLettered} is null
     * when the source pass could not keep them all: the documents are then read and normalized.
     */
    private void walkTarget(
            MongoDatabase source,
            Connection target,
            String collection,
            TableSpec table,
            VerifyReport report,
            Suspects suspects,
            Set<String> deadLettered,
            ExecutorService ahead)
            throws SQLException, InterruptedException {
        VerifyReport.TableStats stats = report.tables.get(collection);
        TargetPage page = targetPage(target, table, null, chunkSize);
        while (true) {
            // MongoDB is asked about this page on `ahead` while this thread reads the next one.
            TargetPage current = page;
            Future<Set<String>> heldLater =
                    ahead.submit(() -> held(source, collection, table, current.keys, deadLettered));
            TargetPage next =
                    current.cut == null ? null : targetPage(target, table, current.cut, chunkSize);
            // A key whose document is dead-lettered is not held by any row-producing document.
            Set<String> held = await(heldLater);
            Set<String> extra = new LinkedHashSet<>();
            for (String k : current.keys) {
                if (!held.contains(k) || (deadLettered != null && deadLettered.contains(k))) {
                    extra.add(k);
                }
            }
            if (!extra.isEmpty()) {
                Hash128[] digests = {Hash128.ZERO, Hash128.ZERO};
                List<Suspect> differing = new ArrayList<>();
                compare(
                        target,
                        collection,
                        table,
                        extra,
                        Map.of(),
                        Map.of(),
                        stats,
                        digests,
                        differing);
                for (Suspect s : differing) {
                    suspects.add(s, source, target, report);
                }
            }
            if (next == null) {
                totalTargetRows(report);
                return;
            }
            page = next;
        }
    }

    /**
     * The key texts among {@code keys} that some document of MongoDB holds: by {@code _id} alone
     * when the dead-lettered keys are known, else by reading and normalizing the documents.
     */
    private Set<String> held(
            MongoDatabase source,
            String collection,
            TableSpec table,
            Set<String> keys,
            Set<String> deadLettered) {
        if (keys.isEmpty()) {
            return Set.of();
        }
        return deadLettered == null
                ? sourceHashes(source, collection, table, Map.of(), keys).keySet()
                : heldBySource(source, collection, table, keys);
    }

    private static void totalTargetRows(VerifyReport report) {
        report.targetRows = 0;
        for (VerifyReport.TableStats t : report.tables.values()) {
            report.targetRows += t.targetRows;
        }
    }

    /** The key texts among {@code keys} that some document of MongoDB has ({@code _id}s only). */
    private static Set<String> heldBySource(
            MongoDatabase source, String collection, TableSpec table, Set<String> keys) {
        ColumnType keyType = keyType(table);
        List<BsonValue> ids = new ArrayList<>();
        for (String key : keys) {
            for (String routingKey : KeyTexts.candidates(collection, key, keyType)) {
                ids.add(CanonicalValues.parseCanonicalJson(RoutingKey.keyJson(routingKey)));
            }
        }
        Set<String> out = new HashSet<>();
        if (ids.isEmpty()) {
            return out;
        }
        try (MongoCursor<BsonDocument> cursor =
                source.getCollection(collection, BsonDocument.class)
                        .find(Filters.in("_id", ids))
                        .projection(Projections.include("_id"))
                        .iterator()) {
            while (cursor.hasNext()) {
                String text =
                        KeyTexts.keyText(routingKey(collection, cursor.next().get("_id")), keyType);
                if (text != null && keys.contains(text)) {
                    out.add(text);
                }
            }
        }
        return out;
    }

    /**
     * The next page of documents in {@code _id} order after {@code after} (the first page when
     * null). Not {@code _id > after}: MongoDB's {@code $gt} only matches values of the bound's own
     * BSON type, so a collection of numbers followed by strings would end at the last number. An
     * index bound ({@code min}, inclusive, with the {@code _id} index as hint) spans every type in
     * index order; the page holds one more document, as the first is {@code after} itself.
     */
    private FindIterable<BsonDocument> page(MongoCollection<BsonDocument> coll, BsonValue after) {
        if (after == null) {
            return coll.find().sort(Sorts.ascending("_id")).limit(chunkSize);
        }
        return coll.find()
                .min(new BsonDocument("_id", after))
                .hint(new BsonDocument("_id", new BsonInt32(1)))
                .sort(Sorts.ascending("_id"))
                .limit(chunkSize + 1);
    }

    /**
     * Reads {@code keys} from MySQL, adds their digests (source from {@code src}, target from the
     * rows read) to {@code digests} and the table's, counts rows, and collects differing keys.
     */
    private void compare(
            Connection target,
            String collection,
            TableSpec table,
            Set<String> keys,
            Map<String, Hash128> src,
            Map<String, BsonValue> ids,
            VerifyReport.TableStats stats,
            Hash128[] digests,
            List<Suspect> differing)
            throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        Map<String, MySqlReadBack.Observed> observed =
                MySqlReadBack.read(dialect, target, table, keys);
        for (String k : keys) {
            MySqlReadBack.Observed o = observed.get(k);
            if (o.hasParent) {
                stats.targetRows++;
            }
            stats.childRows += o.childRows;
            Hash128 s = src.get(k);
            Hash128 t = o.hasRows() ? o.hash : null;
            if (s != null) {
                Hash128 d = RowHasher.keyDigest(k, 0, s);
                digests[0] = digests[0].xor(d);
                stats.sourceDigest = stats.sourceDigest.xor(d);
            }
            if (t != null) {
                Hash128 d = RowHasher.keyDigest(k, 0, t);
                digests[1] = digests[1].xor(d);
                stats.targetDigest = stats.targetDigest.xor(d);
            }
            if (!Objects.equals(s, t)) {
                differing.add(new Suspect(collection, k, s, t, ids.get(k)));
            }
        }
    }

    private static ColumnType keyType(TableSpec table) {
        return table.columns.get(0).type;
    }

    private static String routingKey(String collection, BsonValue id) {
        return RoutingKey.of(collection, CanonicalValues.canonicalJson(id));
    }

    private RowChange normalize(String collection, BsonDocument doc) {
        ChangeRecord record =
                ChangeRecord.upsert(
                        collection,
                        CanonicalValues.canonicalJson(doc.get("_id")),
                        doc.toJson(CanonicalValues.CANONICAL),
                        0L);
        NormalizeResult result = normalizer.normalize(record, 0L);
        return result.change;
    }

    /**
     * The source hashes of the documents whose key column texts are {@code keys}: read by the
     * {@code _id} in {@code known} where there is one, else by every {@code _id} the text fits.
     */
    private Map<String, Hash128> sourceHashes(
            MongoDatabase source,
            String collection,
            TableSpec table,
            Map<String, BsonValue> known,
            java.util.Collection<String> keys) {
        ColumnType keyType = table.columns.get(0).type;
        Set<String> wanted = new HashSet<>(keys);
        List<BsonValue> ids = new ArrayList<>();
        for (String key : keys) {
            BsonValue id = known.get(key);
            if (id != null) {
                ids.add(id);
                continue;
            }
            for (String routingKey : KeyTexts.candidates(collection, key, keyType)) {
                ids.add(CanonicalValues.parseCanonicalJson(RoutingKey.keyJson(routingKey)));
            }
        }
        Map<String, Hash128> out = new HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        try (MongoCursor<BsonDocument> cursor =
                source.getCollection(collection, BsonDocument.class)
                        .find(Filters.in("_id", ids))
                        .iterator()) {
            while (cursor.hasNext()) {
                RowChange change = normalize(collection, cursor.next());
                if (change != null && wanted.contains(change.parent[0])) {
                    out.put(
                            change.parent[0],
                            RowHasher.document(table, change.parent, change.children));
                }
            }
        }
        return out;
    }

    /** One page of MySQL keys: at most {@code limit}; {@code cut} is where the next one starts. */
    private static final class TargetPage {
        final Set<String> keys = new LinkedHashSet<>();

        /** The last key of a full page (more may follow), or {@code null} when the range ended. */
        String cut;
    }

    /**
     * The first {@code limit} distinct document keys the target holds after {@code lower} (from the
     * first when null) over the parent and all child tables ({@link MySqlReadBack#keyPage}).
     */
    private TargetPage targetPage(Connection c, TableSpec table, String lower, int limit)
            throws SQLException {
        TargetPage page = new TargetPage();
        List<String> keys = MySqlReadBack.keyPage(dialect, c, table, lower, limit);
        page.keys.addAll(keys);
        if (page.keys.size() >= limit) {
            page.cut = keys.get(keys.size() - 1);
        }
        return page;
    }
}
