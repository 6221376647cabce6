package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.MessageFlag;
import de.bwaldvogel.mongo.wire.OpCode;
import de.bwaldvogel.mongo.wire.QueryFlag;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.message.ClientRequest;
import de.bwaldvogel.mongo.wire.message.MessageHeader;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import de.bwaldvogel.mongo.wire.message.MongoQuery;
import de.bwaldvogel.mongo.wire.message.MongoReply;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.MessageToByteEncoder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The emulator's wire protocol handlers: mongo-java-server's {@code MongoWireProtocolHandler},
 * {@code MongoWireReplyEncoder} and {@code MongoWireMessageEncoder} (BSD-3-Clause, Benedikt
 * Waldvogel) with {@link FaithfulBsonCodec} in place of the library's codec. The library wires its
 * own into every connection; {@link EmulatorServer} wires these.
 */
final class FaithfulWire {

    private FaithfulWire() {}

    /** Frames and decodes OP_MSG and OP_QUERY requests. */
    static final class RequestDecoder extends LengthFieldBasedFrameDecoder {

        /** The largest message the emulator accepts (mongod's maxMessageSizeBytes). */
        private static final int MAX_MESSAGE_SIZE_BYTES = 48 * 1000 * 1000;

        RequestDecoder() {
            super(Integer.MAX_VALUE, 0, 4, -4, 0);
        }

        @Override
        protected ClientRequest decode(ChannelHandlerContext ctx, ByteBuf buf) throws Exception {
            if (buf.readableBytes() < 4) {
                return null;
            }
            buf.markReaderIndex();
            int totalLength = buf.readIntLE();
            if (totalLength > MAX_MESSAGE_SIZE_BYTES) {
                throw new IOException("message too large: " + totalLength + " bytes");
            }
            if (buf.readableBytes() < totalLength - 4) {
                buf.resetReaderIndex();
                return null;
            }
            ByteBuf in = buf.readSlice(totalLength - 4);
            MessageHeader header = new MessageHeader(totalLength, in.readIntLE(), in.readIntLE());
            int opCodeId = in.readIntLE();
            OpCode opCode = OpCode.getById(opCodeId);
            if (opCode == null) {
                throw new IOException("opCode " + opCodeId + " not supported");
            }
            ClientRequest request;
            switch (opCode) {
                case OP_QUERY:
                    request = query(ctx, header, in);
                    break;
                case OP_MSG:
                    request = message(ctx, header, in);
                    break;
                default:
                    throw new UnsupportedOperationException("unsupported opcode: " + opCode);
            }
            if (in.isReadable()) {
                throw new IOException(in.readableBytes() + " bytes left after the message");
            }
            return request;
        }

        private static ClientRequest query(
                ChannelHandlerContext ctx, MessageHeader header, ByteBuf in) {
            int flags = in.readIntLE();
            String collection = BsonDecoder.decodeCString(in);
            int skip = in.readIntLE();
            int limit = in.readIntLE();
            Document query = FaithfulBsonCodec.decodeDocument(in);
            Document fields = in.isReadable() ? FaithfulBsonCodec.decodeDocument(in) : null;
            for (QueryFlag ignored :
                    new QueryFlag[] {QueryFlag.SLAVE_OK, QueryFlag.NO_CURSOR_TIMEOUT}) {
                if (ignored.isSet(flags)) {
                    flags = ignored.removeFrom(flags);
                }
            }
            if (flags != 0) {
                throw new UnsupportedOperationException("flags=" + flags + " not yet supported");
            }
            return new MongoQuery(ctx.channel(), header, collection, skip, limit, query, fields);
        }

