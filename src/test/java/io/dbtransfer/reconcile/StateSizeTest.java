package io.dbtransfer.reconcile;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one key costs in the reconcile state, serialized as a RocksDB entry holds it: key-group
 * prefix, the routing key, the namespace byte, and the value. Prints the numbers it measures.
 */
class StateSizeTest {

    @Test
    void perKeyStateIsSmallAndSerializedWithoutKryo() throws Exception {
        ExecutionConfig config = new ExecutionConfig();
        config.disableGenericTypes();
        TypeSerializer<KeyState> serializer =
                TypeInformation.of(KeyState.class).createSerializer(config.getSerializerConfig());
        assertThat(serializer).isInstanceOf(PojoSerializer.class);

        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(new KeyState(-1L, new Hash128(-1L, -1L), KeyState.REPORTED), out);
        int value = out.length();

        out.clear();
        String routingKey = "reviews\u0000\"R2YKDTBWKQ9XWZ\"";
        StringSerializer.INSTANCE.serialize(routingKey, out);
        int key = out.length();
        int keyGroupPrefix = 1; // max parallelism 128
        int namespace = 1; // VoidNamespace
        int total = keyGroupPrefix + key + namespace + value;
        System.out.printf(
                "reconcile state per key: value %d bytes, routing key %d bytes, RocksDB entry %d"
                        + " bytes (before RocksDB's own per-entry overhead)%n",
                value, key, total);
        assertThat(value).isLessThanOrEqualTo(32);
        assertThat(total).isLessThanOrEqualTo(64);
    }
}
