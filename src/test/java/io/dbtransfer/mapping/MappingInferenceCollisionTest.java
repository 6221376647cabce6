package io.dbtransfer.mapping;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.MismatchPolicy;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.normalize.DocumentNormalizer;

import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inferred mappings are always valid: documents built so that flattened paths ({@code a.b}) meet
 * top-level names ({@code a_b}), names differ only in case ({@code Name}/{@code name}), fields are
 * named like the system columns ({@code _extra}, {@code _idx}) and child tables meet each other.
 * The mapping the inference proposes is accepted by the job's own parser, every field stays mapped,
 * the renames are stated, and the names do not depend on the order of the sample.
 */
class MappingInferenceCollisionTest {

    private static final String COLLECTION = "coll";

    private static Mapping parse(String yaml) {
        return JobConfig.parseMapping(new Yaml().load(yaml));
    }

    @Test
    void flattenedAndCaseOnlyCollisionsAreRenamedAndStated() {
        BsonDocument doc =
                BsonDocument.parse(
                        "{_id: 1, a: {b: 1}, a_b: 'x', Name: 'n', name: 'm', _extra: 5, _ID: 3,"
                                + " _idx: 7, tags: [1, 2], Tags: ['x'], x: {y: [1]}, x_y: [2],"
                                + " items: [{p: {q: 1}, p_q: 2, _idx: 1, _id: 5, _extra: 6}]}");
        MappingInference inference = new MappingInference();
        inference.add(doc);
        String yaml = inference.yaml(COLLECTION);

        Mapping mapping = parse(yaml); // throws on a duplicate name
        TableSpec table = mapping.tableFor(COLLECTION);
        assertUniqueNames(table);
        assertThat(paths(table)).contains("a.b", "a_b", "Name", "name", "_extra", "_ID", "_idx");
        assertThat(TableSpec.descendants(table))
                .extracting(t -> t.arrayPath)
                .contains("tags", "Tags", "x.y", "x_y", "items");
        assertThat(inference.renames())
                .anySatisfy(r -> assertThat(r).contains("a.b").contains("a_b_2"))
                .anySatisfy(r -> assertThat(r).contains("name").contains("name_2"));
        assertThat(yaml).contains("# renamed");
        assertRoundTrip(mapping, table, doc);
    }

    @Test
    void generatedCollidingDocumentsAlwaysGetAValidLosslessMapping() {
        for (long seed = 1; seed <= 200; seed++) {
            Random random = new Random(seed);
            List<BsonDocument> docs = new ArrayList<>();
            int n = 1 + random.nextInt(4);
            for (int i = 0; i < n; i++) {
                BsonDocument d = new BsonDocument("_id", new BsonInt32(i));
                d.putAll(generate(random, 0));
                docs.add(d);
            }
            MappingInference inference = new MappingInference();
            docs.forEach(inference::add);
            String yaml = inference.yaml(COLLECTION);
            Mapping mapping;
            try {
                mapping = parse(yaml);
            } catch (RuntimeException e) {
                throw new AssertionError(
                        "seed " + seed + ": " + e.getMessage() + "\n" + docs + "\n" + yaml, e);
            }
            TableSpec table = mapping.tableFor(COLLECTION);
            assertUniqueNames(table);
            for (BsonDocument d : docs) {
                assertRoundTrip(mapping, table, d);
            }

            // The same names whatever the order of the sample.
            List<BsonDocument> shuffled = new ArrayList<>(docs);
            Collections.shuffle(shuffled, new Random(seed * 31));
            MappingInference again = new MappingInference();
            shuffled.forEach(again::add);
            assertThat(names(parse(again.yaml(COLLECTION)).tableFor(COLLECTION)))
                    .as("seed %d", seed)
                    .isEqualTo(names(table));
        }
    }

    private static final String[] NAMES = {
        "a", "A", "b", "a_b", "A_b", "b_c", "_extra", "_idx", "_ID", "value", "c"
    };

    private static BsonDocument generate(Random random, int depth) {
        BsonDocument d = new BsonDocument();
        int fields = 1 + random.nextInt(5);
        for (int i = 0; i < fields; i++) {
            String name = NAMES[random.nextInt(NAMES.length)];
            d.put(name, value(random, depth));
        }
        return d;
    }

    private static BsonValue value(Random random, int depth) {
        int kind = random.nextInt(depth >= 2 ? 2 : 5);
        switch (kind) {
            case 0:
                return new BsonInt32(random.nextInt(100));
            case 1:
                return new BsonString("s" + random.nextInt(100));
            case 2:
            case 3:
                return generate(random, depth + 1);
            default:
                {
                    BsonArray a = new BsonArray();
                    int items = 1 + random.nextInt(3);
                    boolean documents = random.nextBoolean();
                    for (int i = 0; i < items; i++) {
                        a.add(
                                documents
                                        ? generate(random, depth + 1)
                                        : new BsonInt32(random.nextInt(9)));
                    }
                    return a;
                }
        }
    }

    private static void assertUniqueNames(TableSpec table) {
        List<TableSpec> all = new ArrayList<>();
        all.add(table);
        all.addAll(TableSpec.descendants(table));
        Set<String> tables = new HashSet<>();
        for (TableSpec t : all) {
            assertThat(tables.add(t.name.toLowerCase(Locale.ROOT))).as(t.name).isTrue();
            Set<String> columns = new HashSet<>();
            for (ColumnSpec c : t.columns) {
                assertThat(columns.add(c.name.toLowerCase(Locale.ROOT)))
                        .as(t.name + "." + c.name)
                        .isTrue();
            }
        }
    }

    private static List<String> paths(TableSpec table) {
        List<String> out = new ArrayList<>();
        for (ColumnSpec c : table.columns) {
            out.add(c.sourcePath);
        }
        return out;
    }

    /** Table → (path → column name), over the table and its descendants. */
    private static Map<String, Map<String, String>> names(TableSpec table) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        List<TableSpec> all = new ArrayList<>();
        all.add(table);
        all.addAll(TableSpec.descendants(table));
        for (TableSpec t : all) {
            Map<String, String> cols = new TreeMap<>();
            for (ColumnSpec c : t.columns) {
                cols.put(c.sourcePath + "#" + c.name, c.name);
            }
            out.put(t.name + " <- " + t.arrayPath, cols);
        }
        return out;
    }

    private static void assertRoundTrip(Mapping mapping, TableSpec table, BsonDocument doc) {
        DocumentNormalizer normalizer =
                new DocumentNormalizer(mapping, MismatchPolicy.NULL_AND_KEEP_IN_EXTRA);
        NormalizeResult r =
                normalizer.normalize(
                        ChangeRecord.upsert(
                                COLLECTION,
                                CanonicalValues.canonicalJson(doc.get("_id")),
                                doc.toJson(CanonicalValues.CANONICAL),
                                1L),
                        0L);
        assertThat(r.change).as("%s", r.deadLetters).isNotNull();
        Map<String, String[][]> children = new HashMap<>();
        for (ChildRows c : r.change.children) {
            children.put(c.table, c.rows);
        }
        assertThat(
                        RowsToDocument.canonical(
                                RowsToDocument.rebuild(
                                        table, doc.get("_id"), r.change.parent, children)))
                .isEqualTo(RowsToDocument.canonical(doc));
    }
}
