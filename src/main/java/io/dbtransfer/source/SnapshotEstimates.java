package io.dbtransfer.source;

import io.dbtransfer.connect.MongoConnections;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The estimated document count of each source collection, read once when the job is built. */
public final class SnapshotEstimates {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotEstimates.class);

    private SnapshotEstimates() {}

    /**
     * {@code estimatedDocumentCount} (collection metadata, no scan) per collection. Only feeds the
     * snapshot-progress metric: a collection whose count cannot be read is left out (logged), it
     * never stops the job.
     */
    public static Map<String, Long> read(String uri, String database, List<String> collections) {
        return read(uri, null, database, collections);
    }

    /** As {@link #read(String, String, List)}, with a password resolved elsewhere (or null). */
    public static Map<String, Long> read(
            String uri, String password, String database, List<String> collections) {
        Map<String, Long> out = new LinkedHashMap<>();
        try (MongoClient client = MongoConnections.open(uri, password, 10)) {
            MongoDatabase db = client.getDatabase(database);
            for (String c : collections) {
                try {
                    out.put(c, db.getCollection(c).estimatedDocumentCount());
                } catch (RuntimeException e) {
                    LOG.warn("No document count estimate for {}.{}: {}", database, c, e.toString());
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("No document count estimates for {}: {}", database, e.toString());
        }
        return out;
    }
}
