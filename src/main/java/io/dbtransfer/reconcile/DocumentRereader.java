package io.dbtransfer.reconcile;

import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.model.RoutingKey;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.source.SourceProbe;

import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import org.bson.BsonDocument;
import org.bson.BsonValue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * Re-reads one document from MongoDB by {@code _id} and normalizes it as the job does: what
 * reconcile needs to name the differing columns of a mismatch and to repair it. No Flink.
 */
final class DocumentRereader implements AutoCloseable {

    /** A document re-read from MongoDB, normalized as the job normalizes it. */
    static final class Reread {
        /** The server's operation time right before the read (a source version). */
        long operationTime;

        /**
         * The rows MongoDB holds now, at the job's version of the key: an upsert, or a delete when
         * the document is gone; {@code null} when it could not be read or normalized.
         */
        RowChange change;

        /** Why there is no change, or {@code null}. */
        String problem;

        /** A re-read that could not be done, for {@code problem}. */
        static Reread failed(String problem) {
            Reread r = new Reread();
            r.problem = problem;
            return r;
        }
    }

    private final MongoClient mongo;
    private final String database;
    private final DocumentNormalizer normalizer;
    private final int timeoutSeconds;

    DocumentRereader(
            MongoClient mongo, String database, DocumentNormalizer normalizer, int timeoutSeconds) {
        this.mongo = mongo;
        this.database = database;
        this.normalizer = normalizer;
        this.timeoutSeconds = timeoutSeconds;
    }

    /**
     * Reads the document of {@code routingKey} and normalizes it; the result carries {@code
     * version} (the job's version of the key, see {@code ReconcileOperator#repair}).
     */
    Reread read(
            String collection, TableSpec table, String routingKey, String keyText, long version) {
        Reread out = new Reread();
        String keyJson = RoutingKey.keyJson(routingKey);
        try {
            BsonValue id = CanonicalValues.parseCanonicalJson(keyJson);
            // Operation time first, then the find: the read reflects every change up to it.
            out.operationTime = SourceProbe.operationTime(mongo);
            BsonDocument doc =
                    mongo.getDatabase(database)
                            .getCollection(collection, BsonDocument.class)
                            .find(Filters.eq("_id", id))
                            .maxTime(timeoutSeconds, TimeUnit.SECONDS)
                            .first();
            if (doc == null) {
                out.change =
                        RowChange.delete(
                                collection, table.name, keyJson, version, new String[] {keyText});
                return out;
            }
            NormalizeResult result =
                    normalizer.normalize(
                            ChangeRecord.upsert(
                                    collection,
                                    keyJson,
                                    doc.toJson(CanonicalValues.CANONICAL),
                                    version),
                            System.currentTimeMillis());
            if (result.change == null) {
                StringJoiner reasons = new StringJoiner("; ");
                for (DeadLetter d : result.deadLetters) {
                    reasons.add(d.fieldPath + ": " + d.reason);
                }
                out.problem =
                        "the document re-read from MongoDB cannot be normalized (" + reasons + ")";
            } else {
                out.change = result.change;
            }
        } catch (RuntimeException e) {
            out.problem = "re-reading the document from MongoDB failed: " + e.getMessage();
        }
        return out;
    }

    /** Documents MongoDB does not hold, and the source version before the read. */
    static final class Absent {
        final long operationTime;
        final Set<String> routingKeys;

        Absent(long operationTime, Set<String> routingKeys) {
            this.operationTime = operationTime;
            this.routingKeys = routingKeys;
        }
    }

    /**
     * The routing keys among {@code routingKeys} whose document MongoDB does not hold, with the
     * server's operation time taken before the read: a delete at that version is older than any
     * later re-insert of the {@code _id}.
     */
    Absent absent(String collection, List<String> routingKeys) {
        long operationTime = SourceProbe.operationTime(mongo);
        Set<String> gone = new java.util.LinkedHashSet<>(routingKeys);
        gone.removeAll(existing(collection, routingKeys));
        return new Absent(operationTime, gone);
    }

    /**
     * The routing keys among {@code routingKeys} (all of {@code collection}) whose document MongoDB
     * holds now; reads {@code _id}s only.
     */
    Set<String> existing(String collection, List<String> routingKeys) {
        Map<BsonValue, String> byId = new HashMap<>();
        for (String routingKey : routingKeys) {
            byId.put(
                    CanonicalValues.parseCanonicalJson(RoutingKey.keyJson(routingKey)), routingKey);
        }
        Set<String> out = new HashSet<>();
        if (byId.isEmpty()) {
            return out;
        }
        for (BsonDocument d :
                mongo.getDatabase(database)
                        .getCollection(collection, BsonDocument.class)
                        .find(Filters.in("_id", byId.keySet()))
                        .projection(Projections.include("_id"))
                        .maxTime(timeoutSeconds, TimeUnit.SECONDS)) {
            String routingKey = byId.get(d.get("_id"));
            if (routingKey != null) {
                out.add(routingKey);
            }
        }
        return out;
    }

    @Override
    public void close() {
        mongo.close();
    }
}
