package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.bson.Document;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.time.Instant;

/**
 * One logged change: what a change-stream event is built from when a cursor reads it.
 *
 * @param time cluster time, {@code seconds << 32 | increment}; unique and strictly increasing
 * @param operationType insert, update, replace, delete, drop or rename
 * @param documentId the {@code _id} of the changed document; {@code null} for drop
 * @param fullDocumentBson the inserted or replacing document, encoded ({@link #fullDocument()}
 *     decodes it); {@code null} otherwise
 * @param updateDescription for update: {@code updatedFields}, {@code removedFields}, {@code
 *     truncatedArrays}; {@code null} otherwise
 * @param to for rename: the new namespace {@code {db, coll}}; {@code null} otherwise
 * @param clusterTime the event's cluster time: {@code time}, or the first time of its transaction
 * @param txnNumber the transaction's number; {@code null} outside a transaction
 */
record OplogEntry(
        long time,
        Instant wallTime,
        String operationType,
        String database,
        String collection,
        Object documentId,
        byte[] fullDocumentBson,
        Document updateDescription,
        Document to,
        long clusterTime,
        Long txnNumber) {

    /**
     * The inserted or replacing document, decoded: a private copy on every call; {@code null} for
     * other operations. The oplog keeps it encoded, as mongod does: a million logged inserts held
     * as {@link Document} graphs were about half of the emulator's heap, which G1 marked again and
     * again while a benchmark snapshot read the collection (37 CPU s of a 150 s snapshot).
     */
    Document fullDocument() {
        return fullDocumentBson == null
                ? null
                : FaithfulBsonCodec.decodeDocument(Unpooled.wrappedBuffer(fullDocumentBson));
    }

    /** {@code document} encoded for {@link #fullDocumentBson}; {@code null} stays {@code null}. */
    static byte[] encode(Document document) {
        if (document == null) {
            return null;
        }
        ByteBuf buffer = Unpooled.buffer();
        try {
            FaithfulBsonCodec.encodeDocument(document, buffer);
            return ByteBufUtil.getBytes(buffer);
        } finally {
            buffer.release();
        }
    }
}