        private static ClientRequest message(
                ChannelHandlerContext ctx, MessageHeader header, ByteBuf in) {
            int flagBits = in.readIntLE();
            boolean checksum = MessageFlag.CHECKSUM_PRESENT.isSet(flagBits);
            if (checksum) {
                flagBits = MessageFlag.CHECKSUM_PRESENT.removeFrom(flagBits);
            }
            if (flagBits != 0) {
                throw new UnsupportedOperationException("flags=" + flagBits + " not yet supported");
            }
            int payloadEnd = header.getTotalLength() - 4 - (checksum ? 4 : 0);
            Document body = null;
            Document sequences = new Document();
            while (in.readerIndex() < payloadEnd) {
                byte kind = in.readByte();
                if (kind == MongoMessage.SECTION_KIND_BODY) {
                    if (body != null) {
                        throw new IllegalArgumentException("two body sections");
                    }
                    body = FaithfulBsonCodec.decodeDocument(in);
                } else if (kind == MongoMessage.SECTION_KIND_DOCUMENT_SEQUENCE) {
                    int start = in.readerIndex();
                    int size = in.readIntLE();
                    String identifier = BsonDecoder.decodeCString(in);
                    List<Document> documents = new ArrayList<>();
                    while (in.readerIndex() - start < size) {
                        documents.add(FaithfulBsonCodec.decodeDocument(in));
                    }
                    if (sequences.put(identifier, documents) != null) {
                        throw new IllegalArgumentException("two sequences " + identifier);
                    }
                } else {
                    throw new IllegalArgumentException("Unexpected section kind: " + kind);
                }
            }
            if (checksum) {
                in.readIntLE();
            }
            if (body == null) {
                throw new IllegalArgumentException("OP_MSG without a body section");
            }
            for (Map.Entry<String, Object> e : sequences.entrySet()) {
                if (body.put(e.getKey(), e.getValue()) != null) {
                    throw new IllegalArgumentException("field " + e.getKey() + " sent twice");
                }
            }
            return new MongoMessage(ctx.channel(), header, body);
        }
    }

    /** Encodes OP_REPLY answers (to OP_QUERY). */
    static final class ReplyEncoder extends MessageToByteEncoder<MongoReply> {
        @Override
        protected void encode(ChannelHandlerContext ctx, MongoReply reply, ByteBuf buf) {
            int start = buf.writerIndex();
            buf.writeIntLE(0);
            buf.writeIntLE(reply.getHeader().getRequestID());
            buf.writeIntLE(reply.getHeader().getResponseTo());
            buf.writeIntLE(OpCode.OP_REPLY.getId());
            buf.writeIntLE(reply.getFlags());
            buf.writeLongLE(reply.getCursorId());
            buf.writeIntLE(reply.getStartingFrom());
            buf.writeIntLE(reply.getDocuments().size());
            for (Document document : reply.getDocuments()) {
                FaithfulBsonCodec.encodeDocument(document, buf);
            }
            buf.setIntLE(start, buf.writerIndex() - start);
        }
    }

    /** Encodes OP_MSG answers. */
    static final class MessageEncoder extends MessageToByteEncoder<MongoMessage> {
        @Override
        protected void encode(ChannelHandlerContext ctx, MongoMessage message, ByteBuf buf) {
            int start = buf.writerIndex();
            buf.writeIntLE(0);
            buf.writeIntLE(message.getHeader().getRequestID());
            buf.writeIntLE(message.getHeader().getResponseTo());
            buf.writeIntLE(OpCode.OP_MSG.getId());
            buf.writeIntLE(message.getFlags());
            buf.writeByte(MongoMessage.SECTION_KIND_BODY);
            FaithfulBsonCodec.encodeDocument(withErrorLabels(message.getDocument()), buf);
            buf.setIntLE(start, buf.writerIndex() - start);
        }
    }

    /**
     * As mongod: an error of the NonResumableChangeStreamError category (280
     * ChangeStreamFatalError, 286 ChangeStreamHistoryLost) carries that error label, which tells a
     * driver not to resume the stream.
     */
    static Document withErrorLabels(Document reply) {
        Object code = reply.get("code");
        if (!(code instanceof Number)
                || reply.containsKey("errorLabels")
                || (((Number) code).intValue() != EmulatedOplog.CHANGE_STREAM_FATAL_ERROR
                        && ((Number) code).intValue()
                                != EmulatedOplog.CHANGE_STREAM_HISTORY_LOST)) {
            return reply;
        }
        Document labelled = reply.clone();
        labelled.put("errorLabels", List.of("NonResumableChangeStreamError"));
        return labelled;
    }
}
