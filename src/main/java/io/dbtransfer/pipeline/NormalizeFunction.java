package io.dbtransfer.pipeline;

import io.dbtransfer.metrics.AliasCounter;
import io.dbtransfer.model.ChangeOp;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.model.SourceVersion;
import io.dbtransfer.normalize.DocumentNormalizer;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the pure {@link DocumentNormalizer}; what cannot be mapped goes to the dead-letter output.
 * The snapshot documents read per collection are kept in operator state, so the snapshot progress
 * of a job restored from a checkpoint or savepoint counts what was read before.
 */
public class NormalizeFunction extends ProcessFunction<ChangeRecord, RowChange>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    /** Snapshot documents read per collection, {@code collection \t count}, per subtask. */
    private static final ListStateDescriptor<String> SNAPSHOT_READ =
            new ListStateDescriptor<>("snapshot-documents-read", Types.STRING);

    /** Side output of dead letters. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>(
                    "dead-letters",
                    org.apache.flink.api.common.typeinfo.TypeInformation.of(DeadLetter.class));

    private final DocumentNormalizer normalizer;
    private final Map<String, Long> snapshotEstimates;

    private transient Counter snapshotRecords;
    private transient Counter changeEvents;
    private transient Counter deletes;
    private transient Counter deadLetters;
    private transient Counter skippedDocuments;
    private transient Counter ignoredFields;
    private transient Meter recordsRate;
    private transient MetricGroup group;
    private transient Map<String, CollectionMetrics> byCollection;
    private transient volatile long changeLagMs;
    private transient ListState<String> snapshotReadState;

    /** Snapshot documents read per collection before the restore (summed over the entries). */
    private transient Map<String, Long> restoredReads;

    /**
     * The per-collection metrics ({@code collection=<name>}) of one subtask. Prometheus-style
     * names; {@code snapshotDocumentsRead} and {@code snapshotEstimatedTotal} are the names of the
     * previous release, kept for one more.
     */
    private static final class CollectionMetrics {
        final Counter snapshotRead;
        final Counter deadLetters;
        volatile double changeLagSeconds = Double.NaN;

        CollectionMetrics(
                MetricGroup group, Long estimate, boolean reportsEstimate, long restoredRead) {
            snapshotRead = group.counter("snapshotDocumentsRead");
            snapshotRead.inc(restoredRead);
            group.counter("snapshot_documents_read_total", new AliasCounter(snapshotRead));
            deadLetters = group.counter("dead_letters_total");
            group.gauge("change_lag_seconds", (Gauge<Double>) () -> changeLagSeconds);
            if (estimate != null) {
                // This subtask's share: the shares of all subtasks sum to the collection's ratio.
                group.gauge(
                        "snapshot_progress_ratio",
                        (Gauge<Double>)
                                () ->
                                        estimate <= 0
                                                ? Double.NaN
                                                : (double) snapshotRead.getCount() / estimate);
                if (reportsEstimate) {
                    group.gauge("snapshotEstimatedTotal", (Gauge<Long>) () -> estimate);
                    group.gauge("snapshot_documents_estimated", (Gauge<Long>) () -> estimate);
                }
            }
        }
    }

    public NormalizeFunction(DocumentNormalizer normalizer) {
        this(normalizer, Map.of());
    }

    /**
     * @param snapshotEstimates estimated documents per collection (see {@code SnapshotEstimates});
     *     reported by subtask 0 only, so that summing over subtasks gives the total
     */
    public NormalizeFunction(DocumentNormalizer normalizer, Map<String, Long> snapshotEstimates) {
        this.normalizer = normalizer;
        this.snapshotEstimates = new HashMap<>(snapshotEstimates);
    }

    @Override
    public void open(OpenContext openContext) {
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup("dbtransfer");
        // Each counter under its Prometheus-style name (snake_case, _total) and, for one more
        // release, under its previous camelCase name.
        snapshotRecords = both(group, "snapshotRecords", "snapshot_records_total");
        changeEvents = both(group, "changeEvents", "change_events_total");
        deletes = both(group, "deletes", "deletes_total");
        deadLetters = both(group, "deadLetters", "dead_letters_total");
        skippedDocuments = both(group, "skippedDocuments", "skipped_documents_total");
        ignoredFields = both(group, "ignoredFields", "ignored_fields_total");
        recordsRate = group.meter("recordsPerSecond", new MeterView(60));
        group.meter("changeEventsPerSecond", new MeterView(changeEvents, 60));
        // Source wall time (the change event's cluster time, seconds) to now, of the last change.
        group.gauge("changeLagMs", (Gauge<Long>) () -> changeLagMs);
        group.gauge("change_lag_seconds", (Gauge<Double>) () -> changeLagMs / 1000.0);
        this.group = group;
        byCollection = new HashMap<>();
        for (String collection : snapshotEstimates.keySet()) {
            collection(collection);
        }
        if (restoredReads != null) {
            for (String collection : restoredReads.keySet()) {
                collection(collection);
            }
        }
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        snapshotReadState = context.getOperatorStateStore().getListState(SNAPSHOT_READ);
        restoredReads = new HashMap<>();
        if (context.isRestored()) {
            // After a rescale a subtask may get several entries of a collection, or none: the
            // sum over the subtasks stays the documents read.
            for (String entry : snapshotReadState.get()) {
                int tab = entry.lastIndexOf('\t');
                restoredReads.merge(
                        entry.substring(0, tab),
                        Long.parseLong(entry.substring(tab + 1)),
                        Long::sum);
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        List<String> entries = new ArrayList<>();
        for (Map.Entry<String, CollectionMetrics> e : byCollection.entrySet()) {
            long read = e.getValue().snapshotRead.getCount();
            if (read > 0) {
                entries.add(e.getKey() + "\t" + read);
            }
        }
        snapshotReadState.update(entries);
    }

    private static Counter both(MetricGroup group, String old, String name) {
        Counter c = group.counter(old);
        group.counter(name, new AliasCounter(c));
        return c;
    }

    private CollectionMetrics collection(String collection) {
        return byCollection.computeIfAbsent(
                collection,
                c ->
                        new CollectionMetrics(
                                group.addGroup("collection", c),
                                snapshotEstimates.get(c),
                                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0,
                                restoredReads == null ? 0 : restoredReads.getOrDefault(c, 0L)));
    }

    @Override
    public void processElement(ChangeRecord record, Context ctx, Collector<RowChange> out) {
        recordsRate.markEvent();
        CollectionMetrics metrics = collection(record.collection);
        if (record.snapshot) {
            snapshotRecords.inc();
            metrics.snapshotRead.inc();
        } else {
            changeEvents.inc();
            changeLagMs =
                    Math.max(
                            0,
                            System.currentTimeMillis()
                                    - SourceVersion.seconds(record.version) * 1000);
            metrics.changeLagSeconds = changeLagMs / 1000.0;
        }
        if (record.op == ChangeOp.DELETE) {
            deletes.inc();
        }
        NormalizeResult result = normalizer.normalize(record, System.currentTimeMillis());
        ignoredFields.inc(result.ignoredFields);
        for (DeadLetter letter : result.deadLetters) {
            deadLetters.inc();
            metrics.deadLetters.inc();
            ctx.output(DEAD_LETTERS, letter);
        }
        if (result.change != null) {
            result.change.snapshot = record.snapshot;
            out.collect(result.change);
        } else {
            skippedDocuments.inc();
        }
    }
}
