package io.dbtransfer.reconcile;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * The compact serializer of {@link KeyState}: version (8 bytes), hash (16) and flags (1) — 25
 * bytes, no null marker or field bookkeeping. State written by the earlier POJO serializer is
 * migrated on restore (see {@link Snapshot#resolveSchemaCompatibility}).
 */
public final class KeyStateSerializer extends TypeSerializerSingleton<KeyState> {
    private static final long serialVersionUID = 1L;

    public static final KeyStateSerializer INSTANCE = new KeyStateSerializer();

    /** Serialized length in bytes. */
    public static final int LENGTH = 25;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public KeyState createInstance() {
        return new KeyState();
    }

    @Override
    public KeyState copy(KeyState from) {
        KeyState c = new KeyState();
        c.version = from.version;
        c.hashHi = from.hashHi;
        c.hashLo = from.hashLo;
        c.flags = from.flags;
        return c;
    }

    @Override
    public KeyState copy(KeyState from, KeyState reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return LENGTH;
    }

    @Override
    public void serialize(KeyState record, DataOutputView target) throws IOException {
        target.writeLong(record.version);
        target.writeLong(record.hashHi);
        target.writeLong(record.hashLo);
        target.writeByte(record.flags);
    }

    @Override
    public KeyState deserialize(DataInputView source) throws IOException {
        KeyState s = new KeyState();
        s.version = source.readLong();
        s.hashHi = source.readLong();
        s.hashLo = source.readLong();
        s.flags = source.readByte();
        return s;
    }

    @Override
    public KeyState deserialize(KeyState reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        target.write(source, LENGTH);
    }

    @Override
    public TypeSerializerSnapshot<KeyState> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * Snapshot of the serializer (format version 1, nothing to configure). Compatible as is with
     * itself; with state written by the POJO serializer of {@link KeyState} (before this one
     * existed) compatible after migration: Flink reads that state with the POJO serializer and
     * writes it with this one.
     */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<KeyState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }

        @Override
        public TypeSerializerSchemaCompatibility<KeyState> resolveSchemaCompatibility(
                TypeSerializerSnapshot<KeyState> oldSerializerSnapshot) {
            if (oldSerializerSnapshot instanceof PojoSerializerSnapshot) {
                return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            }
            return super.resolveSchemaCompatibility(oldSerializerSnapshot);
        }
    }
}
