package io.dbtransfer.mapping;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.MismatchPolicy;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.normalize.DocumentNormalizer;

import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonJavaScript;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Document → rows → document: for randomized documents with every BSON type, in typed columns,
 * child tables, nested arrays and the extra columns, with values that drift out of their columns,
 * the rebuilt document equals the original in canonical form.
 */
class RowsToDocumentRoundTripTest {

    private static final String MAPPING =
            "things:\n"
                    + "  columns:\n"
                    + "    i: INT\n"
                    + "    l: BIGINT\n"
                    + "    d: DOUBLE\n"
                    + "    dec: DECIMAL(20,4)\n"
                    + "    b: BOOLEAN\n"
                    + "    s: VARCHAR(12)\n"
                    + "    t: TEXT\n"
                    + "    at: DATETIME\n"
                    + "    bin: VARBINARY(16)\n"
                    + "    product.title: VARCHAR(40)\n"
                    + "    j: JSON\n"
                    + "    oid: OBJECTID\n"
                    + "    u: UUID\n"
                    + "    ub: BINARY_UUID\n"
                    + "  arrays:\n"
                    + "    comments:\n"
                    + "      columns: {user: VARCHAR(10), at: DATETIME, votes: INT}\n"
                    + "      arrays:\n"
                    + "        likes: VARCHAR(10)\n"
                    + "    tags: TEXT\n"
                    + "    matrix:\n"
                    + "      arrays:\n"
                    + "        $: BIGINT\n";

    private static final String[] NAMES = {
        "x",
        "with space",
        "with.dot",
        "a$b",
        "quote\"d",
        "back`tick",
        "ünï",
        "漢字",
        "select",
        "order",
        "😀key",
        "a_field_name_that_is_much_longer_than_sixty_four_characters_in_total_x"
    };

    private final Random random = new Random(20261125L);

    private static Mapping mapping() {
        return JobConfig.fromMap(
                        Map.of(
                                "mongo.uri", "mongodb://h:1",
                                "mongo.database", "d",
                                "mysql.url", "jdbc:mysql://h:1/d",
                                "collections", new Yaml().load(MAPPING)),
                        Map.of())
                .mapping();
    }

    @Test
    void randomizedDocumentsSurviveTheRoundTrip() {
        Mapping mapping = mapping();
        TableSpec table = mapping.tableFor("things");
        DocumentNormalizer normalizer =
                new DocumentNormalizer(mapping, MismatchPolicy.NULL_AND_KEEP_IN_EXTRA);
        int withDeadLetters = 0;
        int withChildRows = 0;
        for (int n = 0; n < 1500; n++) {
            BsonDocument doc = document(n);
            String key = CanonicalValues.canonicalJson(doc.get("_id"));
            NormalizeResult r =
                    normalizer.normalize(
                            ChangeRecord.upsert(
                                    "things", key, doc.toJson(CanonicalValues.CANONICAL), 1L),
                            0L);
            assertThat(r.change).as("document %s: %s", doc, r.deadLetters).isNotNull();
            withDeadLetters += r.deadLetters.isEmpty() ? 0 : 1;
            Map<String, String[][]> children = new HashMap<>();
            for (ChildRows c : r.change.children) {
                children.put(c.table, c.rows);
                withChildRows += c.rows.length > 0 ? 1 : 0;
            }
            BsonDocument rebuilt =
                    RowsToDocument.rebuild(table, doc.get("_id"), r.change.parent, children);
            assertThat(RowsToDocument.canonical(rebuilt))
                    .as("document %d rows %s", n, r.change)
                    .isEqualTo(RowsToDocument.canonical(doc));
        }
        // The generator really exercises drift and child tables.
        assertThat(withDeadLetters).isGreaterThan(150);
        assertThat(withChildRows).isGreaterThan(500);
    }

    private BsonDocument document(int n) {
        BsonDocument d =
                new BsonDocument("_id", n % 2 == 0 ? new BsonObjectId() : new BsonString("k" + n));
        maybe(d, "i", () -> drift(new BsonInt32(random.nextInt())));
        maybe(d, "l", () -> drift(new BsonInt64(random.nextLong())));
        maybe(d, "d", () -> drift(new BsonDouble(random.nextGaussian() * 1e6)));
        maybe(
                d,
                "dec",
                () ->
                        drift(
                                new BsonDecimal128(
                                        new Decimal128(
                                                BigDecimal.valueOf(
                                                        random.nextLong() % 10_000_000_000L, 4)))));
        maybe(d, "b", () -> drift(BsonBoolean.valueOf(random.nextBoolean())));
        maybe(d, "s", () -> drift(new BsonString(text(12))));
        maybe(d, "t", () -> drift(new BsonString(text(300))));
        maybe(d, "at", () -> drift(date()));
        maybe(d, "bin", () -> drift(new BsonBinary(bytes(random.nextInt(17)))));
        maybe(d, "j", this::any);
        maybe(d, "oid", () -> drift(new BsonObjectId()));
        maybe(d, "u", () -> drift(uuid()));
        maybe(d, "ub", () -> drift(uuid()));
        if (random.nextInt(4) > 0) {
            BsonDocument product = new BsonDocument();
            maybe(product, "title", () -> drift(new BsonString(text(40))));
            maybe(product, "id", this::any);
            d.put("product", random.nextInt(10) == 0 ? any() : product);
        }
        if (random.nextInt(3) > 0) {
            BsonArray comments = new BsonArray();
            for (int i = random.nextInt(4); i > 0; i--) {
                if (random.nextInt(8) == 0) {
                    comments.add(any());
                    continue;
                }
                BsonDocument c = new BsonDocument();
                maybe(c, "user", () -> drift(new BsonString(text(10))));
                maybe(c, "at", () -> drift(date()));
                maybe(c, "votes", () -> drift(new BsonInt32(random.nextInt(100))));
                maybe(c, NAMES[random.nextInt(NAMES.length)], this::any);
                if (random.nextBoolean()) {
                    BsonArray likes = new BsonArray();
                    for (int k = random.nextInt(3); k > 0; k--) {
                        likes.add(new BsonString(text(10)));
                    }
                    c.put("likes", likes);
                }
                comments.add(c);
            }
            d.put("comments", random.nextInt(10) == 0 ? any() : comments);
        }
        if (random.nextBoolean()) {
            BsonArray tags = new BsonArray();
            for (int i = random.nextInt(4); i > 0; i--) {
                tags.add(random.nextInt(10) == 0 ? BsonNull.VALUE : new BsonString(text(20)));
            }
            d.put("tags", tags);
        }
        if (random.nextBoolean()) {
            BsonArray matrix = new BsonArray();
            for (int i = random.nextInt(4); i > 0; i--) {
                BsonArray row = new BsonArray();
                for (int k = random.nextInt(3); k > 0; k--) {
                    row.add(new BsonInt64(random.nextLong()));
                }
                matrix.add(random.nextInt(8) == 0 ? new BsonDocument("odd", any()) : row);
            }
            d.put("matrix", matrix);
        }
        for (int i = random.nextInt(4); i > 0; i--) {
            d.put(NAMES[random.nextInt(NAMES.length)], any());
        }
        return d;
    }

