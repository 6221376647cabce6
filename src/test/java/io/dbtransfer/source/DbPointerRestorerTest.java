package io.dbtransfer.source;

import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which values of a document Flink CDC's JSON may have turned from DBPointers into documents. */
class DbPointerRestorerTest {

    @Test
    void findsEveryRefShapedValueAtItsPathAndNothingElse() {
        BsonDocument d =
                BsonDocument.parse(
                        "{\"a\": {\"$ref\": \"db.c\", \"$id\": {\"$oid\":"
                                + " \"65a1b2c3d4e5f6a7b8c9aaaa\"}},"
                                + " \"b\": {\"x\": [1, {\"$ref\": \"c\", \"$id\": {\"$oid\":"
                                + " \"65a1b2c3d4e5f6a7b8c9bbbb\"}}]},"
                                + " \"withDb\": {\"$ref\": \"c\", \"$id\": {\"$oid\":"
                                + " \"65a1b2c3d4e5f6a7b8c9cccc\"}, \"$db\": \"db\"},"
                                + " \"notOid\": {\"$ref\": \"c\", \"$id\": 5}}");
        List<List<Object>> paths = new ArrayList<>();
        DbPointerRestorer.findRefShaped(d, new ArrayList<>(), paths);
        assertThat(paths).containsExactly(List.of("a"), List.of("b", "x", 1));
        assertThat(
                        DbPointerRestorer.at(d, List.of("b", "x", 1))
                                .asDocument()
                                .getString("$ref")
                                .getValue())
                .isEqualTo("c");
    }

    @Test
    void aDocumentWithoutRefIsReturnedAsItIsWithoutReadingMongo() {
        String json = "{\"_id\": 1, \"v\": {\"a\": 1}}";
        DbPointerRestorer r = new DbPointerRestorer("mongodb://unreachable.invalid:1", null, "db");
        assertThat(r.restore("c", new org.bson.BsonInt32(1), json)).isSameAs(json);
    }
}
