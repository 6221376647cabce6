package io.dbtransfer.normalize;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.hashing.Hash128;
import io.dbtransfer.hashing.KeyTexts;
import io.dbtransfer.hashing.RowHasher;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.MismatchPolicy;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.model.RoutingKey;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.workload.ReviewDocuments;

import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins every byte the normalizer and the row hash produce for a frozen corpus (the awkward
 * documents and review documents, each as canonical, relaxed and legacy strict Extended JSON): the
 * routing key, the key texts, every row value, every dead letter, the canonical JSON forms, the row
 * and document hashes and the per-key digests. These key checkpointed state and tombstones, so a
 * speed-up must leave them unchanged; the expected file was written by the code before the
 * per-record work was optimized. Rewrite it ({@code -Dgolden.write=true}) only for a deliberate,
 * versioned format change.
 */
class NormalizerGoldenTest {

    private static final Path DIR = Paths.get("src/test/resources/golden");
    private static final Path AWKWARD_INPUT = DIR.resolve("awkward-documents.jsonl");
    private static final Path REVIEW_INPUT = DIR.resolve("review-documents.jsonl");
    private static final Path EXPECTED = DIR.resolve("normalizer-golden.txt");

    private static final String AWKWARD_MAPPING =
            "awkward:\n"
                    + "  version: 1\n"
                    + "  key-type: VARCHAR(64)\n"
                    + "  columns:\n"
                    + "    kind: VARCHAR(40)\n"
                    + "    title: VARCHAR(64)\n"
                    + "    stars: INT\n"
                    + "    views: BIGINT\n"
                    + "    score: DOUBLE\n"
                    + "    price: DECIMAL(38,9)\n"
                    + "    vine: BOOLEAN\n"
                    + "    verified: BOOLEAN\n"
                    + "    born: DATETIME\n"
                    + "    expires: DATETIME\n"
                    + "    ref: UUID\n"
                    + "    blob: VARBINARY(16)\n"
                    + "    body: TEXT\n"
                    + "    ownerId: OBJECTID\n"
                    + "    product.title: VARCHAR(32)\n"
                    + "    product.dims.w: DOUBLE\n"
                    + "  arrays:\n"
                    + "    comments:\n"
                    + "      columns: {user: VARCHAR(16), text: TEXT, at: DATETIME}\n"
                    + "      arrays:\n"
                    + "        likes: VARCHAR(8)\n"
                    + "    tags: VARCHAR(16)\n"
                    + "    matrix:\n"
                    + "      arrays:\n"
                    + "        $: INT\n";

    /** The same collection with no extra column: unmapped fields skip the document. */
    private static final String AWKWARD_NO_EXTRA_MAPPING =
            "awkward:\n"
                    + "  version: 1\n"
                    + "  key-type: BIGINT\n"
                    + "  extra-column: false\n"
                    + "  columns:\n"
                    + "    kind: VARCHAR(40)\n"
                    + "    stars: BIGINT\n"
                    + "    score: DECIMAL(20,4)\n"
                    + "    product: JSON\n"
                    + "  ignore: [title, product.dims]\n";

    @SuppressWarnings("deprecation")
    private static final JsonWriterSettings STRICT =
            JsonWriterSettings.builder().outputMode(JsonMode.STRICT).build();

    private static Mapping mapping(String yaml) {
        Map<String, Object> root = new Yaml().load(yaml);
        return JobConfig.fromMap(
                        Map.of(
                                "mongo",
                                Map.of("uri", "mongodb://h:1", "database", "d"),
                                "mysql",
                                Map.of("url", "jdbc:mysql://h:1/d"),
                                "collections",
                                root),
                        Map.of())
                .mapping();
    }

