package io.dbtransfer.source;

import io.dbtransfer.model.ChangeOp;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.SourceVersion;

import org.apache.flink.cdc.connectors.mongodb.internal.MongoDBEnvelope;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Schema;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;
import org.apache.flink.util.Collector;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Change records built from the envelope Flink CDC 3.5 emits, in the schema it declares. */
class ChangeRecordDeserializerTest {

    private static final long SNAPSHOT_VERSION = SourceVersion.of(1_700_000_000L, 0);

    private static SourceRecord record(
            String op,
            String documentKey,
            String fullDocument,
            String clusterTime,
            boolean snapshot) {
        Schema schema = MongoDBEnvelope.SOURCE_RECORD_VALUE_SCHEMA;
        Struct value = new Struct(schema);
        value.put("_id", "{}");
        value.put("operationType", op);
        value.put("fullDocument", fullDocument);
        value.put("documentKey", documentKey);
        value.put("clusterTime", clusterTime);
        Struct ns = new Struct(schema.field("ns").schema());
        ns.put("db", "shop");
        ns.put("coll", "reviews");
        value.put("ns", ns);
        Struct source = new Struct(schema.field("source").schema());
        source.put("ts_ms", 0L);
        source.put("snapshot", snapshot ? "true" : "false");
        value.put("source", source);
        return new SourceRecord(Map.of(), Map.of(), "shop.reviews", schema, value);
    }

    private static List<ChangeRecord> run(SourceRecord r) {
        List<ChangeRecord> out = new ArrayList<>();
        new ChangeRecordDeserializer(SNAPSHOT_VERSION)
                .deserialize(
                        r,
                        new Collector<>() {
                            @Override
                            public void collect(ChangeRecord record) {
                                out.add(record);
                            }

                            @Override
                            public void close() {}
                        });
        return out;
    }

    private static final String TS = "{\"$timestamp\": {\"t\": 1700000100, \"i\": 7}}";

    @Test
    void snapshotRecordTakesTheSnapshotVersion() {
        List<ChangeRecord> out =
                run(
                        record(
                                "insert",
                                "{\"_id\": \"R1\"}",
                                "{\"_id\": \"R1\", \"a\": 1}",
                                null,
                                true));
        assertThat(out)
                .containsExactly(
                        new ChangeRecord(
                                "reviews",
                                "\"R1\"",
                                ChangeOp.UPSERT,
                                "{\"_id\": \"R1\", \"a\": 1}",
                                SNAPSHOT_VERSION,
                                true));
    }

    @Test
    void aChangeMergedIntoAChunkByBackfillTakesTheSnapshotVersionNotItsClusterTime() {
        // rewriteOutputBuffer relabels the change 'insert' and keeps its clusterTime; the chunk's
        // output is marked source.snapshot = "true". A re-read of the chunk after a failover
        // carries the snapshot version; the first read must not have a higher one.
        assertThat(
                        run(
                                record(
                                        "insert",
                                        "{\"_id\": \"R1\"}",
                                        "{\"_id\": \"R1\", \"a\": 2}",
                                        TS,
                                        true)))
                .containsExactly(
                        new ChangeRecord(
                                "reviews",
                                "\"R1\"",
                                ChangeOp.UPSERT,
                                "{\"_id\": \"R1\", \"a\": 2}",
                                SNAPSHOT_VERSION,
                                true));
    }

    @Test
    void streamEventsTakeTheirClusterTime() {
        long v = SourceVersion.of(1_700_000_100L, 7);
        assertThat(
                        run(
                                record(
                                        "update",
                                        "{\"_id\": {\"$oid\": \"5f43a1b2c3d4e5f6a7b8c9d0\"}}",
                                        "{\"x\": 1}",
                                        TS,
                                        false)))
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.op).isEqualTo(ChangeOp.UPSERT);
                            assertThat(r.version).isEqualTo(v);
                            assertThat(r.snapshot).isFalse();
                            assertThat(r.key).isEqualTo("{\"$oid\": \"5f43a1b2c3d4e5f6a7b8c9d0\"}");
                        });
        assertThat(run(record("replace", "{\"_id\": 1}", "{\"_id\": 1}", TS, false)).get(0).op)
                .isEqualTo(ChangeOp.UPSERT);
        assertThat(run(record("delete", "{\"_id\": 1}", null, TS, false)))
                .containsExactly(ChangeRecord.delete("reviews", "{\"$numberInt\": \"1\"}", v));
    }

    @Test
    void updateWithoutPostImageIsNotAnEmptyRow() {
        assertThat(run(record("update", "{\"_id\": 1}", null, TS, false))).isEmpty();
    }

    @Test
    void otherOperationsAreIgnored() {
        assertThat(run(record("drop", "{\"_id\": 1}", null, TS, false))).isEmpty();
    }

    @Test
    void versionsOrderByClusterTime() {
        long a =
                ChangeRecordDeserializer.parseClusterTime(
                        "{\"$timestamp\": {\"t\": 10, \"i\": 2}}");
        long b =
                ChangeRecordDeserializer.parseClusterTime(
                        "{\"$timestamp\": {\"t\": 10, \"i\": 3}}");
        long c =
                ChangeRecordDeserializer.parseClusterTime(
                        "{\"$timestamp\": {\"t\": 11, \"i\": 1}}");
        assertThat(SourceVersion.compare(a, b)).isNegative();
        assertThat(SourceVersion.compare(b, c)).isNegative();
        // After 2038 the seconds use the sign bit: still ordered as unsigned.
        long late = SourceVersion.of(3_000_000_000L, 1);
        assertThat(SourceVersion.compare(c, late)).isNegative();
        assertThat(SourceVersion.toUnsignedString(late)).isEqualTo("12884901888000000001");
    }
}
