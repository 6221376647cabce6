package io.dbtransfer.outputs;

import io.dbtransfer.dialect.MismatchRows;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.model.MismatchRecord;

import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

/**
 * Writes reconciliation mismatches to {@link MismatchRows#TABLE} (MySQL or PostgreSQL, in the
 * target's {@link TargetDialect#mismatchInsert}) with flink-connector-jdbc's {@link JdbcSink}
 * (at-least-once; the table's unique key makes replays harmless).
 */
public final class MismatchTable {

    private MismatchTable() {}

    /** A sink that appends mismatch records to the table. */
    public static JdbcSink<MismatchRecord> sink(String jdbcUrl, String username, String password) {
        return JdbcSink.<MismatchRecord>builder()
                .withQueryStatement(
                        TargetDialect.forUrl(jdbcUrl).mismatchInsert(), MismatchRows::bind)
                .withExecutionOptions(
                        JdbcExecutionOptions.builder()
                                .withBatchSize(1)
                                .withBatchIntervalMs(200)
                                .withMaxRetries(3)
                                .build())
                .buildAtLeastOnce(JdbcOutputs.connection(jdbcUrl, username, password));
    }
}
