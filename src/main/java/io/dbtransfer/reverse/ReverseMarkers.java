package io.dbtransfer.reverse;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import org.bson.Document;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Date;
import java.util.OptionalLong;

/**
 * The drain protocol of the reverse direction. A caller inserts a marker row into MySQL's {@value
 * #TABLE}; the reverse job, reading the binlog in order, records the marker's id in MongoDB's
 * {@value #COLLECTION} only after every change committed before the marker is in MongoDB. Seeing
 * marker N recorded therefore proves MongoDB has everything MySQL committed before marker N.
 */
public final class ReverseMarkers {

    /** The MySQL table the markers are inserted into (in the migrated database). */
    public static final String TABLE = "dbtransfer_reverse_marker";

    /** The MongoDB collection holding the reverse job's progress (in the target database). */
    public static final String COLLECTION = "dbtransfer_reverse";

    /** The id of the progress document in {@link #COLLECTION}. */
    public static final String PROGRESS_ID = "progress";

    private ReverseMarkers() {}

    /** Creates {@value #TABLE} if it does not exist (the marker rows are never read back). */
    public static void ensureTable(Connection mysql) throws SQLException {
        try (Statement s = mysql.createStatement()) {
            s.execute(
                    "CREATE TABLE IF NOT EXISTS "
                            + TABLE
                            + " (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                            + " created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))");
        }
    }

    /** Inserts a marker in its own transaction and returns its id. */
    public static long insert(Connection mysql) throws SQLException {
        ensureTable(mysql);
        boolean auto = mysql.getAutoCommit();
        mysql.setAutoCommit(true);
        try (Statement s = mysql.createStatement()) {
            s.executeUpdate(
                    "INSERT INTO " + TABLE + " (created_at) VALUES (CURRENT_TIMESTAMP(6))",
                    Statement.RETURN_GENERATED_KEYS);
            try (ResultSet keys = s.getGeneratedKeys()) {
                if (!keys.next()) {
                    throw new SQLException("no id generated for the marker row in " + TABLE);
                }
                return keys.getLong(1);
            }
        } finally {
            mysql.setAutoCommit(auto);
        }
    }

    /**
     * Records that marker {@code id} was reached at binlog point {@code at}. Called by the reverse
     * job only after all earlier changes are written; never moves the recorded id backwards.
     */
    public static void recordSeen(MongoDatabase mongo, long id, BinlogPosition at) {
        MongoCollection<Document> c = mongo.getCollection(COLLECTION);
        Document current = c.find(Filters.eq("_id", PROGRESS_ID)).first();
        if (current != null && current.get("markerId") instanceof Number n && n.longValue() >= id) {
            return;
        }
        c.replaceOne(
                Filters.eq("_id", PROGRESS_ID),
                new Document("_id", PROGRESS_ID)
                        .append("markerId", id)
                        .append("binlogPosition", at.text())
                        .append("at", new Date()),
                new ReplaceOptions().upsert(true));
    }

    /** The highest marker id the reverse job has recorded, if any. */
    public static OptionalLong lastSeen(MongoDatabase mongo) {
        Document d = mongo.getCollection(COLLECTION).find(Filters.eq("_id", PROGRESS_ID)).first();
        return d != null && d.get("markerId") instanceof Number n
                ? OptionalLong.of(n.longValue())
                : OptionalLong.empty();
    }
}
