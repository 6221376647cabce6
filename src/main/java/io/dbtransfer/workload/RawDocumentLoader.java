package io.dbtransfer.workload;

import io.dbtransfer.workload.ExtendedJsonLines.Line;
import io.dbtransfer.workload.ExtendedJsonLines.Rejected;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Inserts documents read from a file as raw BSON, so every value reaches MongoDB with its exact
 * type and bytes (no UUID, symbol or undefined conversion by a codec). A document the server
 * refuses is reported with its line and the server's reason; the others are still inserted.
 */
public final class RawDocumentLoader {

    /** Documents per {@code insertMany}. */
    private static final int BATCH = 1000;

    private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();

    /** The lines inserted and the lines the server refused. */
    public record Result(List<Line> loaded, List<Rejected> rejected) {}

    private RawDocumentLoader() {}

    /**
     * Inserts {@code lines} into {@code collection} in batches (unordered, so one refused document
     * does not stop the rest of its batch). A batch that fails as a whole (the connection closed,
     * say) is retried one document at a time, so the document responsible is named.
     */
    public static Result insert(MongoCollection<?> collection, List<Line> lines) {
        MongoCollection<RawBsonDocument> raw = collection.withDocumentClass(RawBsonDocument.class);
        List<Line> loaded = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        for (int i = 0; i < lines.size(); i += BATCH) {
            List<Line> batch = lines.subList(i, Math.min(lines.size(), i + BATCH));
            List<RawBsonDocument> docs = new ArrayList<>(batch.size());
            for (Line l : batch) {
                docs.add(raw(l.document()));
            }
            try {
                raw.insertMany(docs, new InsertManyOptions().ordered(false));
                loaded.addAll(batch);
            } catch (MongoBulkWriteException e) {
                Set<Integer> failed = new HashSet<>();
                for (BulkWriteError error : e.getWriteErrors()) {
                    failed.add(error.getIndex());
                    rejected.add(
                            new Rejected(
                                    batch.get(error.getIndex()).number(),
                                    "refused by MongoDB: " + error.getMessage()));
                }
                for (int j = 0; j < batch.size(); j++) {
                    if (!failed.contains(j)) {
                        loaded.add(batch.get(j));
                    }
                }
            } catch (MongoException e) {
                for (int j = 0; j < batch.size(); j++) {
                    Line l = batch.get(j);
                    try {
                        raw.insertOne(docs.get(j));
                        loaded.add(l);
                    } catch (MongoException one) {
                        rejected.add(new Rejected(l.number(), reason(one)));
                    }
                }
            }
        }
        rejected.sort((a, b) -> Long.compare(a.number(), b.number()));
        return new Result(loaded, rejected);
    }

    static RawBsonDocument raw(BsonDocument document) {
        return new RawBsonDocument(document, CODEC);
    }

    private static String reason(MongoException e) {
        if (e instanceof MongoWriteException w) {
            return "refused by MongoDB: " + w.getError().getMessage();
        }
        if (e instanceof MongoSocketException) {
            return "MongoDB closed the connection when sent this document (it could not decode"
                    + " one of its values; see the server's log)";
        }
        return "refused by MongoDB: " + e.getMessage();
    }
}
