package io.dbtransfer.reverse;

/**
 * The permanent uid and name of every operator of the reverse job. A uid identifies operator state
 * in checkpoints and savepoints: never change one of these for a job that restores from a
 * savepoint.
 */
public final class ReverseUids {

    private ReverseUids() {}

    public static final String SOURCE = "reverse-mysql-binlog-source";
    public static final String SOURCE_NAME = "MySQL binlog source";

    public static final String REFRESH = "reverse-document-refresh";
    public static final String REFRESH_NAME = "Refresh documents in MongoDB";

    public static final String DISCARD = "reverse-discard";
    public static final String DISCARD_NAME = "End of reverse pipeline";
}
