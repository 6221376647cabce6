package io.dbtransfer.reverse;

import io.dbtransfer.mapping.RowsToDocument;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReplaceOptions;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The core of the reverse job: for each binlog change, the document it touches is read again from
 * MySQL (parent row and every child row, one transaction, locking reads: {@link
 * LockedDocumentRead}), rebuilt with {@link RowsToDocument} and written to MongoDB with {@code
 * replaceOne(_id, document, upsert)}, or removed with {@code deleteOne(_id)} when the parent row is
 * gone. Further changes of the same MySQL transaction to a document already refreshed in that
 * transaction are skipped, so one MySQL transaction is one MongoDB write per document, without
 * buffering a transaction and without an end-of-transaction marker (the binlog source sends none).
 *
 * <p><b>Replays are harmless, no version field is added.</b> Every write is the document's
 * <em>current committed</em> state in MySQL, read when the change is processed, never the state the
 * change carried. A replay after a restart (the source goes back to the last checkpoint's binlog
 * offset) therefore writes the current state again and cannot move a document back to an older
 * state; the documents carry no extra field. The guarantee is at-least-once writes with idempotent,
 * convergent results: once the job has processed the binlog up to a point, MongoDB holds, for every
 * document changed before that point, a state at least as new as that point.
 *
 * <p><b>Markers.</b> A row inserted into {@link ReverseMarkers#TABLE} is recorded with {@link
 * ReverseMarkers#recordSeen} after every earlier change is written (the job runs at parallelism 1
 * and writes synchronously, in binlog order).
 *
 * <p><b>Dead letters.</b> Rows that cannot become a document (child rows without a parent row,
 * values {@link RowsToDocument} cannot rebuild) are written with their reason to {@value
 * #DEAD_LETTER_COLLECTION} in MongoDB, logged and counted; the job goes on.
 */
public final class DocumentRefresh extends ProcessFunction<ReverseEvent, String> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DocumentRefresh.class);

    /** The MongoDB collection the reverse job's dead letters go to. */
    public static final String DEAD_LETTER_COLLECTION = "dbtransfer_reverse_dlq";

    /** Attempts of one document read when MySQL reports a deadlock or a lock-wait timeout. */
    static final int READ_ATTEMPTS = 10;

    private final ReverseSettings settings;
    private final ReverseRouting routing;

    private transient MongoClient mongo;
    private transient MongoDatabase database;
    private transient Connection mysql;
    private transient String currentTransaction;
    private transient Set<String> refreshedInTransaction;
    private transient Counter upserts;
    private transient Counter deletes;
    private transient Counter skipped;
    private transient Counter deadLetters;
    private transient Counter markers;

    public DocumentRefresh(ReverseSettings settings) {
        this.settings = settings;
        this.routing = new ReverseRouting(settings.mapping());
    }

    @Override
    public void open(OpenContext context) throws Exception {
        mongo = MongoClients.create(settings.mongoUri());
        database = mongo.getDatabase(settings.mongoDatabase());
        refreshedInTransaction = new HashSet<>();
        var group = getRuntimeContext().getMetricGroup().addGroup("reverse");
        upserts = group.counter("documentsWritten");
        deletes = group.counter("documentsDeleted");
        skipped = group.counter("changesSkippedSameTransaction");
        deadLetters = group.counter("deadLetters");
        markers = group.counter("markersSeen");
    }

    @Override
    public void close() throws Exception {
        if (mysql != null) {
            mysql.close();
        }
        if (mongo != null) {
            mongo.close();
        }
    }

    @Override
    public void processElement(ReverseEvent e, Context ctx, Collector<String> out)
            throws Exception {
        String tx = e.transactionKey();
        if (!tx.equals(currentTransaction)) {
            currentTransaction = tx;
            refreshedInTransaction.clear();
        }
        if (e.isMarker()) {
            ReverseMarkers.recordSeen(database, e.markerId, e.binlogPosition());
            markers.inc();
            return;
        }
        ReverseRouting.Route route = routing.route(e.table);
        if (route == null) {
            return;
        }
        if (e.documentKey == null) {
            deadLetter(e, "the row has no document key (column " + route.keyColumn() + " is NULL)");
            return;
        }
        if (!refreshedInTransaction.add(route.collection() + '\u0000' + e.documentKey)) {
            skipped.inc();
            return;
        }
        refresh(route, e);
    }

    private void refresh(ReverseRouting.Route route, ReverseEvent e) throws Exception {
        LockedDocumentRead.Rows rows;
        try {
            rows = readWithRetries(route, e);
        } catch (RuntimeException unreadable) {
            // A value the canonical form cannot take (e.g. a JSON column that holds no JSON).
            deadLetter(e, "the rows cannot be read as the mapping's types: " + unreadable);
            return;
        }
        MongoCollection<BsonDocument> collection =
                database.getCollection(route.collection(), BsonDocument.class);
        List<BsonValue> candidates =
                ReverseRouting.idCandidates(
                        route.collection(), e.documentKey, route.parent().columns.get(0).type);
        if (candidates.isEmpty()) {
            deadLetter(
                    e,
                    "key '"
                            + e.documentKey
                            + "' is not a value of the key column's type "
                            + route.parent().columns.get(0).type.toSql());
            return;
        }
        if (rows.parent == null) {
            if (rows.hasChildRows()) {
                deadLetter(
                        e,
                        "child rows without a parent row: table "
                                + route.parent().name
                                + " has no row with "
                                + route.parent().columns.get(0).name
                                + " = '"
                                + e.documentKey
                                + "'; the document is absent from MongoDB until the parent row"
                                + " is inserted");
            }
            BsonValue existing = existingId(collection, candidates);
            if (existing != null) {
                collection.deleteOne(Filters.eq("_id", existing));
                deletes.inc();
            }
            return;
        }
        BsonValue id =
                candidates.size() == 1 ? candidates.get(0) : existingId(collection, candidates);
        if (id == null) {
            id = candidates.get(0);
        }
        BsonDocument document;
        try {
            document = RowsToDocument.rebuild(route.parent(), id, rows.parent, rows.children);
        } catch (RuntimeException bad) {
            deadLetter(e, "the rows do not make a document: " + bad);
            return;
        }
        collection.replaceOne(Filters.eq("_id", id), document, new ReplaceOptions().upsert(true));
        upserts.inc();
    }

    private static BsonValue existingId(
            MongoCollection<BsonDocument> collection, List<BsonValue> candidates) {
        BsonDocument found =
                collection
                        .find(
                                candidates.size() == 1
                                        ? Filters.eq("_id", candidates.get(0))
                                        : Filters.in("_id", candidates))
                        .projection(Projections.include("_id"))
                        .first();
        return found == null ? null : found.get("_id");
    }

    private LockedDocumentRead.Rows readWithRetries(ReverseRouting.Route route, ReverseEvent e)
            throws Exception {
        SQLException last = null;
        for (int attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
            try {
                return LockedDocumentRead.read(connection(), route.parent(), e.documentKey);
            } catch (SQLException failed) {
                if (!LockedDocumentRead.retryable(failed)) {
                    closeConnection();
                    throw failed;
                }
                last = failed;
                LOG.info(
                        "reverse: reading document {} of {} hit {} (attempt {} of {}), retrying",
                        e.documentKey,
                        route.parent().name,
                        failed.getMessage(),
                        attempt,
                        READ_ATTEMPTS);
                Thread.sleep(50L * attempt);
            }
        }
        throw new SQLException(
                "reverse: reading document '"
                        + e.documentKey
                        + "' of table "
                        + route.parent().name
                        + " with locking reads failed "
                        + READ_ATTEMPTS
                        + " times (deadlock or lock-wait timeout; last: "
                        + (last == null ? "" : last.getMessage())
                        + "); a long transaction holds locks on its rows: end it (or raise"
                        + " innodb_lock_wait_timeout) and the job continues after its restart",
                last == null ? null : last.getSQLState(),
                last == null ? 0 : last.getErrorCode(),
                last);
    }

    private Connection connection() throws SQLException {
        if (mysql == null || !mysql.isValid(2)) {
            closeConnection();
            mysql =
                    DriverManager.getConnection(
                            settings.mysqlJdbcUrl(),
                            settings.mysqlUser(),
                            settings.mysqlPassword());
        }
        return mysql;
    }

    private void closeConnection() {
        if (mysql != null) {
            try {
                mysql.close();
            } catch (SQLException ignored) {
                // replaced by a new connection
            }
            mysql = null;
        }
    }

    private void deadLetter(ReverseEvent e, String reason) {
        deadLetters.inc();
        LOG.warn("reverse: dead letter for {}: {}", e, reason);
        String id = e.table + "|" + e.documentKey + "|" + e.transactionKey();
        database.getCollection(DEAD_LETTER_COLLECTION)
                .replaceOne(
                        Filters.eq("_id", id),
                        new Document("_id", id)
                                .append("table", e.table)
                                .append("key", e.documentKey)
                                .append("op", e.op)
                                .append("position", e.file + ":" + e.position)
                                .append("transaction", e.transactionId)
                                .append("reason", reason)
                                .append("at", new Date()),
                        new ReplaceOptions().upsert(true));
    }
}
