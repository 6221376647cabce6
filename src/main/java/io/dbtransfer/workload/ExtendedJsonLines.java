package io.dbtransfer.workload;

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
