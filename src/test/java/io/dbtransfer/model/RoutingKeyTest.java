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
}
