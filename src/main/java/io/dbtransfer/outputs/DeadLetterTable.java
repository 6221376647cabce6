package io.dbtransfer.outputs;

import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.model.DeadLetter;

import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

/**
 * The MySQL table {@value DeadLetterRows#TABLE} that records every dead letter, written by
 * flink-connector-jdbc's {@link JdbcSink} (one statement per record, at-least-once; a unique key
 * makes replays harmless); its SQL is {@link DeadLetterRows}, which the change sink also uses for
 * key collisions.
 */
public final class DeadLetterTable {

    private DeadLetterTable() {}

    /** A sink that appends dead letters to the table (replays of the same letter are ignored). */
    public static JdbcSink<DeadLetter> sink(
            String jdbcUrl, String username, String password, int batchSize) {
        return JdbcSink.<DeadLetter>builder()
                .withQueryStatement(
                        TargetDialect.forUrl(jdbcUrl).deadLetterInsert(), DeadLetterRows::bind)
                .withExecutionOptions(
                        JdbcExecutionOptions.builder()
                                .withBatchSize(batchSize)
                                .withBatchIntervalMs(1000)
                                .withMaxRetries(3)
                                .build())
                .buildAtLeastOnce(JdbcOutputs.connection(jdbcUrl, username, password));
    }
}
