package io.dbtransfer.embedded;

import io.dbtransfer.embedded.EmulatedBsonValues.CodeWithScope;
import io.dbtransfer.embedded.EmulatedBsonValues.DbPointer;
import io.dbtransfer.embedded.EmulatedBsonValues.SubtypedBinary;
import io.dbtransfer.embedded.EmulatedBsonValues.Symbol;
import io.dbtransfer.embedded.EmulatedBsonValues.Undefined;

import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.LegacyUUID;
import de.bwaldvogel.mongo.bson.ObjectId;
import de.bwaldvogel.mongo.wire.BsonConstants;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;

/**
 * The emulator's BSON codec: mongo-java-server's {@code BsonDecoder} / {@code BsonEncoder} plus
 * every type and binary subtype they refuse or alter. They close the connection on symbol (0x0E),
 * DBPointer (0x0C) and code with scope (0x0F) and on binary subtypes 01, 02, 05–09; they read
 * undefined (0x06) as null and write every other binary (0x80 included) back as subtype 00. This
 * codec keeps each of them byte for byte ({@link EmulatedBsonValues}) and hands every other type to
 * the library's own code, so what it already stored right stays stored the same way.
 */
final class FaithfulBsonCodec {

    private static final byte TYPE_UNDEFINED = 0x06;
    private static final byte TYPE_DB_POINTER = 0x0C;
    private static final byte TYPE_SYMBOL = 0x0E;
    private static final byte TYPE_CODE_WITH_SCOPE = 0x0F;

    private FaithfulBsonCodec() {}

    // ---- decoding ----

    /** One document from {@code buffer} (length prefix first). */
    static Document decodeDocument(ByteBuf buffer) {
        int total = buffer.readIntLE();
        int length = total - 4;
        if (length < 1 || buffer.readableBytes() < length) {
            throw new IllegalArgumentException(
                    "BSON document of " + total + " bytes, " + buffer.readableBytes() + " left");
        }
        if (length > BsonConstants.MAX_BSON_OBJECT_SIZE) {
            throw new IllegalArgumentException("BSON object too large: " + length + " bytes");
        }
        Document document = new Document();
        int start = buffer.readerIndex();
        while (buffer.readerIndex() - start < length) {
            byte type = buffer.readByte();
            if (type == BsonConstants.TERMINATING_BYTE) {
                return document;
            }
            String name = BsonDecoder.decodeCString(buffer);
            Object value = decodeValue(type, buffer);
            if (document.put(name, value) != null) {
                throw new IllegalArgumentException(
                        "Document already contains field '" + name + "'");
            }
        }
        throw new IllegalArgumentException("BSON document without its terminating byte");
    }

    private static Object decodeValue(byte type, ByteBuf buffer) {
        switch (type) {
            case BsonConstants.TYPE_EMBEDDED_DOCUMENT:
                return decodeDocument(buffer);
            case BsonConstants.TYPE_ARRAY:
                {
                    Document array = decodeDocument(buffer);
                    return new ArrayList<>(array.values());
                }
            case BsonConstants.TYPE_DATA:
                return decodeBinary(buffer);
            case TYPE_UNDEFINED:
                return Undefined.VALUE;
            case TYPE_SYMBOL:
                return new Symbol(decodeString(buffer));
            case TYPE_DB_POINTER:
                {
                    String namespace = decodeString(buffer);
                    byte[] id = new byte[BsonConstants.LENGTH_OBJECTID];
                    buffer.readBytes(id);
                    return new DbPointer(namespace, new ObjectId(id));
                }
            case TYPE_CODE_WITH_SCOPE:
                {
                    int start = buffer.readerIndex();
                    int total = buffer.readIntLE();
                    String code = decodeString(buffer);
                    Document scope = decodeDocument(buffer);
                    if (buffer.readerIndex() - start != total) {
                        throw new IllegalArgumentException(
                                "code with scope of " + total + " bytes is not self-consistent");
                    }
                    return new CodeWithScope(code, scope);
                }
            default:
                return BsonDecoder.decodeValue(type, buffer);
        }
    }