    @Test
    void outputsAreByteIdenticalToTheGoldenFile() throws Exception {
        boolean write = Boolean.getBoolean("golden.write");
        if (write && !Files.exists(REVIEW_INPUT)) {
            Files.write(REVIEW_INPUT, reviewDocuments(40), StandardCharsets.UTF_8);
        }
        String actual = dump();
        if (write) {
            Files.writeString(EXPECTED, actual, StandardCharsets.UTF_8);
        }
        String expected = Files.readString(EXPECTED, StandardCharsets.UTF_8);
        // Line by line first, so a failure names the first differing line.
        String[] a = actual.split("\n", -1);
        String[] e = expected.split("\n", -1);
        for (int i = 0; i < Math.min(a.length, e.length); i++) {
            assertThat(a[i]).as("line %d of %s", i + 1, EXPECTED).isEqualTo(e[i]);
        }
        assertThat(actual).isEqualTo(expected);
    }

    /** Review documents like the benchmark's: a few comments with dates, images. */
    private static List<String> reviewDocuments(int count) {
        Random random = new Random(3);
        ReviewDocuments generator = new ReviewDocuments(3);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Document d = generator.next();
            List<Document> comments = new ArrayList<>();
            for (int c = random.nextInt(4); c > 0; c--) {
                comments.add(
                        new Document("user", "u" + random.nextInt(1000))
                                .append("text", "Thanks, \"very\" helpful \u00e9\u2028\n")
                                .append("at", new Date(1_600_000_000_000L + random.nextInt())));
            }
            d.put("comments", comments);
            if (i % 3 == 0) {
                d.put("images", List.of("a" + i + ".jpg", "b" + i + ".png"));
            }
            if (i % 5 == 0) {
                d.put("note", new Document("x", 1.5).append("y", List.of(1L << 40, -7)));
            }
            out.add(d.toBsonDocument().toJson(CanonicalValues.CANONICAL));
        }
        return out;
    }

    private static String dump() throws Exception {
        StringBuilder out = new StringBuilder();
        List<String> awkward = Files.readAllLines(AWKWARD_INPUT, StandardCharsets.UTF_8);
        List<String> reviews = Files.readAllLines(REVIEW_INPUT, StandardCharsets.UTF_8);
        Mapping reviewMapping = mapping(ReviewDocuments.mappingYaml("reviews"));
        Mapping awkwardMapping = mapping(AWKWARD_MAPPING);
        Mapping noExtra = mapping(AWKWARD_NO_EXTRA_MAPPING);
        for (MismatchPolicy policy : MismatchPolicy.values()) {
            dump(out, "awkward/" + policy, awkwardMapping, policy, awkward);
            dump(out, "awkward-no-extra/" + policy, noExtra, policy, awkward);
        }
        dump(out, "reviews", reviewMapping, MismatchPolicy.NULL_AND_KEEP_IN_EXTRA, reviews);
        return out.toString();
    }

    private static void dump(
            StringBuilder out,
            String name,
            Mapping mapping,
            MismatchPolicy policy,
            List<String> lines) {
        DocumentNormalizer normalizer = new DocumentNormalizer(mapping, policy);
        String collection = name.startsWith("reviews") ? "reviews" : "awkward";
        TableSpec table = mapping.tableFor(collection);
        int n = 0;
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            BsonDocument doc = BsonDocument.parse(line);
            String[] forms = {
                doc.toJson(CanonicalValues.CANONICAL),
                doc.toJson(CanonicalValues.RELAXED),
                doc.toJson(STRICT)
            };
            String[] formNames = {"canonical", "relaxed", "strict"};
            for (int f = 0; f < forms.length; f++) {
                // The key as the deserializer computes it from Flink CDC's documentKey.
                String documentKey = new BsonDocument("_id", doc.get("_id")).toJson(STRICT);
                BsonValue id = BsonDocument.parse(documentKey).get("_id");
                String key = CanonicalValues.canonicalJson(id);
                ChangeRecord record = ChangeRecord.upsert(collection, key, forms[f], 1000L + n);
                out.append("## ").append(name).append(' ').append(n).append(' ');
                out.append(formNames[f]).append('\n');
                out.append("key ").append(esc(key)).append('\n');
                String routing = record.routingKey();
                out.append("routing ").append(esc(routing)).append('\n');
                out.append("routing-equal ")
                        .append(routing.equals(RoutingKey.of(collection, key)))
                        .append('\n');
                String keyText = KeyTexts.keyText(routing, table.columns.get(0).type);
                out.append("keyText ").append(esc(keyText)).append('\n');
                out.append("idType ").append(KeyTexts.idType(routing)).append('\n');
                out.append("keyTextOf ").append(esc(CanonicalValues.keyText(id))).append('\n');
                if (keyText != null) {
                    out.append("bucket ").append(RowHasher.bucket(keyText, 1024)).append('\n');
                }
                NormalizeResult r = normalizer.normalize(record, 77L);
                out.append("ignored ").append(r.ignoredFields).append('\n');
                for (DeadLetter d : r.deadLetters) {
                    out.append("dead ")
                            .append(esc(d.fieldPath))
                            .append(" | ")
                            .append(esc(d.valueExcerpt))
                            .append(" | ")
                            .append(esc(d.expectedType))
                            .append(" | ")
                            .append(esc(d.reason))
                            .append(" | ")
                            .append(d.action)
                            .append(" | ")
                            .append(d.key)
                            .append(" | ")
                            .append(d.version)
                            .append('\n');
                }
                dumpChange(out, table, r.change, keyText);
                NormalizeResult del =
                        normalizer.normalize(ChangeRecord.delete(collection, key, 5L), 77L);
                out.append("delete ");
                out.append(del.change == null ? "null" : row(del.change.parent));
                out.append(" dead=").append(del.deadLetters.size()).append('\n');
            }
            n++;
        }
    }

    private static void dumpChange(
            StringBuilder out, TableSpec table, RowChange change, String keyText) {
        if (change == null) {
            out.append("change null\n");
            return;
        }
        out.append("change ")
                .append(change.table)
                .append(' ')
                .append(esc(change.key))
                .append(' ')
                .append(change.version)
                .append(' ')
                .append(change.delete)
                .append('\n');
        out.append("parent ").append(row(change.parent)).append('\n');
        dumpForms(out, table, change.parent);
        out.append("row-hash ").append(RowHasher.row(table, change.parent).toHex()).append('\n');
        for (ChildRows c : change.children) {
            out.append("child ").append(c.table).append(' ').append(c.rows.length).append('\n');
            TableSpec child = find(table, c.table);
            for (String[] r : c.rows) {
                out.append("  row ").append(row(r)).append('\n');
                out.append("  row-hash ").append(RowHasher.row(child, r).toHex()).append('\n');
                dumpForms(out, child, r);
            }
        }
        Hash128 doc = RowHasher.document(table, change.parent, change.children);
        out.append("doc-hash ").append(doc.toHex()).append('\n');
        out.append("key-digest ")
                .append(RowHasher.keyDigest(keyText == null ? "" : keyText, 42L, doc).toHex())
                .append('\n');
    }

    /** The normal and comparable forms of every value that has one differing from itself. */
    private static void dumpForms(StringBuilder out, TableSpec table, String[] values) {
        for (int i = 0; i < values.length; i++) {
            ColumnSpec column = table.columns.get(i);
            String normal = RowHasher.normalForm(values[i], column.type);
            if (normal != null && !normal.equals(values[i])) {
                out.append("  normal ").append(i).append(' ').append(esc(normal)).append('\n');
            }
            String comparable =
                    values[i] == null ? null : CanonicalValues.comparable(values[i], column.type);
            if (comparable != null && !comparable.equals(values[i])) {
                out.append("  comparable ")
                        .append(i)
                        .append(' ')
                        .append(esc(comparable))
                        .append('\n');
            }
        }
    }

    private static TableSpec find(TableSpec parent, String name) {
        for (TableSpec t : TableSpec.descendants(parent)) {
            if (t.name.equals(name)) {
                return t;
            }
        }
        throw new IllegalStateException(name);
    }

    private static String row(String[] values) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(esc(values[i]));
        }
        return b.append(']').toString();
    }

    /** The value quoted with every non-printable-ASCII character as \\uXXXX (null as null). */
    private static String esc(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
