package io.dbtransfer.source;

import io.dbtransfer.model.SourceVersion;

import java.time.Instant;

/**
 * A watched collection was dropped or renamed (or its database dropped) while the job ran: Flink
 * CDC 3.5 ignores such events, so DBtransfer stops instead of continuing silently.
 */
public class CollectionGoneException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The README section that describes this stop. */
    public static final String README_SECTION = "Collection dropped or renamed";

    /**
     * @param operation the change-stream operationType: drop, rename or dropDatabase
     * @param renamedTo the new {@code db.coll} of a rename, else null
     * @param clusterTime the event's cluster time, packed as {@code seconds << 32 | increment}
     */
    public CollectionGoneException(
            String database,
            String collection,
            String operation,
            String renamedTo,
            long clusterTime) {
        super(message(database, collection, operation, renamedTo, clusterTime));
    }

    static String message(
            String database,
            String collection,
            String operation,
            String renamedTo,
            long clusterTime) {
        String what;
        switch (operation) {
            case "rename":
                what = "was renamed to " + renamedTo;
                break;
            case "dropDatabase":
                what = "was dropped with its database";
                break;
            default:
                what = "was dropped";
                break;
        }
        String ns = database + "." + collection;
        return "MongoDB collection "
                + ns
                + " "
                + what
                + " at "
                + Instant.ofEpochSecond(clusterTime >>> 32)
                + " (change stream '"
                + operation
                + "' event, cluster time "
                + SourceVersion.format(clusterTime)
                + "). DBtransfer stopped instead of continuing: MySQL keeps the rows as of that"
                + " point (every change before it that a completed checkpoint covers), nothing"
                + " is deleted. To continue: if the collection is retired, remove it from"
                + " mongo.collections and the mapping and start the job WITHOUT the"
                + " savepoint/checkpoint; if it was recreated or reloaded"
                + ("rename".equals(operation) ? " (or you want to follow the new name)" : "")
                + ", point the configuration at the collection that holds the data and start"
                + " again WITHOUT the savepoint/checkpoint with sink.on-fresh-start: truncate, so"
                + " that every document is snapshotted again (see README, '"
                + README_SECTION
                + "'). Restarting from a checkpoint taken before the event stops here again.";
    }
}