    private void maybe(BsonDocument d, String field, java.util.function.Supplier<BsonValue> v) {
        int dice = random.nextInt(10);
        if (dice < 7) {
            d.put(field, v.get());
        } else if (dice == 7) {
            d.put(field, BsonNull.VALUE);
        }
    }

    /** One in six values is replaced by a value of another type (drift). */
    private BsonValue drift(BsonValue fitting) {
        return random.nextInt(6) == 0 ? any() : fitting;
    }

    private BsonValue any() {
        switch (random.nextInt(24)) {
            case 0:
                return new BsonObjectId(new ObjectId());
            case 1:
                return new BsonString(text(random.nextInt(30)));
            case 2:
                return new BsonInt32(random.nextInt());
            case 3:
                return new BsonInt64(Long.MAX_VALUE - random.nextInt(10));
            case 4:
                return new BsonDouble(
                        new double[] {
                                    Double.NaN,
                                    Double.POSITIVE_INFINITY,
                                    Double.NEGATIVE_INFINITY,
                                    -0.0,
                                    1e300,
                                    5.0
                                }
                                [random.nextInt(6)]);
            case 5:
                return new BsonDecimal128(
                        Decimal128.parse(
                                new String[] {
                                            "12345678901234567890.123456789",
                                            "NaN",
                                            "-0",
                                            "1E+6000",
                                            "0.1"
                                        }
                                        [random.nextInt(5)]));
            case 6:
                return BsonBoolean.valueOf(random.nextBoolean());
            case 7:
                return date();
            case 8:
                return new BsonDateTime(
                        random.nextBoolean() ? -62_000_000_000_000L : 253_402_300_800_000L);
            case 9:
                return new BsonTimestamp(random.nextInt(Integer.MAX_VALUE), random.nextInt(10));
            case 10:
                return new BsonBinary(bytes(random.nextInt(40)));
            case 11:
                return new BsonBinary(UUID.randomUUID(), org.bson.UuidRepresentation.STANDARD);
            case 12:
                return new BsonBinary(BsonBinarySubType.MD5, bytes(16));
            case 13:
                return BsonNull.VALUE;
            case 14:
                return new BsonRegularExpression("^ab+c$", "i");
            case 15:
                return new BsonJavaScript("function(){return 1}");
            case 16:
                return new BsonMinKey();
            case 17:
                return new BsonMaxKey();
            case 18:
                return new BsonDocument();
            case 19:
                return new BsonArray();
            case 20:
                return new BsonArray(
                        List.of(
                                new BsonArray(List.of(new BsonInt32(1), new BsonInt32(2))),
                                new BsonArray()));
            case 21:
                return new BsonDocument(NAMES[random.nextInt(NAMES.length)], new BsonString("v"))
                        .append("n", new BsonDocument("deep", new BsonInt64(3)));
            case 22:
                return new BsonString("x".repeat(70_000));
            default:
                return new BsonString("Great 😀👍🏽 — ünïcödé 漢字 \"q\" `b`");
        }
    }

    private BsonBinary uuid() {
        return new BsonBinary(
                new UUID(random.nextLong(), random.nextLong()),
                org.bson.UuidRepresentation.STANDARD);
    }

    private BsonDateTime date() {
        // 1900 … 2200: before 1970 and after 2038 included.
        return new BsonDateTime(-2_208_988_800_000L + (long) (random.nextDouble() * 9.5e12));
    }

    private String text(int max) {
        StringBuilder sb = new StringBuilder();
        String alphabet = "abcXYZ 09😀漢ü\"'`\\";
        int len = random.nextInt(max + 1);
        while (sb.codePointCount(0, sb.length()) < len) {
            sb.appendCodePoint(
                    alphabet.codePointAt(
                            alphabet.offsetByCodePoints(
                                    0,
                                    random.nextInt(
                                            alphabet.codePointCount(0, alphabet.length())))));
        }
        return sb.toString();
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
