package io.dbtransfer.verify;

import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.normalize.NormalizeResult;
import io.dbtransfer.normalize.RowChange;
import io.dbtransfer.reconcile.Hash128;
import io.dbtransfer.reconcile.KeyTexts;
import io.dbtransfer.reconcile.MySqlReadBack;
import io.dbtransfer.reconcile.RowHasher;
import io.dbtransfer.sink.MySqlDialect;
import io.dbtransfer.source.ChangeRecord;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.conversions.Bson;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The standalone verifier behind {@code bin/dbtransfer verify}: independent of the job and its
 * state. Walks each collection in {@code _id} order in chunks of {@code chunkSize} documents; for
 * each chunk, hashes the documents (through the mapping and {@link RowHasher}) and the MySQL rows
 * of the same key range (parent and child tables, read by key through {@link MySqlReadBack}),
 * compares the chunk digests and, when they differ, the keys. Differing keys are read again on both
 * sides after {@code recheckDelayMs}: a key whose either side changed meanwhile is counted as in
 * flux, one that differs the same way twice is a mismatch. Memory: one chunk plus the differing
 * keys.
 *
 * <p>Limitation: the key ranges assume one {@code _id} type per collection (MongoDB orders mixed
 * types by type, MySQL by column text).
 */
public final class ChunkedVerifier {

    private final DocumentNormalizer normalizer;
    private final int chunkSize;
    private final long recheckDelayMs;
    private final Consumer<String> progress;

