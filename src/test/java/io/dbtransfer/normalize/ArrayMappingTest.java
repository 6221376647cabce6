package io.dbtransfer.normalize;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.MismatchPolicy;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.model.RowChange;

import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Mapping version 1: arrays as child tables, nested arrays, ignored fields, names, errors. */
class ArrayMappingTest {

    static Mapping mapping(String yaml) {
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

    static ChangeRecord upsert(String collection, String json) {
        BsonDocument doc = BsonDocument.parse(json);
        return ChangeRecord.upsert(
                collection, CanonicalValues.canonicalJson(doc.get("_id")), json, 7L);
    }

    private static final Mapping REVIEWS =
            mapping(
                    "reviews:\n"
                            + "  version: 1\n"
                            + "  columns:\n"
                            + "    product.title: VARCHAR(20)\n"
                            + "  arrays:\n"
                            + "    comments:\n"
                            + "      columns: {user: VARCHAR(8), at: DATETIME}\n"
                            + "      arrays:\n"
                            + "        likes: VARCHAR(8)\n"
                            + "    tags: VARCHAR(8)\n"
                            + "    matrix:\n"
                            + "      arrays:\n"
                            + "        $: INT\n"
                            + "  ignore: [debug, internal.trace]\n");

    private static NormalizeResult normalize(Mapping m, MismatchPolicy p, String json) {
        return new DocumentNormalizer(m, p).normalize(upsert("reviews", json), 0);
    }

    private static String[][] rows(RowChange c, String table) {
        for (ChildRows r : c.children) {
            if (r.table.equals(table)) {
                return r.rows;
            }
        }
        throw new AssertionError("no child rows for " + table + " in " + c);
    }

    @Test
    void childTablesHaveDocumentKeyIndexesAndElementColumns() {
        TableSpec t = REVIEWS.tableFor("reviews");
        assertThat(t.columns)
                .extracting(c -> c.name)
                .containsExactly("_id", "product_title", "_extra");
        assertThat(t.children)
                .extracting(c -> c.name)
                .containsExactly("reviews_comments", "reviews_tags", "reviews_matrix");
        TableSpec comments = t.children.get(0);
        assertThat(comments.columns)
                .extracting(c -> c.name)
                .containsExactly("_id", "_idx", "user", "at", "_extra");
        assertThat(comments.keyColumns).isEqualTo(2);
        TableSpec likes = comments.children.get(0);
        assertThat(likes.name).isEqualTo("reviews_comments_likes");
        assertThat(likes.columns)
                .extracting(c -> c.name)
                .containsExactly("_id", "_idx", "_idx2", "value");
        assertThat(likes.keyColumns).isEqualTo(3);
        TableSpec tags = t.children.get(1);
        assertThat(tags.columns).extracting(c -> c.name).containsExactly("_id", "_idx", "value");
        assertThat(t.children.get(2).children.get(0).name).isEqualTo("reviews_matrix_items");
    }

    @Test
    void arraysBecomeRowsAndEverythingElseStaysInExtra() {
        NormalizeResult r =
                normalize(
                        REVIEWS,
                        MismatchPolicy.NULL_AND_KEEP_IN_EXTRA,
                        "{_id: 'R1', product: {title: 'Kettle', id: 'B1'},"
                                + " comments: [{user: 'u1', at: {$date: '2019-06-01T10:00:00.123Z'},"
                                + " likes: ['a', 'b'], mood: 'ok'}, {user: 'u2'}, 'loose'],"
                                + " tags: [], matrix: [[1, 2], [3], []], headline: null,"
                                + " debug: {x: 1}, internal: {trace: 'z', keep: 1}}");
        assertThat(r.deadLetters).isEmpty();
        assertThat(r.ignoredFields).isEqualTo(2);
        assertThat(r.change.parent)
                .containsExactly(
                        "R1",
                        "Kettle",
                        "{\"product\": {\"id\": \"B1\"}, \"tags\": [], \"headline\": null,"
                                + " \"internal\": {\"keep\": 1}}");
        assertThat(rows(r.change, "reviews_comments"))
                .isDeepEqualTo(
                        new String[][] {
                            new String[] {
                                "R1", "0", "u1", "2019-06-01 10:00:00.123", "{\"mood\": \"ok\"}"
                            },
                            new String[] {"R1", "1", "u2", null, "{}"},
                            new String[] {"R1", "2", null, null, "{\"$\": \"loose\"}"}
                        });
        assertThat(rows(r.change, "reviews_comments_likes"))
                .isDeepEqualTo(
                        new String[][] {
                            new String[] {"R1", "0", "0", "a"}, new String[] {"R1", "0", "1", "b"}
                        });
        assertThat(rows(r.change, "reviews_tags")).isEmpty();
        assertThat(rows(r.change, "reviews_matrix"))
                .isDeepEqualTo(
                        new String[][] {
                            new String[] {"R1", "0", "{}"},
                            new String[] {"R1", "1", "{}"},
                            new String[] {"R1", "2", "{\"$\": []}"}
                        });
        assertThat(rows(r.change, "reviews_matrix_items"))
                .isDeepEqualTo(
                        new String[][] {
                            new String[] {"R1", "0", "0", "1"},
                            new String[] {"R1", "0", "1", "2"},
                            new String[] {"R1", "1", "0", "3"}
                        });
    }

    @Test
    void elementThatDoesNotFitIsDeadLetteredWithItsPathAndKeptOrSkipped() {
        String json = "{_id: 'R2', comments: [{user: 'u1'}, {user: 'much-too-long-name'}]}";
        NormalizeResult kept = normalize(REVIEWS, MismatchPolicy.NULL_AND_KEEP_IN_EXTRA, json);
        assertThat(kept.deadLetters).hasSize(1);
        DeadLetter l = kept.deadLetters.get(0);
        assertThat(l.fieldPath).isEqualTo("comments[1].user");
        assertThat(l.expectedType).isEqualTo("VARCHAR(8)");
        assertThat(l.reason).contains("longer than VARCHAR(8)");
        assertThat(l.action).isEqualTo(DeadLetter.ACTION_KEPT_IN_EXTRA);
        assertThat(rows(kept.change, "reviews_comments")[1])
                .containsExactly("R2", "1", null, null, "{\"user\": \"much-too-long-name\"}");

        NormalizeResult skipped = normalize(REVIEWS, MismatchPolicy.SKIP_DOCUMENT, json);
        assertThat(skipped.change).isNull();
        assertThat(skipped.deadLetters)
                .extracting(d -> d.action)
                .containsExactly(DeadLetter.ACTION_SKIPPED);

        // A scalar child table has no extra column: a document element cannot be kept there.
        NormalizeResult noExtra =
                normalize(
                        REVIEWS,
                        MismatchPolicy.NULL_AND_KEEP_IN_EXTRA,
                        "{_id: 'R3', tags: ['ok', {deep: 1}]}");
        assertThat(noExtra.change).isNull();
        assertThat(noExtra.deadLetters).extracting(d -> d.fieldPath).containsExactly("tags[1]");
    }

    @Test
    void deleteCarriesTheKeyOnlySoTheSinkRemovesEveryChildRow() {
        RowChange d =
                new DocumentNormalizer(REVIEWS, MismatchPolicy.SKIP_DOCUMENT)
                        .normalize(ChangeRecord.delete("reviews", "\"R1\"", 9L), 0)
                        .change;
        assertThat(d.delete).isTrue();
        assertThat(d.parent).containsExactly("R1");
        assertThat(d.children).isEmpty();
    }

    @Test
    void longAndOddNamesAreShortenedDeterministicallyWithoutCollisions() {
        String a = "a_field_name_that_is_much_longer_than_sixty_four_characters_in_total_length_x";
        String b = "a_field_name_that_is_much_longer_than_sixty_four_characters_in_total_length_y";
        Mapping m =
                mapping(
                        "reviews:\n  columns:\n    "
                                + a
                                + ": INT\n    "
                                + b
                                + ": INT\n    '`select` \"x\"': INT\n    'ünï.ça': INT\n");
        TableSpec t = m.tableFor("reviews");
        String na = t.columns.get(1).name;
        String nb = t.columns.get(2).name;
        assertThat(na).hasSize(64).startsWith(a.substring(0, 55)).isNotEqualTo(nb);
        assertThat(nb).hasSize(64);
        assertThat(
                        mapping("reviews:\n  columns:\n    " + a + ": INT\n")
                                .tableFor("reviews")
                                .columns
                                .get(1)
                                .name)
                .isEqualTo(na);
        assertThat(t.columns.get(3).name).isEqualTo("`select` \"x\"");
        assertThat(t.columns.get(4).name).isEqualTo("ünï_ça");
        NormalizeResult r =
                normalize(
                        m,
                        MismatchPolicy.SKIP_DOCUMENT,
                        "{_id: 1, '"
                                + a
                                + "': 1, '"
                                + b
                                + "': 2, '`select` \"x\"': 3, 'ünï': {'ça': 4}}");
        assertThat(r.deadLetters).isEmpty();
        assertThat(Arrays.asList(r.change.parent)).containsExactly("1", "1", "2", "3", "4", "{}");
    }

    @Test
    void badMappingsNameTheSettingAndTheFix() {
        assertThatThrownBy(() -> mapping("c:\n  version: 2\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("collections.c.version")
                .hasMessageContaining("version 1");
        assertThatThrownBy(() -> mapping("c:\n  arrays:\n    tags: {colums: {}}\n"))
                .hasMessageContaining("collections.c.arrays.tags.colums is not a known setting");
        assertThatThrownBy(() -> mapping("c:\n  ignore: debug\n"))
                .hasMessageContaining("collections.c.ignore must be a list");
        assertThatThrownBy(
                        () ->
                                mapping(
                                        "c:\n  columns:\n    a.b: INT\n    a_b: {path: x, type: INT}\n"))
                .hasMessageContaining("column name 'a_b' is used twice");
        assertThatThrownBy(() -> mapping("c:\n  arrays:\n    tags: INT\nc_tags: {}\n"))
                .hasMessageContaining("Table name 'c_tags' is used by collections.c (array tags)")
                .hasMessageContaining("and by collections.c_tags");
        assertThatThrownBy(() -> mapping("c:\n  arrays:\n    tags: NUMBER\n"))
                .hasMessageContaining("collections.c.arrays.tags.columns.value.type")
                .hasMessageContaining("Unknown column type 'NUMBER'");
    }
}
