package io.dbtransfer.embedded;

/**
 * What a change stream watches: one collection, one database, or the whole deployment.
 *
 * @param database {@code null} for a cluster-wide stream
 * @param collection {@code null} for a database-level or cluster-wide stream
 */
record ChangeStreamScope(String database, String collection) {

    static ChangeStreamScope cluster() {
        return new ChangeStreamScope(null, null);
    }

    static ChangeStreamScope database(String database) {
        return new ChangeStreamScope(database, null);
    }

    static ChangeStreamScope collection(String database, String collection) {
        return new ChangeStreamScope(database, collection);
    }

    boolean matches(OplogEntry entry) {
        if (database == null) {
            return true;
        }
        return database.equals(entry.database())
                && (collection == null || collection.equals(entry.collection()));
    }

    /** The namespace mongod reports for the stream's cursor. */
    String cursorNamespace() {
        if (database == null) {
            return "admin.$cmd.aggregate";
        }
        return collection == null ? database + ".$cmd.aggregate" : database + "." + collection;
    }
}
