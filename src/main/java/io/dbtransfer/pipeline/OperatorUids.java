package io.dbtransfer.pipeline;

/**
 * The permanent uid and name of every operator. A uid identifies operator state in checkpoints and
 * savepoints: never change one of these for a job that restores from a savepoint.
 */
public final class OperatorUids {

    private OperatorUids() {}

    /** The uid of the CDC source of one collection (one source per collection). */
    public static String sourceUid(String collection) {
        return "dbtransfer-mongo-cdc-source:" + collection;
    }

    /**
     * The uid of a collection's source in re-snapshot generation {@code generation} ({@code
     * mongo.resnapshot}); generation 0 is the original {@link #sourceUid(String)}. A new generation
     * has no state in the savepoint, so its source snapshots the collection again.
     */
    public static String sourceUid(String collection, int generation) {
        return generation == 0
                ? sourceUid(collection)
                : sourceUid(collection) + "#resnapshot-" + generation;
    }

    public static String sourceName(String collection) {
        return "MongoDB CDC source " + collection;
    }

    public static final String NORMALIZE = "dbtransfer-normalize";
    public static final String NORMALIZE_NAME = "Normalize documents to rows";

    public static final String CHANGE_SINK = "dbtransfer-mysql-change-sink";
    public static final String CHANGE_SINK_NAME = "MySQL change sink";

    public static final String DEAD_LETTER_SINK = "dbtransfer-dead-letter-sink";
    public static final String DEAD_LETTER_SINK_NAME = "Dead-letter sink";

    public static final String RECONCILE = "dbtransfer-reconcile";
    public static final String RECONCILE_NAME = "Reconcile with MySQL";

    public static final String MISMATCH_SINK = "dbtransfer-mismatch-sink";
    public static final String MISMATCH_SINK_NAME = "Mismatch table sink";

    public static final String KAFKA_CHANGELOG_SINK = "dbtransfer-kafka-changelog-sink";
    public static final String KAFKA_CHANGELOG_SINK_NAME = "Kafka changelog sink";

    public static final String KAFKA_DEAD_LETTER_SINK = "dbtransfer-kafka-dead-letter-sink";
    public static final String KAFKA_DEAD_LETTER_SINK_NAME = "Kafka dead-letter sink";

    public static final String KAFKA_MISMATCH_SINK = "dbtransfer-kafka-mismatch-sink";
    public static final String KAFKA_MISMATCH_SINK_NAME = "Kafka mismatch sink";
}
