package io.dbtransfer.normalize;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.MismatchPolicy;
import io.dbtransfer.model.NormalizeResult;

import org.bson.BsonDocument;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The foundation normalizer: typed top-level and nested columns, the rest in one JSON column. */
class DocumentNormalizerTest {

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

    private static final Mapping REVIEWS =
            mapping(
                    "reviews:\n"
                            + "  columns:\n"
                            + "    stars: {path: rating.stars, type: INT}\n"
                            + "    title: VARCHAR(10)\n"
                            + "    at: {path: date, type: DATETIME}\n");

    private static ChangeRecord upsert(String json) {
        BsonDocument doc = BsonDocument.parse(json);
        return ChangeRecord.upsert(
                "reviews", CanonicalValues.canonicalJson(doc.get("_id")), json, 42L);
    }

    @Test
    void mapsColumnsAndKeepsEveryOtherFieldInExtra() {
        NormalizeResult r =
                new DocumentNormalizer(REVIEWS, MismatchPolicy.NULL_AND_KEEP_IN_EXTRA)
                        .normalize(
                                upsert(
                                        "{\"_id\": \"R1\", \"rating\": {\"stars\": 5, \"helpful\": 3},"
                                                + " \"title\": \"Great\", \"date\": {\"$date\":"
                                                + " \"1969-07-20T20:17:40.123Z\"}, \"tags\": [\"a\"]}"),
                                0);
        assertThat(r.deadLetters).isEmpty();
        assertThat(r.change.delete).isFalse();
        assertThat(r.change.table).isEqualTo("reviews");
        assertThat(r.change.version).isEqualTo(42L);
        assertThat(r.change.parent)
                .containsExactly(
                        "R1",
                        "5",
                        "Great",
                        "1969-07-20 20:17:40.123",
                        "{\"rating\": {\"helpful\": 3}, \"tags\": [\"a\"]}");
    }

    @Test
    void objectIdKeyBecomesHexAndMissingValuesBecomeNull() {
        ObjectId id = new ObjectId();
        String json = new BsonDocument("_id", new BsonObjectId(id)).toJson();
        NormalizeResult r =
                new DocumentNormalizer(REVIEWS, MismatchPolicy.NULL_AND_KEEP_IN_EXTRA)
                        .normalize(upsert(json), 0);
        assertThat(r.change.parent).containsExactly(id.toHexString(), null, null, null, "{}");
    }

    @Test
    void valueThatDoesNotFitIsKeptInExtraAndRecorded() {
        NormalizeResult r =
                new DocumentNormalizer(REVIEWS, MismatchPolicy.NULL_AND_KEEP_IN_EXTRA)
                        .normalize(upsert("{\"_id\": 7, \"rating\": {\"stars\": \"five\"}}"), 0);
        assertThat(r.change.parent)
                .containsExactly("7", null, null, null, "{\"rating\": {\"stars\": \"five\"}}");
        assertThat(r.deadLetters).hasSize(1);
        DeadLetter d = r.deadLetters.get(0);
        assertThat(d.fieldPath).isEqualTo("rating.stars");
        assertThat(d.expectedType).isEqualTo("INT");
        assertThat(d.action).isEqualTo(DeadLetter.ACTION_KEPT_IN_EXTRA);
        assertThat(d.valueExcerpt).isEqualTo("\"five\"");
        assertThat(d.key).isEqualTo("{\"$numberInt\": \"7\"}");
        assertThat(d.version).isEqualTo(42L);
    }

    @Test
    void skipPolicyWritesNothingButRecordsWhy() {
        NormalizeResult r =
                new DocumentNormalizer(REVIEWS, MismatchPolicy.SKIP_DOCUMENT)
                        .normalize(upsert("{\"_id\": 7, \"title\": \"far too long a title\"}"), 0);
        assertThat(r.change).isNull();
        assertThat(r.deadLetters)
                .singleElement()
                .satisfies(
                        d -> {
                            assertThat(d.action).isEqualTo(DeadLetter.ACTION_SKIPPED);
                            assertThat(d.reason).contains("longer than VARCHAR(10)");
                        });
    }

    @Test
    void overflowAndLossyNumbersAreMismatches() {
        DocumentNormalizer n = new DocumentNormalizer(REVIEWS, MismatchPolicy.SKIP_DOCUMENT);
        assertThat(
                        n.normalize(
                                        upsert(
                                                "{\"_id\": 1, \"rating\": {\"stars\": {\"$numberLong\": \"3000000000\"}}}"),
                                        0)
                                .deadLetters)
                .singleElement()
                .satisfies(d -> assertThat(d.reason).contains("overflows INT"));
        assertThat(n.normalize(upsert("{\"_id\": 1, \"rating\": {\"stars\": 4.5}}"), 0).deadLetters)
                .singleElement()
                .satisfies(d -> assertThat(d.reason).contains("not an integer"));
        // A double that is exactly an integer converts without loss.
        assertThat(
                        n.normalize(upsert("{\"_id\": 1, \"rating\": {\"stars\": 4.0}}"), 0)
                                .change
                                .parent[1])
                .isEqualTo("4");
    }

    @Test
    void deleteCarriesTheKeyOnly() {
        ChangeRecord del =
                ChangeRecord.delete(
                        "reviews", CanonicalValues.canonicalJson(new BsonString("R1")), 99L);
        NormalizeResult r =
                new DocumentNormalizer(REVIEWS, MismatchPolicy.SKIP_DOCUMENT).normalize(del, 0);
        assertThat(r.change.delete).isTrue();
        assertThat(r.change.parent).containsExactly("R1");
        assertThat(r.change.version).isEqualTo(99L);
    }

    @Test
    void malformedDocumentAndUnknownCollectionAreDeadLettersNotExceptions() {
        DocumentNormalizer n = new DocumentNormalizer(REVIEWS, MismatchPolicy.SKIP_DOCUMENT);
        ChangeRecord bad = ChangeRecord.upsert("reviews", "\"x\"", "{not json", 1);
        assertThat(n.normalize(bad, 0).deadLetters)
                .singleElement()
                .satisfies(d -> assertThat(d.reason).contains("not valid Extended JSON"));
        ChangeRecord other = ChangeRecord.upsert("other", "\"x\"", "{\"_id\": \"x\"}", 1);
        assertThat(n.normalize(other, 0).deadLetters)
                .singleElement()
                .satisfies(d -> assertThat(d.reason).contains("has no mapping"));
    }

    @Test
    void tableWithoutExtraColumnRefusesToDropUnmappedFields() {
        Mapping strict = mapping("reviews:\n  extra-column: false\n  columns:\n    title: TEXT\n");
        NormalizeResult r =
                new DocumentNormalizer(strict, MismatchPolicy.NULL_AND_KEEP_IN_EXTRA)
                        .normalize(upsert("{\"_id\": 1, \"title\": \"t\", \"surprise\": true}"), 0);
        assertThat(r.change).isNull();
        assertThat(r.deadLetters)
                .singleElement()
                .satisfies(d -> assertThat(d.fieldPath).isEqualTo("surprise"));
    }
}
