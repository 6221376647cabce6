package io.dbtransfer.pipeline;

import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.normalize.RowChange;
import io.dbtransfer.source.ChangeRecord;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.Map;

/**
 * The one place where the job is wired: source → keyBy(document) → normalize → MySQL change sink,
 * dead letters to their own sink.
 *
 * <p>Per-key order: every change of one document is routed by {@link ChangeRecord#routingKey()} to
 * one normalize subtask, which forwards (same parallelism, chained) to the sink subtask of that key
 * — one path per key from the source to MySQL.
 */
public final class MigrationPipeline {

    private MigrationPipeline() {}

    /** Wires the job on a real (or test) source. */
    public static SingleOutputStreamOperator<RowChange> define(
            StreamExecutionEnvironment env,
            Source<ChangeRecord, ?, ?> source,
            DocumentNormalizer normalizer,
            PipelineSinks sinks) {
        return define(env, source, normalizer, sinks, Map.of());
    }

    /**
     * Wires the job on a real source; {@code snapshotEstimates} (documents per collection) feed the
     * snapshot-progress metric.
     */
    public static SingleOutputStreamOperator<RowChange> define(
            StreamExecutionEnvironment env,
            Source<ChangeRecord, ?, ?> source,
            DocumentNormalizer normalizer,
            PipelineSinks sinks,
            Map<String, Long> snapshotEstimates) {
        DataStream<ChangeRecord> changes =
                env.fromSource(
                                source,
                                WatermarkStrategy.noWatermarks(),
                                OperatorUids.SOURCE_NAME,
                                TypeInformation.of(ChangeRecord.class))
                        .uid(OperatorUids.SOURCE)
                        .name(OperatorUids.SOURCE_NAME);
        return define(changes, new NormalizeFunction(normalizer, snapshotEstimates), sinks);
    }

    /** Wires the job on an existing stream of changes (tests use bounded streams). */
    public static SingleOutputStreamOperator<RowChange> define(
            DataStream<ChangeRecord> changes, DocumentNormalizer normalizer, PipelineSinks sinks) {
        return define(changes, new NormalizeFunction(normalizer), sinks);
    }

    private static SingleOutputStreamOperator<RowChange> define(
            DataStream<ChangeRecord> changes, NormalizeFunction normalize, PipelineSinks sinks) {
        SingleOutputStreamOperator<RowChange> rows =
                changes.keyBy(ChangeRecord::routingKey)
                        .process(normalize)
                        .uid(OperatorUids.NORMALIZE)
                        .name(OperatorUids.NORMALIZE_NAME);
        rows.getSideOutput(NormalizeFunction.DEAD_LETTERS)
                .sinkTo(sinks.deadLetters)
                .uid(OperatorUids.DEAD_LETTER_SINK)
                .name(OperatorUids.DEAD_LETTER_SINK_NAME);
        rows.sinkTo(sinks.changes)
                .uid(OperatorUids.CHANGE_SINK)
                .name(OperatorUids.CHANGE_SINK_NAME);
        return rows;
    }
}
