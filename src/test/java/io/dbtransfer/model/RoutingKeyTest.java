package io.dbtransfer.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The routing key's bytes (they key checkpointed state) and its two producers agreeing. */
class RoutingKeyTest {

    @Test
    void theFormatIsCollectionNulKeyJson() {
        // Pinned: reconcile state and savepoints written by earlier versions hold these bytes.
        assertThat(RoutingKey.of("reviews", "\"R2YK\"")).isEqualTo("reviews\u0000\"R2YK\"");
        assertThat(RoutingKey.prefix("reviews")).isEqualTo("reviews\u0000");
    }

    @Test
    void splitsBackIntoItsParts() {
        String key = RoutingKey.of("a.b", "{\"$oid\": \"65f0a1b2c3d4e5f601234567\"}");
        assertThat(RoutingKey.collection(key)).isEqualTo("a.b");
        assertThat(RoutingKey.keyJson(key)).isEqualTo("{\"$oid\": \"65f0a1b2c3d4e5f601234567\"}");
        assertThat(key).startsWith(RoutingKey.prefix("a.b"));
    }

    @Test
    void isOfTellsTheCollectionWithoutCuttingIt() {
        String key = RoutingKey.of("reviews", "\"a\"");
        assertThat(RoutingKey.isOf(key, "reviews")).isTrue();
        assertThat(RoutingKey.isOf(key, "review")).as("a prefix of the name").isFalse();
        assertThat(RoutingKey.isOf(key, "reviews2")).isFalse();
        assertThat(RoutingKey.isOf(RoutingKey.of("reviews2", "\"a\""), "reviews")).isFalse();
        assertThat(RoutingKey.isOf(RoutingKey.of("c", "\"x\u0000y\""), "c")).isTrue();
    }

    @Test
    void aKeyJsonHoldingTheSeparatorStaysWhole() {
        String key = RoutingKey.of("c", "\"x\u0000y\"");
        assertThat(RoutingKey.collection(key)).isEqualTo("c");
        assertThat(RoutingKey.keyJson(key)).isEqualTo("\"x\u0000y\"");
    }

    @Test
    void aChangeAndItsRowShareOneRoutingKey() {
        ChangeRecord record = ChangeRecord.delete("reviews", "{\"$numberInt\": \"5\"}", 7L);
        RowChange row = RowChange.delete("reviews", "reviews", record.key, 7L, new String[] {"5"});
        assertThat(row.routingKey()).isEqualTo(record.routingKey());
    }

    @Test
    void aStringWithoutSeparatorIsRefused() {
        assertThatThrownBy(() -> RoutingKey.keyJson("reviews"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("U+0000");
    }

    @Test
    void aCachedRoutingKeyFollowsReassignedFields() {
        RowChange c = RowChange.delete("a", "t", "\"k1\"", 1L, new String[] {"k1"});
        assertThat(c.routingKey()).isEqualTo("a\u0000\"k1\"");
        assertThat(c.routingKey()).isSameAs(c.routingKey());
        c.key = "\"k2\"";
        assertThat(c.routingKey()).isEqualTo("a\u0000\"k2\"");
        c.collection = "b";
        assertThat(c.routingKey()).isEqualTo("b\u0000\"k2\"");
        ChangeRecord r = ChangeRecord.delete("a", "\"k1\"", 1L);
        assertThat(r.routingKey()).isEqualTo("a\u0000\"k1\"").isSameAs(r.routingKey());
        r.key = "\"k3\"";
        assertThat(r.routingKey()).isEqualTo("a\u0000\"k3\"");
        ChangeRecord empty = new ChangeRecord();
        empty.collection = "c";
        empty.key = "1";
        assertThat(empty.routingKey()).isEqualTo("c\u00001");
    }

    @Test
    void theCacheIsNoPartOfTheFlinkPojoLayout() {
        // Flink's POJO serializer (records between operators, and any state holding them) sees
        // exactly the public fields it saw before the cache was added.
        org.apache.flink.api.common.typeinfo.TypeInformation<RowChange> rows =
                org.apache.flink.api.common.typeinfo.TypeInformation.of(RowChange.class);
        assertThat(rows).isInstanceOf(org.apache.flink.api.java.typeutils.PojoTypeInfo.class);
        assertThat(
                        ((org.apache.flink.api.java.typeutils.PojoTypeInfo<RowChange>) rows)
                                .getFieldNames())
                .containsExactlyInAnyOrder(
                        "collection",
                        "table",
                        "key",
                        "version",
                        "delete",
                        "parent",
                        "children",
                        "repair",
                        "snapshot");
        org.apache.flink.api.common.typeinfo.TypeInformation<ChangeRecord> records =
                org.apache.flink.api.common.typeinfo.TypeInformation.of(ChangeRecord.class);
        assertThat(records).isInstanceOf(org.apache.flink.api.java.typeutils.PojoTypeInfo.class);
        assertThat(
                        ((org.apache.flink.api.java.typeutils.PojoTypeInfo<ChangeRecord>) records)
                                .getFieldNames())
                .containsExactlyInAnyOrder(
                        "collection", "key", "op", "document", "version", "snapshot");
    }
}
