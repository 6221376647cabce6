package io.dbtransfer.pipeline;

import io.dbtransfer.mapping.KeyIdentity;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.MismatchRecord;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.reconcile.ReconcileOperator;
import io.dbtransfer.reconcile.ReconcileSettings;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Preconditions;

import java.util.Map;

/**
 * The one place where the job is wired: source → keyBy(document) → normalize → [reconcile] → MySQL
 * change sink, dead letters to their own sink.
 *
 * <p>Per-key order: every change of one document is routed by {@link ChangeRecord#routingKey()} to
 * one normalize subtask, which forwards (same parallelism, chained) to the reconcile operator and
 * the sink subtask of that key — one path per key from the source to MySQL. The reconcile operator
 * is keyed by {@link RowChange#routingKey()}, the same string, so normalize's output is
 * reinterpreted as keyed instead of shuffled again. Repairs enter that path in the reconcile
 * operator, which orders them with the key's live changes. The sink's input is keyed by the row's
 * target identity ({@link KeyIdentity#sinkKey}), so that {@code _id}s one MySQL row could hold
 * (e.g. {@code 5} and {@code "5"}) meet on one sink subtask.
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
        return define(env, sourcesByCollection, normalizer, sinks, Map.of(), null);
    }

    /**
     * Wires the job on real sources, one per collection (collection → source), united before the
     * keyBy; {@code snapshotEstimates} (documents per collection) feed the snapshot-progress
     * metric. With {@code reconcile} settings the reconcile operator sits between normalize and the
     * sink (get its mismatches with {@link #mismatches}); {@code null}: no reconciliation.
     *
     * @return the stream the change sink consumes
     */
    public static SingleOutputStreamOperator<RowChange> define(
            StreamExecutionEnvironment env,
            Map<String, Source<ChangeRecord, ?, ?>> sourcesByCollection,
            DocumentNormalizer normalizer,
            PipelineSinks sinks,
            Map<String, Long> snapshotEstimates,
            ReconcileSettings reconcile) {
        return define(
                env,
                sourcesByCollection,
                normalizer,
                sinks,
                snapshotEstimates,
                reconcile,
                Map.of(),
                0);
    }

    /**
     * As above, with the re-snapshot generation of each collection's source ({@code
     * mongo.resnapshot}; absent: 0), which picks its uid ({@link OperatorUids#sourceUid(String,
     * int)}), and the parallelism of each source ({@code source.parallelism}; 0: the
     * environment's). A source may read with more subtasks than the rest of the job: the keyBy
     * after it redistributes, so per-key order is that of one source subtask either way.
     */
    public static SingleOutputStreamOperator<RowChange> define(
            StreamExecutionEnvironment env,
            Map<String, Source<ChangeRecord, ?, ?>> sourcesByCollection,
            DocumentNormalizer normalizer,
            PipelineSinks sinks,
            Map<String, Long> snapshotEstimates,
            ReconcileSettings reconcile,
            Map<String, Integer> sourceGenerations,
            int sourceParallelism) {
        Preconditions.checkArgument(
                !sourcesByCollection.isEmpty(), "at least one collection source is needed");
        DataStream<ChangeRecord> changes = null;
        for (Map.Entry<String, Source<ChangeRecord, ?, ?>> e : sourcesByCollection.entrySet()) {
            SingleOutputStreamOperator<ChangeRecord> one =
                    env.fromSource(
                                    e.getValue(),
                                    WatermarkStrategy.noWatermarks(),
                                    OperatorUids.sourceName(e.getKey()),
                                    TypeInformation.of(ChangeRecord.class))
                            .uid(
                                    OperatorUids.sourceUid(
                                            e.getKey(),
                                            sourceGenerations.getOrDefault(e.getKey(), 0)))
                            .name(OperatorUids.sourceName(e.getKey()));
            if (sourceParallelism > 0) {
                one.setParallelism(sourceParallelism);
            }
            changes = changes == null ? one : changes.union(one);
        }
        return define(
                changes, new NormalizeFunction(normalizer, snapshotEstimates), sinks, reconcile);
    }

    /** Wires the job on an existing stream of changes (tests use bounded streams). */
    public static SingleOutputStreamOperator<RowChange> define(
            DataStream<ChangeRecord> changes, DocumentNormalizer normalizer, PipelineSinks sinks) {
        return define(changes, new NormalizeFunction(normalizer), sinks, null);
    }

    private static SingleOutputStreamOperator<RowChange> define(
            DataStream<ChangeRecord> changes,
            NormalizeFunction normalize,
            PipelineSinks sinks,
            ReconcileSettings reconcile) {
        SingleOutputStreamOperator<RowChange> rows =
                changes.keyBy(ChangeRecord::routingKey)
                        .process(normalize)
                        .uid(OperatorUids.NORMALIZE)
                        .name(OperatorUids.NORMALIZE_NAME);
        DataStream<DeadLetter> deadLetters = rows.getSideOutput(NormalizeFunction.DEAD_LETTERS);
        deadLetters
                .sinkTo(sinks.deadLetters)
                .uid(OperatorUids.DEAD_LETTER_SINK)
                .name(OperatorUids.DEAD_LETTER_SINK_NAME);
        if (sinks.deadLetterTopic != null) {
            deadLetters
                    .sinkTo(sinks.deadLetterTopic)
                    .uid(OperatorUids.KAFKA_DEAD_LETTER_SINK)
                    .name(OperatorUids.KAFKA_DEAD_LETTER_SINK_NAME);
        }
        SingleOutputStreamOperator<RowChange> toSink =
                reconcile == null ? rows : reconcile(rows, reconcile);
        // Partitioned again by the row's target identity, not the document: _ids that MySQL's key
        // could merge must meet on one sink subtask (see KeyIdentity#sinkKey). One document's
        // changes still travel one path (one reconcile subtask → one sink subtask), in order. The
        // sink holds no keyed state, so this changes no savepoint's keyed state.
        toSink.keyBy(KeyIdentity::sinkKey)
                .sinkTo(sinks.changes)
                .uid(OperatorUids.CHANGE_SINK)
                .name(OperatorUids.CHANGE_SINK_NAME);
        if (sinks.changelogTopic != null) {
            toSink.sinkTo(sinks.changelogTopic)
                    .uid(OperatorUids.KAFKA_CHANGELOG_SINK)
                    .name(OperatorUids.KAFKA_CHANGELOG_SINK_NAME);
        }
        if (sinks.mismatches != null || sinks.mismatchTopic != null) {
            if (reconcile == null) {
                throw new IllegalArgumentException(
                        "a mismatch output (table or kafka.mismatch-topic) needs reconciliation"
                                + " (reconcile.enabled: true)");
            }
            DataStream<MismatchRecord> mismatches = mismatches(toSink);
            if (sinks.mismatches != null) {
                mismatches
                        .sinkTo(sinks.mismatches)
                        .uid(OperatorUids.MISMATCH_SINK)
                        .name(OperatorUids.MISMATCH_SINK_NAME);
            }
            if (sinks.mismatchTopic != null) {
                mismatches
                        .sinkTo(sinks.mismatchTopic)
                        .uid(OperatorUids.KAFKA_MISMATCH_SINK)
                        .name(OperatorUids.KAFKA_MISMATCH_SINK_NAME);
            }
        }
        return toSink;
    }

    /**
     * The reconcile operator on the normalized rows: keyed by the routing key normalize was keyed
     * by (no second shuffle); passes every change on and adds repairs.
     */
    private static SingleOutputStreamOperator<RowChange> reconcile(
            DataStream<RowChange> rows, ReconcileSettings settings) {
        KeyedStream<RowChange, String> keyed =
                DataStreamUtils.reinterpretAsKeyedStream(rows, RowChange::routingKey, Types.STRING);
        return keyed.transform(
                        OperatorUids.RECONCILE_NAME,
                        TypeInformation.of(RowChange.class),
                        new ReconcileOperator(settings))
                .uid(OperatorUids.RECONCILE)
                .name(OperatorUids.RECONCILE_NAME);
    }

    /**
     * The mismatches of a pipeline wired with reconciliation (for the mismatch table, Kafka, …):
     * the side output of the stream {@link #define} returned.
     */
    public static DataStream<MismatchRecord> mismatches(
            SingleOutputStreamOperator<RowChange> wired) {
        return wired.getSideOutput(ReconcileOperator.MISMATCHES);
    }
}
