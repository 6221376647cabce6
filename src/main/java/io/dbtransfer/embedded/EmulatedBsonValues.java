package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;

import java.util.Arrays;
import java.util.Objects;

/**
 * The BSON values mongo-java-server 1.47.0 has no Java type for, as the emulator stores them:
 * deprecated types a ten-year-old database still holds and binary values of every subtype. They are
 * stored, returned and logged in change events byte for byte; the server cannot sort, compare or
 * filter on them (its comparator does not know them), which the job never asks of it.
 */
final class EmulatedBsonValues {

    private EmulatedBsonValues() {}

    /** BSON symbol (0x0E). */
    record Symbol(String value) {}

    /** BSON DBPointer (0x0C): a namespace and an ObjectId. */
    record DbPointer(String namespace, ObjectId id) {}

    /** BSON JavaScript code with scope (0x0F). */
    record CodeWithScope(String code, Document scope) {}

    /** BSON undefined (0x06), distinct from null. */
    enum Undefined {
        VALUE
    }

    /**
     * BSON binary of a subtype mongo-java-server has no type for (everything but generic 0x00 and
     * 16-byte UUIDs 0x03/0x04): the subtype byte and the payload exactly as received.
     */
    static final class SubtypedBinary {
        final byte subtype;
        private final byte[] data;

        SubtypedBinary(byte subtype, byte[] data) {
            this.subtype = subtype;
            this.data = data.clone();
        }

        byte[] data() {
            return data.clone();
        }

        int length() {
            return data.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SubtypedBinary b
                    && b.subtype == subtype
                    && Arrays.equals(b.data, data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(subtype, Arrays.hashCode(data));
        }

        @Override
        public String toString() {
            return "BinData(" + (subtype & 0xFF) + ", " + data.length + " bytes)";
        }
    }
}
