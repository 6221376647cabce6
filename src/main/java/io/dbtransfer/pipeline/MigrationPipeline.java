package io.dbtransfer.pipeline;

import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.normalize.RowChange;
import io.dbtransfer.reconcile.MismatchRecord;
import io.dbtransfer.reconcile.ReconcileOperator;
import io.dbtransfer.reconcile.ReconcileSettings;
import io.dbtransfer.source.ChangeRecord;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Preconditions;

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

    /**
     * Wires the job on real (or test) sources, one per collection (collection → source); their
     * streams are united before the keyBy.
     */
    public static SingleOutputStreamOperator<RowChange> define(
            StreamExecutionEnvironment env,
            Map<String, Source<ChangeRecord, ?, ?>> sourcesByCollection,
            DocumentNormalizer normalizer,
            PipelineSinks sinks) {
        return define(env, sourcesByCollection, normalizer, sinks, Map.of());
    }

    /**
     * Wires the job on real sources, one per collection (collection → source), united before the
     * keyBy; {@code snapshotEstimates} (documents per collection) feed the snapshot-progress
     * metric.
     */
    public static SingleOutputStreamOperator<RowChange> define(
            StreamExecutionEnvironment env,
            Map<String, Source<ChangeRecord, ?, ?>> sourcesByCollection,
            DocumentNormalizer normalizer,
            PipelineSinks sinks,
            Map<String, Long> snapshotEstimates) {
        Preconditions.checkArgument(
                !sourcesByCollection.isEmpty(), "at least one collection source is needed");
        DataStream<ChangeRecord> changes = null;
        for (Map.Entry<String, Source<ChangeRecord, ?, ?>> e : sourcesByCollection.entrySet()) {
            DataStream<ChangeRecord> one =
                    env.fromSource(
                                    e.getValue(),
                                    WatermarkStrategy.noWatermarks(),
                                    OperatorUids.sourceName(e.getKey()),
                                    TypeInformation.of(ChangeRecord.class))
                            .uid(OperatorUids.sourceUid(e.getKey()))
                            .name(OperatorUids.sourceName(e.getKey()));
            changes = changes == null ? one : changes.union(one);
        }
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

    /**
     * Feeds the normalized rows to the reconcile operator, keyed by the same routing key as the
     * sink; returns the stream of mismatches (for the mismatch table, Kafka, …).
     */
    public static SingleOutputStreamOperator<MismatchRecord> reconcile(
            DataStream<RowChange> rows, ReconcileSettings settings) {
        return rows.keyBy(RowChange::routingKey)
                .transform(
                        OperatorUids.RECONCILE_NAME,
                        TypeInformation.of(MismatchRecord.class),
                        new ReconcileOperator(settings))
                .uid(OperatorUids.RECONCILE)
                .name(OperatorUids.RECONCILE_NAME);
    }
}
