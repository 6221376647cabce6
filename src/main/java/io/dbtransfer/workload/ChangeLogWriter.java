package io.dbtransfer.workload;

import com.mongodb.MongoClientSettings;
import org.bson.BsonDocument;
import org.bson.BsonDocumentWrapper;
import org.bson.Document;
import org.bson.codecs.configuration.CodecRegistry;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the {@link LiveChangeSimulator}'s change log: one JSON object per line and change, in the
 * order the changes were sent —
 *
 * <pre>{@code
 * {"seq": 7, "op": "update", "kind": "push-comment", "_id": "R0B1…", "sentAtMs": 1718000000123,
 *  "ackAtMs": 1718000000125, "matched": 1, "modified": 1, "change": {"$push": {"comments": {…}}}}
 * }</pre>
 *
 * <p>{@code op} is insert, update, replace or delete; {@code kind} says what the change does;
 * {@code sentAtMs} / {@code ackAtMs} are epoch milliseconds just before the call and after its
 * acknowledgement. {@code change} is the inserted document, the update document, or the replacement
 * (absent for deletes), {@code _id} and {@code change} in canonical Extended JSON so that types
 * survive. Inserts carry {@code inserted}, updates and replaces {@code matched} and {@code
 * modified}, deletes {@code deleted} (a count of 0 means MongoDB changed nothing and emits no
 * change event); a change MongoDB refused carries {@code error} instead.
 */
public final class ChangeLogWriter implements Closeable {

    private static final CodecRegistry CODECS = MongoClientSettings.getDefaultCodecRegistry();

    private final BufferedWriter out;

    /** One logged change; counts that do not apply to the op are null. */
    public record Entry(
            long seq,
            ChangeMix.Op op,
            String kind,
            Object id,
            long sentAtMs,
            long ackAtMs,
            Long inserted,
            Long matched,
            Long modified,
            Long deleted,
            Document change,
            String error) {}

    public ChangeLogWriter(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.out =
                new BufferedWriter(
                        new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8),
                        1 << 16);
    }

    /** Appends one entry (buffered; see {@link #flush()}). */
    public void write(Entry e) throws IOException {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"seq\": ").append(e.seq());
        sb.append(", \"op\": \"").append(e.op().label()).append('"');
        sb.append(", \"kind\": \"").append(e.kind()).append('"');
        sb.append(", \"_id\": ").append(canonical(e.id()));
        sb.append(", \"sentAtMs\": ").append(e.sentAtMs());
        sb.append(", \"ackAtMs\": ").append(e.ackAtMs());
        count(sb, "inserted", e.inserted());
        count(sb, "matched", e.matched());
        count(sb, "modified", e.modified());
        count(sb, "deleted", e.deleted());
        if (e.change() != null) {
            sb.append(", \"change\": ").append(ExtendedJsonLines.toLine(e.change()));
        }
        if (e.error() != null) {
            sb.append(", \"error\": ").append(canonical(e.error()));
        }
        sb.append("}\n");
        out.write(sb.toString());
    }

    private static void count(StringBuilder sb, String name, Long value) {
        if (value != null) {
            sb.append(", \"").append(name).append("\": ").append(value.longValue());
        }
    }

    /** A single value in canonical Extended JSON (wrapped in a document, then unwrapped). */
    private static String canonical(Object value) {
        BsonDocument wrapped = BsonDocumentWrapper.asBsonDocument(new Document("v", value), CODECS);
        String json = wrapped.toJson(ExtendedJsonLines.CANONICAL);
        // {"v": X} -> X
        return json.substring(json.indexOf(':') + 1, json.length() - 1).trim();
    }

    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