    public ChunkedVerifier(
            DocumentNormalizer normalizer,
            int chunkSize,
            long recheckDelayMs,
            Consumer<String> progress) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("--chunk-size must be at least 1");
        }
        this.normalizer = normalizer;
        this.chunkSize = chunkSize;
        this.recheckDelayMs = recheckDelayMs;
        this.progress = progress;
    }

    /** A key that differed at first sight. */
    private static final class Suspect {
        final String collection;
        final String key;
        final Hash128 source;
        final Hash128 target;

        Suspect(String collection, String key, Hash128 source, Hash128 target) {
            this.collection = collection;
            this.key = key;
            this.source = source;
            this.target = target;
        }
    }

    /** Compares every mapped collection with its tables. */
    public VerifyReport verify(MongoDatabase source, Connection target)
            throws SQLException, InterruptedException {
        VerifyReport report = new VerifyReport();
        List<Suspect> suspects = new ArrayList<>();
        for (Map.Entry<String, TableSpec> e : normalizer.mapping().byCollection().entrySet()) {
            walk(source, target, e.getKey(), e.getValue(), report, suspects);
        }
        if (!suspects.isEmpty()) {
            progress.accept(
                    suspects.size()
                            + " differing key(s); reading them again in "
                            + recheckDelayMs
                            + " ms");
            Thread.sleep(recheckDelayMs);
            for (Suspect s : suspects) {
                TableSpec table = normalizer.mapping().tableFor(s.collection);
                Hash128 src = sourceHash(source, s.collection, table, s.key);
                MySqlReadBack.Observed o =
                        MySqlReadBack.read(target, table, List.of(s.key)).get(s.key);
                Hash128 tgt = o.hasRows() ? o.hash : null;
                if (!Objects.equals(src, s.source) || !Objects.equals(tgt, s.target)) {
                    report.inFlux++;
                } else {
                    report.mismatch(
                            s.collection,
                            s.key,
                            src == null ? "extra" : !o.hasParent ? "missing" : "different");
                }
            }
        }
        return report;
    }

    private void walk(
            MongoDatabase source,
            Connection target,
            String collection,
            TableSpec table,
            VerifyReport report,
            List<Suspect> suspects)
            throws SQLException {
        MongoCollection<BsonDocument> coll = source.getCollection(collection, BsonDocument.class);
        BsonValue lastId = null;
        String lowerText = null;
        while (true) {
            Bson filter = lastId == null ? new BsonDocument() : Filters.gt("_id", lastId);
            Map<String, Hash128> src = new LinkedHashMap<>();
            String lastText = null;
            int read = 0;
            try (MongoCursor<BsonDocument> cursor =
                    coll.find(filter).sort(Sorts.ascending("_id")).limit(chunkSize).iterator()) {
                while (cursor.hasNext()) {
                    BsonDocument doc = cursor.next();
                    read++;
                    lastId = doc.get("_id");
                    String text = KeyTexts.keyText(routingKey(collection, lastId), keyType(table));
                    if (text != null) {
                        lastText = text;
                    }
                    RowChange change = normalize(collection, doc);
                    if (change == null) {
                        report.deadLettered++;
                        continue;
                    }
                    report.sourceDocuments++;
                    src.put(
                            change.parent[0],
                            RowHasher.document(table, change.parent, change.children));
                }
            }
            boolean last = read < chunkSize;
            String upperText = last ? null : lastText;
            Set<String> keys = new LinkedHashSet<>(src.keySet());
            keys.addAll(targetKeys(target, table, lowerText, upperText));
            Map<String, MySqlReadBack.Observed> observed = MySqlReadBack.read(target, table, keys);
            Hash128 srcDigest = Hash128.ZERO;
            Hash128 tgtDigest = Hash128.ZERO;
            for (String k : keys) {
                MySqlReadBack.Observed o = observed.get(k);
                if (o.hasParent) {
                    report.targetRows++;
                }
                Hash128 s = src.get(k);
                if (s != null) {
                    srcDigest = srcDigest.xor(RowHasher.keyDigest(k, 0, s));
                }
                if (o.hasRows()) {
                    tgtDigest = tgtDigest.xor(RowHasher.keyDigest(k, 0, o.hash));
                }
            }
            report.chunks++;
            if (!srcDigest.equals(tgtDigest)) {
                report.differingChunks++;
                for (String k : keys) {
                    MySqlReadBack.Observed o = observed.get(k);
                    Hash128 s = src.get(k);
                    Hash128 t = o.hasRows() ? o.hash : null;
                    if (!Objects.equals(s, t)) {
                        suspects.add(new Suspect(collection, k, s, t));
                    }
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
            if (last || lastText == null && read == 0) {
                return;
            }
            if (upperText != null) {
                lowerText = upperText;
            }
        }
    }

    private static ColumnType keyType(TableSpec table) {
        return table.columns.get(0).type;
    }

    private static String routingKey(String collection, BsonValue id) {
        return collection + '\u0000' + CanonicalValues.canonicalJson(id);
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

    /** The source hash of the document whose key column text is {@code keyText}, or null. */
    private Hash128 sourceHash(
            MongoDatabase source, String collection, TableSpec table, String key) {
        ColumnType keyType = table.columns.get(0).type;
        List<BsonValue> ids = new ArrayList<>();
        for (String routingKey : KeyTexts.candidates(collection, key, keyType)) {
            ids.add(
                    CanonicalValues.parseCanonicalJson(
                            routingKey.substring(routingKey.indexOf('\u0000') + 1)));
        }
        if (ids.isEmpty()) {
            return null;
        }
        try (MongoCursor<BsonDocument> cursor =
                source.getCollection(collection, BsonDocument.class)
                        .find(Filters.in("_id", ids))
                        .iterator()) {
            while (cursor.hasNext()) {
                RowChange change = normalize(collection, cursor.next());
                if (change != null && change.parent[0].equals(key)) {
                    return RowHasher.document(table, change.parent, change.children);
                }
            }
        }
        return null;
    }

    /** Keys MySQL holds in {@code (lower, upper]} (open ends when null), parents and children. */
    private static Set<String> targetKeys(Connection c, TableSpec table, String lower, String upper)
            throws SQLException {
        Set<String> out = new LinkedHashSet<>();
        List<TableSpec> tables = new ArrayList<>();
        tables.add(table);
        tables.addAll(RowHasher.descendants(table));
        for (TableSpec t : tables) {
            String column = MySqlDialect.quote(t.columns.get(0).name);
            StringBuilder sql =
                    new StringBuilder("SELECT DISTINCT ")
                            .append(column)
                            .append(" FROM ")
                            .append(MySqlDialect.quote(t.name))
                            .append(" WHERE 1 = 1");
            if (lower != null) {
                sql.append(" AND ").append(column).append(" > ?");
            }
            if (upper != null) {
                sql.append(" AND ").append(column).append(" <= ?");
            }
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                if (lower != null) {
                    ps.setString(i++, lower);
                }
                if (upper != null) {
                    ps.setString(i, upper);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(CanonicalValues.fromJdbc(rs, 1, t.columns.get(0).type));
                    }
                }
            }
        }
        return out;
    }
}
