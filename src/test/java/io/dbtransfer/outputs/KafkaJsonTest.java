package io.dbtransfer.outputs;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.MismatchPolicy;
import io.dbtransfer.model.MismatchRecord;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.normalize.DocumentNormalizer;

import org.bson.BsonDocument;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The JSON messages of the Kafka topics, field by field, as a consumer parses them. */
class KafkaJsonTest {

    private static final Mapping MAPPING =
            JobConfig.parseMapping(
                    new Yaml()
                            .load(
                                    "reviews:\n  key-type: VARCHAR(20)\n  columns:\n"
                                            + "    stars: {path: rating.stars, type: INT}\n"
                                            + "    title: VARCHAR(40)\n"
                                            + "  arrays:\n    images: VARCHAR(40)\n"));

    private static BsonDocument parse(byte[] bytes) {
        return BsonDocument.parse(new String(bytes, StandardCharsets.UTF_8));
    }

    @Test
    void changelogEventCarriesTheParentRowAndEveryChildRowByColumnName() {
        String key = CanonicalValues.canonicalJson(new BsonString("R\"1"));
        NormalizeResult r =
                new DocumentNormalizer(MAPPING, MismatchPolicy.NULL_AND_KEEP_IN_EXTRA)
                        .normalize(
                                ChangeRecord.upsert(
                                        "reviews",
                                        key,
                                        "{\"_id\": \"R\\\"1\", \"rating\": {\"stars\": 4},"
                                                + " \"images\": [\"a.jpg\", \"b.jpg\"],"
                                                + " \"note\": \"ünï\\ncode\"}",
                                        7441233310196236289L),
                                0);
        BsonDocument e = parse(new KafkaJson(MAPPING).changelog(r.change));
        assertThat(e.getString("op").getValue()).isEqualTo("upsert");
        assertThat(e.getString("collection").getValue()).isEqualTo("reviews");
        assertThat(e.getString("table").getValue()).isEqualTo("reviews");
        assertThat(e.getString("key").getValue()).isEqualTo("\"R\\\"1\"");
        assertThat(e.get("version").asNumber().longValue()).isEqualTo(7441233310196236289L);
        BsonDocument row = e.getDocument("row");
        assertThat(row.getString("_id").getValue()).isEqualTo("R\"1");
        assertThat(row.getString("stars").getValue()).isEqualTo("4");
        assertThat(row.get("title").isNull()).isTrue();
        assertThat(
                        BsonDocument.parse(row.getString("_extra").getValue())
                                .getString("note")
                                .getValue())
                .isEqualTo("ünï\ncode");
        assertThat(e.getDocument("children").getArray("reviews_images").getValues())
                .extracting(v -> v.asDocument().getString("value").getValue())
                .containsExactly("a.jpg", "b.jpg");
        assertThat(
                        e.getDocument("children")
                                .getArray("reviews_images")
                                .get(1)
                                .asDocument()
                                .getString("_idx")
                                .getValue())
                .isEqualTo("1");
    }

    @Test
    void deleteEventHasOnlyTheKeyColumnsAndNoChildren() {
        String key = CanonicalValues.canonicalJson(new BsonString("R1"));
        NormalizeResult r =
                new DocumentNormalizer(MAPPING, MismatchPolicy.NULL_AND_KEEP_IN_EXTRA)
                        .normalize(ChangeRecord.delete("reviews", key, 42L), 0);
        BsonDocument e = parse(new KafkaJson(MAPPING).changelog(r.change));
        assertThat(e.getString("op").getValue()).isEqualTo("delete");
        assertThat(e.getDocument("row").keySet()).containsExactly("_id");
        assertThat(e.getDocument("children").isEmpty()).isTrue();
        assertThat(e.get("version").asNumber().longValue()).isEqualTo(42L);
    }

    @Test
    void messageKeyNamesCollectionAndKeySoEqualKeysGiveEqualBytes() {
        BsonDocument k = parse(KafkaJson.messageKey("reviews", "\"R1\""));
        assertThat(k.getString("collection").getValue()).isEqualTo("reviews");
        assertThat(k.getString("key").getValue()).isEqualTo("\"R1\"");
        assertThat(KafkaJson.messageKey("reviews", "\"R1\""))
                .isEqualTo(KafkaJson.messageKey("reviews", "\"R1\""))
                .isNotEqualTo(KafkaJson.messageKey("review", "s\"R1\""));
    }

    @Test
    void deadLetterAndMismatchEventsCarryEveryFieldOfTheirTables() {
        BsonDocument d =
                parse(
                        KafkaJson.deadLetter(
                                new DeadLetter(
                                        "reviews",
                                        "\"R1\"",
                                        "rating.stars",
                                        "\"five\"",
                                        "INT",
                                        "not an integer",
                                        DeadLetter.ACTION_KEPT_IN_EXTRA,
                                        9L,
                                        0L)));
        assertThat(d.keySet())
                .containsExactly(
                        "collection",
                        "key",
                        "version",
                        "field",
                        "value",
                        "expectedType",
                        "reason",
                        "action",
                        "time");
        assertThat(d.getString("value").getValue()).isEqualTo("\"five\"");
        assertThat(d.getString("time").getValue()).isEqualTo("1970-01-01T00:00:00Z");

        MismatchRecord m = new MismatchRecord();
        m.collection = "reviews";
        m.table = "reviews";
        m.key = "R1";
        m.kind = MismatchRecord.DIFFERENT;
        m.differingColumns = "rows";
        m.sourceVersion = 5L;
        m.mysqlVersion = -1L;
        m.firstSeenMillis = 1000L;
        m.status = "open";
        m.detectedBy = "sweep";
        BsonDocument j = parse(KafkaJson.mismatch(m));
        assertThat(j.get("mysqlVersion").asNumber().longValue()).isEqualTo(-1L);
        assertThat(j.getString("kind").getValue()).isEqualTo("different");
        assertThat(j.getString("firstSeen").getValue()).isEqualTo("1970-01-01T00:00:01Z");
        assertThat(j.getString("detectedBy").getValue()).isEqualTo("sweep");
        assertThat(j.get("repairVersion").asNumber().longValue()).isEqualTo(-1L);
        assertThat(j.get("note").isNull()).isTrue();

        m.status = "repaired";
        m.repairVersion = 5L;
        m.note = "re-read from MongoDB";
        BsonDocument repaired = parse(KafkaJson.mismatch(m));
        assertThat(repaired.getString("status").getValue()).isEqualTo("repaired");
        assertThat(repaired.get("repairVersion").asNumber().longValue()).isEqualTo(5L);
        assertThat(repaired.getString("note").getValue()).isEqualTo("re-read from MongoDB");
    }
}
