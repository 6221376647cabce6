package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.bson.Document;

import java.time.Instant;

/**
 * One logged change: what a change-stream event is built from when a cursor reads it.
 *
 * @param time cluster time, {@code seconds << 32 | increment}; unique and strictly increasing
 * @param operationType insert, update, replace, delete, drop or rename
 * @param documentId the {@code _id} of the changed document; {@code null} for drop
 * @param fullDocument the inserted or replacing document (a private copy); {@code null} otherwise
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
        Document fullDocument,
        Document updateDescription,
        Document to,
        long clusterTime,
        Long txnNumber) {}