    private static Object decodeBinary(ByteBuf buffer) {
        int length = buffer.readIntLE();
        byte subtype = buffer.readByte();
        if (length < 0 || length > buffer.readableBytes()) {
            throw new IllegalArgumentException("binary value of " + length + " bytes");
        }
        if (subtype == BsonConstants.BINARY_SUBTYPE_OLD_UUID && length == 16) {
            return new LegacyUUID(buffer.readLongLE(), buffer.readLongLE());
        }
        if (subtype == BsonConstants.BINARY_SUBTYPE_UUID && length == 16) {
            return new UUID(buffer.readLong(), buffer.readLong());
        }
        byte[] data = new byte[length];
        buffer.readBytes(data);
        return subtype == BsonConstants.BINARY_SUBTYPE_GENERIC
                ? new BinData(data)
                : new SubtypedBinary(subtype, data);
    }

    private static String decodeString(ByteBuf buffer) {
        int length = buffer.readIntLE();
        if (length < 1 || length > buffer.readableBytes()) {
            throw new IllegalArgumentException("string of " + length + " bytes");
        }
        byte[] data = new byte[length - 1];
        buffer.readBytes(data);
        if (buffer.readByte() != 0) {
            throw new IllegalArgumentException("string without its terminating zero");
        }
        return new String(data, StandardCharsets.UTF_8);
    }

    // ---- encoding ----

    /** Writes {@code document} to {@code out}. */
    static void encodeDocument(Map<String, ?> document, ByteBuf out) {
        int start = out.writerIndex();
        out.writeIntLE(0);
        for (Map.Entry<String, ?> e : document.entrySet()) {
            Object value = e.getValue();
            byte type = type(value);
            out.writeByte(type);
            writeCString(e.getKey(), out);
            encodeValue(type, value, out);
        }
        out.writeByte(BsonConstants.TERMINATING_BYTE);
        out.setIntLE(start, out.writerIndex() - start);
    }

    /** The size of {@code document} in BSON bytes. */
    static int size(Map<String, ?> document) {
        ByteBuf buffer = Unpooled.buffer();
        try {
            encodeDocument(document, buffer);
            return buffer.writerIndex();
        } finally {
            buffer.release();
        }
    }

    private static byte type(Object value) {
        if (value instanceof Undefined) {
            return TYPE_UNDEFINED;
        } else if (value instanceof Symbol) {
            return TYPE_SYMBOL;
        } else if (value instanceof DbPointer) {
            return TYPE_DB_POINTER;
        } else if (value instanceof CodeWithScope) {
            return TYPE_CODE_WITH_SCOPE;
        } else if (value instanceof SubtypedBinary) {
            return BsonConstants.TYPE_DATA;
        }
        return BsonEncoder.determineType(value);
    }

    private static void encodeValue(byte type, Object value, ByteBuf out) {
        switch (type) {
            case BsonConstants.TYPE_EMBEDDED_DOCUMENT:
                {
                    @SuppressWarnings("unchecked")
                    Map<String, ?> map = (Map<String, ?>) value;
                    encodeDocument(map, out);
                    return;
                }
            case BsonConstants.TYPE_ARRAY:
                {
                    Document array = new Document();
                    int i = 0;
                    for (Object item : (Collection<?>) value) {
                        array.put(String.valueOf(i++), item);
                    }
                    encodeDocument(array, out);
                    return;
                }
            case TYPE_UNDEFINED:
                return;
            case TYPE_SYMBOL:
                writeString(((Symbol) value).value(), out);
                return;
            case TYPE_DB_POINTER:
                {
                    DbPointer p = (DbPointer) value;
                    writeString(p.namespace(), out);
                    out.writeBytes(p.id().toByteArray());
                    return;
                }
            case TYPE_CODE_WITH_SCOPE:
                {
                    CodeWithScope c = (CodeWithScope) value;
                    int start = out.writerIndex();
                    out.writeIntLE(0);
                    writeString(c.code(), out);
                    encodeDocument(c.scope(), out);
                    out.setIntLE(start, out.writerIndex() - start);
                    return;
                }
            case BsonConstants.TYPE_DATA:
                if (value instanceof SubtypedBinary b) {
                    out.writeIntLE(b.length());
                    out.writeByte(b.subtype);
                    out.writeBytes(b.data());
                    return;
                }
                BsonEncoder.encodeValue(type, value, out);
                return;
            default:
                BsonEncoder.encodeValue(type, value, out);
        }
    }

    private static void writeCString(String s, ByteBuf out) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.writeByte(0);
    }

    private static void writeString(String s, ByteBuf out) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeIntLE(bytes.length + 1);
        out.writeBytes(bytes);
        out.writeByte(0);
    }
}
