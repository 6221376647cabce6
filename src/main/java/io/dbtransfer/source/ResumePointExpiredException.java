package io.dbtransfer.source;

/**
 * The change stream cannot resume: the checkpointed resume point has left the source's oplog
 * (MongoDB error 286, ChangeStreamHistoryLost). Restarting from the same checkpoint can never
 * succeed, so the job fails for good and says how to recover.
 */
public class ResumePointExpiredException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What a user reads: the cause and the way out. */
    public static final String MESSAGE =
            "The change stream's resume point is no longer in the source's oplog (MongoDB error"
                    + " 286, ChangeStreamHistoryLost): the job was stopped longer than the oplog"
                    + " window, or the oplog is too small. Continuing from this checkpoint would"
                    + " lose changes, so DBtransfer stopped instead of restarting. To recover,"
                    + " re-snapshot: start the job again WITHOUT the savepoint/checkpoint"
                    + " (source.startup-mode: initial); every document is read again and written"
                    + " version-guarded over the existing rows (see README, 'Resume point"
                    + " expired'). If only some collections' streams expired, re-snapshot just"
                    + " those and keep the others streaming: restore the savepoint with"
                    + " --allowNonRestoredState and mongo.resnapshot: COLLECTION:1. To avoid it:"
                    + " a larger oplog (replSetResizeOplog) or shorter stops.";

    public ResumePointExpiredException(Throwable cause) {
        super(MESSAGE, cause);
    }

    /** The resume point of {@code collection}'s stream expired ({@code null}: unknown). */
    public ResumePointExpiredException(String collection, Throwable cause) {
        super(
                collection == null
                        ? MESSAGE
                        : "Collection '"
                                + collection
                                + "': "
                                + MESSAGE.replace("COLLECTION:1", collection + ":1"),
                cause);
    }

    /** True when {@code t} or one of its causes is MongoDB's ChangeStreamHistoryLost (286). */
    public static boolean isHistoryLost(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof com.mongodb.MongoServerException
                    && ((com.mongodb.MongoServerException) c).getCode() == 286) {
                return true;
            }
            String m = c.getMessage();
            if (m != null
                    && (m.contains("ChangeStreamHistoryLost")
                            || m.contains("resume point may no longer be in the oplog"))) {
                return true;
            }
            for (Throwable s : c.getSuppressed()) {
                if (isHistoryLost(s)) {
                    return true;
                }
            }
        }
        return false;
    }
}
