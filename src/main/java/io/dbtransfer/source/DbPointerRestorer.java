package io.dbtransfer.source;

import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.mapping.CanonicalValues;

import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Filters;
import org.bson.BsonArray;
import org.bson.BsonDbPointer;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Gives DBPointer values back their type. Flink CDC 3.5 hands documents over as JSON in the legacy
 * strict mode, where a DBPointer and a DBRef document ({@code {"$ref", "$id"}}) are written alike:
 * the job alone cannot tell them apart. For a document that holds such a value, this reads the
 * document again from MongoDB by {@code _id} with the Java driver, which sees the real types, and
 * puts a DBPointer back where the current document holds one with the same namespace and id. A
 * DBRef stays a document. When the document is gone or the value changed meanwhile, the event is
 * left as it is: a later event (the delete, or the change) follows and is checked the same way.
 */
public final class DbPointerRestorer implements Serializable, AutoCloseable {
    private static final long serialVersionUID = 1L;

    private static final int TIMEOUT_S = 30;

    private final String uri;
    private final String password;
    private final String database;
    private transient MongoClient client;

    public DbPointerRestorer(String uri, String password, String database) {
        this.uri = uri;
        this.password = password;
        this.database = database;
    }

    /**
     * {@code json} (a document of {@code collection} with {@code _id} {@code id}) with its
     * DBPointers restored, as canonical Extended JSON; {@code json} itself when it holds no value
     * that could be one.
     */
    public String restore(String collection, BsonValue id, String json) {
        if (!json.contains("\"$ref\"")) {
            return json;
        }
        BsonDocument event = BsonDocument.parse(json);
        List<List<Object>> paths = new ArrayList<>();
        findRefShaped(event, new ArrayList<>(), paths);
        if (paths.isEmpty()) {
            return json;
        }
        BsonDocument current;
        try {
            current =
                    client().getDatabase(database)
                            .getCollection(collection, BsonDocument.class)
                            .find(Filters.eq("_id", id))
                            .maxTime(TIMEOUT_S, TimeUnit.SECONDS)
                            .first();
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "Re-reading document "
                            + CanonicalValues.canonicalJson(id)
                            + " of "
                            + database
                            + "."
                            + collection
                            + " from MongoDB to tell its DBPointer values from DBRef documents"
                            + " failed (the job restarts and tries again): "
                            + e.getMessage(),
                    e);
        }
        if (current == null) {
            return json;
        }
        boolean changed = false;
        for (List<Object> path : paths) {
            BsonValue now = at(current, path);
            if (now instanceof BsonDbPointer && samePointer(at(event, path), (BsonDbPointer) now)) {
                set(event, path, now);
                changed = true;
            }
        }
        return changed ? event.toJson(CanonicalValues.CANONICAL) : json;
    }

    /** Documents of exactly {@code $ref} (a string) and {@code $id}, anywhere in {@code value}. */
    static void findRefShaped(BsonValue value, List<Object> path, List<List<Object>> out) {
        if (value.isDocument()) {
            BsonDocument d = value.asDocument();
            if (d.size() == 2
                    && d.containsKey("$ref")
                    && d.get("$ref").isString()
                    && d.containsKey("$id")
                    && d.get("$id").isObjectId()) {
                out.add(new ArrayList<>(path));
                return;
            }
            for (String k : d.keySet()) {
                path.add(k);
                findRefShaped(d.get(k), path, out);
                path.remove(path.size() - 1);
            }
        } else if (value.isArray()) {
            BsonArray a = value.asArray();
            for (int i = 0; i < a.size(); i++) {
                path.add(i);
                findRefShaped(a.get(i), path, out);
                path.remove(path.size() - 1);
            }
        }
    }

    private static boolean samePointer(BsonValue event, BsonDbPointer now) {
        if (event == null || !event.isDocument()) {
            return false;
        }
        BsonDocument d = event.asDocument();
        return new BsonString(now.getNamespace()).equals(d.get("$ref"))
                && d.get("$id").isObjectId()
                && d.get("$id").asObjectId().getValue().equals(now.getId());
    }

    static BsonValue at(BsonValue root, List<Object> path) {
        BsonValue v = root;
        for (Object step : path) {
            if (step instanceof String && v.isDocument()) {
                v = v.asDocument().get((String) step);
            } else if (step instanceof Integer && v.isArray()) {
                int i = (Integer) step;
                v = i < v.asArray().size() ? v.asArray().get(i) : null;
            } else {
                return null;
            }
            if (v == null) {
                return null;
            }
        }
        return v;
    }

    private static void set(BsonDocument root, List<Object> path, BsonValue value) {
        BsonValue parent = at(root, path.subList(0, path.size() - 1));
        Object last = path.get(path.size() - 1);
        if (last instanceof String) {
            parent.asDocument().put((String) last, value);
        } else {
            parent.asArray().set((Integer) last, value);
        }
    }

    private MongoClient client() {
        if (client == null) {
            client = MongoConnections.open(uri, password, TIMEOUT_S);
        }
        return client;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
