package io.dbtransfer.workload;

import org.bson.BsonDocument;
import org.bson.BsonObjectId;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonParseException;
import org.bson.json.JsonWriterSettings;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Documents as MongoDB canonical Extended JSON, one per line: every BSON type survives the round
 * trip (a {@code Long} stays a {@code Long}, a date a date), which relaxed JSON does not promise.
 */
public final class ExtendedJsonLines {

    /** Canonical Extended JSON, one line per document. */
    public static final JsonWriterSettings CANONICAL =
            JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();

    private ExtendedJsonLines() {}

    /** {@code document} as one line of canonical Extended JSON (no line terminator). */
    public static String toLine(Document document) {
        return document.toJson(CANONICAL);
    }

    /** A document read from line {@code number} (1-based) of a file. */
    public record Line(long number, BsonDocument document) {}

    /** Line {@code number} (1-based) of a file, not loaded, and why. */
    public record Rejected(long number, String reason) {
        @Override
        public String toString() {
            return "line " + number + ": " + reason;
        }
    }

    /** The documents of a file and the lines that are not documents. */
    public record Lines(List<Line> documents, List<Rejected> rejected) {}

    /**
     * Reads every non-blank line of {@code file} as a {@link BsonDocument}, keeping each value's
     * exact BSON type and bytes: {@code $uuid} and binary subtypes 03 and 04 stay binary values,
     * {@code $symbol} a symbol, {@code $undefined} undefined. A document without {@code _id} gets a
     * new ObjectId as its first field (what a driver does on insert). A line that is not a document
     * is returned among {@link Lines#rejected()} with its number and the parser's reason; the lines
     * after it are still read.
     *
     * @throws IllegalArgumentException if the file does not exist
     */
    public static Lines readLines(Path file) throws IOException {
        List<Line> documents = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                BsonDocument d;
                try {
                    d = BsonDocument.parse(line);
                } catch (RuntimeException e) {
                    rejected.add(
                            new Rejected(n, "not a MongoDB Extended JSON document: " + reason(e)));
                    continue;
                }
                if (!d.containsKey("_id")) {
                    BsonDocument withId = new BsonDocument("_id", new BsonObjectId());
                    withId.putAll(d);
                    d = withId;
                }
                documents.add(new Line(n, d));
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + " does not exist");
        }
        return new Lines(documents, rejected);
    }

    private static String reason(RuntimeException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.strip();
    }

    /**
     * Reads every non-blank line of {@code file} as a document.
     *
     * @throws IllegalArgumentException naming the file and line if one is not a JSON document
     */
    public static List<Document> read(Path file) throws IOException {
        List<Document> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    out.add(Document.parse(line));
                } catch (JsonParseException | IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            file
                                    + " line "
                                    + n
                                    + " is not an Extended JSON document: "
                                    + e.getMessage());
                }
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + " does not exist");
        }
        return out;
    }
}
