package io.dbtransfer.mapping;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.MismatchPolicy;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.normalize.DocumentNormalizer;

import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Inference over the awkward corpus: report, conflicts, YAML the job reads, lossless mapping. */
class MappingInferenceTest {

    private static List<BsonDocument> corpus() throws Exception {
        List<BsonDocument> out = new ArrayList<>();
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(
                                MappingInferenceTest.class.getResourceAsStream(
                                        "/awkward/awkward-documents.jsonl"),
                                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    out.add(BsonDocument.parse(line));
                }
            }
        }
        return out;
    }

    @Test
    void proposesTypedColumnsChildTablesAndFlagsConflicts() throws Exception {
        MappingInference inference = new MappingInference();
        List<BsonDocument> docs = corpus();
        docs.forEach(inference::add);
        String yaml = inference.yaml("awkward");
        Mapping mapping = JobConfig.parseMapping(new Yaml().load(yaml)); // the job's own syntax
        TableSpec table = mapping.tableFor("awkward");

        assertThat(inference.report())
                .anySatisfy(l -> assertThat(l).startsWith("stars ").contains("CONFLICT"))
                .anySatisfy(l -> assertThat(l).startsWith("views ").contains("int64 1"))
                .anySatisfy(l -> assertThat(l).startsWith("tags[] ").contains("string"));
        assertThat(table.columns)
                .extracting(c -> c.name + " " + c.type)
                .contains(
                        "_id VARCHAR(255)", // ObjectId, string and Int64 keys
                        "views BIGINT",
                        "delta INT",
                        "born DATETIME(3)",
                        "ref UUID",
                        "ownerId OBJECTID",
                        "product_title VARCHAR(16)",
                        "body TEXT".replace("TEXT", "LONGTEXT"),
                        "_extra JSON")
                .noneMatch(c -> c.startsWith("stars ")) // conflicting: kept in _extra
                .noneMatch(c -> c.startsWith("ts ")) // timestamp: kept in _extra
                .noneMatch(c -> c.startsWith("sym ")) // symbol: kept in _extra
                .noneMatch(c -> c.startsWith("undef ")); // undefined: kept in _extra
        assertThat(TableSpec.descendants(table))
                .extracting(t -> t.name)
                .contains(
                        "awkward_comments",
                        "awkward_comments_likes",
                        "awkward_tags",
                        "awkward_matrix",
                        "awkward_group");

        // Mapped with the inferred mapping, every document survives document → rows → document.
        DocumentNormalizer normalizer =
                new DocumentNormalizer(mapping, MismatchPolicy.NULL_AND_KEEP_IN_EXTRA);
        int skipped = 0;
        for (BsonDocument doc : docs) {
            NormalizeResult r =
                    normalizer.normalize(
                            ChangeRecord.upsert(
                                    "awkward",
                                    CanonicalValues.canonicalJson(doc.get("_id")),
                                    doc.toJson(CanonicalValues.CANONICAL),
                                    1L),
                            0L);
            if (r.change == null) {
                assertThat(r.deadLetters).isNotEmpty();
                skipped++;
                continue;
            }
            Map<String, String[][]> children = new HashMap<>();
            for (ChildRows c : r.change.children) {
                children.put(c.table, c.rows);
            }
            assertThat(
                            RowsToDocument.canonical(
                                    RowsToDocument.rebuild(
                                            table, doc.get("_id"), r.change.parent, children)))
                    .as(doc.getString("kind").getValue())
                    .isEqualTo(RowsToDocument.canonical(doc));
        }
        assertThat(skipped).isLessThanOrEqualTo(2);
    }
}
