package io.dbtransfer.reconcile;

import io.dbtransfer.hashing.Hash128;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one key costs in the reconcile state, serialized as a RocksDB entry holds it: key-group
 * prefix, the routing key, the namespace byte, and the value. Prints the numbers it measures. Also
 * the compact serializer's round trip and its compatibility with state the POJO serializer wrote.
 */
class StateSizeTest {

    static final KeyState SAMPLE = new KeyState(-1L, new Hash128(-1L, 7L), KeyState.REPORTED);

    @SuppressWarnings("unchecked")
    static TypeSerializer<KeyState> pojoSerializer() {
        ExecutionConfig config = new ExecutionConfig();
        config.disableGenericTypes();
        return TypeInformation.of(KeyState.class).createSerializer(config.getSerializerConfig());
    }

    static int length(TypeSerializer<KeyState> serializer) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(SAMPLE, out);
        return out.length();
    }

    @Test
    void perKeyStateIsSmallAndSerializedWithoutKryo() throws Exception {
        assertThat(pojoSerializer()).isInstanceOf(PojoSerializer.class);
        int pojo = length(pojoSerializer());
        int value = length(ReconcileOperator.KEY_STATE.getSerializer());

        DataOutputSerializer out = new DataOutputSerializer(64);
        String routingKey = "reviews\u0000\"R2YKDTBWKQ9XWZ\"";
        StringSerializer.INSTANCE.serialize(routingKey, out);
        int key = out.length();
        int keyGroupPrefix = 1; // max parallelism 128
        int namespace = 1; // VoidNamespace
        int total = keyGroupPrefix + key + namespace + value;
        System.out.printf(
                "reconcile state per key: value %d bytes (POJO serializer: %d), routing key %d"
                        + " bytes, RocksDB entry %d bytes (before RocksDB's own per-entry"
                        + " overhead)%n",
                value, pojo, key, total);
        assertThat(ReconcileOperator.KEY_STATE.getSerializer())
                .isSameAs(KeyStateSerializer.INSTANCE);
        assertThat(value).isEqualTo(KeyStateSerializer.LENGTH).isLessThan(pojo);
        assertThat(total).isLessThanOrEqualTo(52);
    }

    @Test
    void compactSerializerRoundTripsAndMigratesPojoState() throws Exception {
        KeyStateSerializer s = KeyStateSerializer.INSTANCE;
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(SAMPLE, out);
        KeyState back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back).usingRecursiveComparison().isEqualTo(SAMPLE);
        assertThat(s.copy(SAMPLE)).usingRecursiveComparison().isEqualTo(SAMPLE).isNotSameAs(SAMPLE);

        // The snapshot survives being written and read, and is compatible as is with itself.
        DataOutputSerializer snap = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(snap, s.snapshotConfiguration());
        TypeSerializerSnapshot<KeyState> restored =
                TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(snap.getCopyOfBuffer()),
                        getClass().getClassLoader());
        assertThat(
                        s.snapshotConfiguration()
                                .resolveSchemaCompatibility(restored)
                                .isCompatibleAsIs())
                .isTrue();

        // State an earlier version wrote with the POJO serializer: migrated (read with the old
        // serializer, written with the new one).
        TypeSerializer<KeyState> pojo = pojoSerializer();
        TypeSerializerSnapshot<KeyState> old = pojo.snapshotConfiguration();
        TypeSerializerSchemaCompatibility<KeyState> compat =
                s.snapshotConfiguration().resolveSchemaCompatibility(old);
        assertThat(compat.isCompatibleAfterMigration()).isTrue();
        DataOutputSerializer pojoBytes = new DataOutputSerializer(64);
        pojo.serialize(SAMPLE, pojoBytes);
        KeyState migrated =
                old.restoreSerializer()
                        .deserialize(new DataInputDeserializer(pojoBytes.getCopyOfBuffer()));
        DataOutputSerializer rewritten = new DataOutputSerializer(64);
        s.serialize(migrated, rewritten);
        assertThat(s.deserialize(new DataInputDeserializer(rewritten.getCopyOfBuffer())))
                .usingRecursiveComparison()
                .isEqualTo(SAMPLE);
    }
}
