package io.dbtransfer.pipeline;

import io.dbtransfer.model.ChangeOp;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.model.SourceVersion;
import io.dbtransfer.normalize.DocumentNormalizer;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.HashMap;
import java.util.Map;

/**
 * Runs the pure {@link DocumentNormalizer}; what cannot be mapped goes to the dead-letter output.
 */
public class NormalizeFunction extends ProcessFunction<ChangeRecord, RowChange> {
    private static final long serialVersionUID = 1L;

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
    private transient Map<String, Counter> snapshotReadByCollection;
    private transient volatile long changeLagMs;

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
        snapshotRecords = group.counter("snapshotRecords");
        changeEvents = group.counter("changeEvents");
        deletes = group.counter("deletes");
        deadLetters = group.counter("deadLetters");
        skippedDocuments = group.counter("skippedDocuments");
        ignoredFields = group.counter("ignoredFields");
        recordsRate = group.meter("recordsPerSecond", new MeterView(60));
        group.meter("changeEventsPerSecond", new MeterView(changeEvents, 60));
        // Source wall time (the change event's cluster time, seconds) to now, of the last change.
        group.gauge("changeLagMs", (Gauge<Long>) () -> changeLagMs);
        this.group = group;
        snapshotReadByCollection = new HashMap<>();
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            snapshotEstimates.forEach(
                    (collection, estimate) ->
                            group.addGroup("collection", collection)
                                    .gauge("snapshotEstimatedTotal", (Gauge<Long>) () -> estimate));
        }
        for (String collection : snapshotEstimates.keySet()) {
            snapshotRead(collection);
        }
    }

    private Counter snapshotRead(String collection) {
        return snapshotReadByCollection.computeIfAbsent(
                collection, c -> group.addGroup("collection", c).counter("snapshotDocumentsRead"));
    }

    @Override
    public void processElement(ChangeRecord record, Context ctx, Collector<RowChange> out) {
        recordsRate.markEvent();
        if (record.snapshot) {
            snapshotRecords.inc();
            snapshotRead(record.collection).inc();
        } else {
            changeEvents.inc();
            changeLagMs =
                    Math.max(
                            0,
                            System.currentTimeMillis()
                                    - SourceVersion.seconds(record.version) * 1000);
        }
        if (record.op == ChangeOp.DELETE) {
            deletes.inc();
        }
        NormalizeResult result = normalizer.normalize(record, System.currentTimeMillis());
        ignoredFields.inc(result.ignoredFields);
        for (DeadLetter letter : result.deadLetters) {
            deadLetters.inc();
            ctx.output(DEAD_LETTERS, letter);
        }
        if (result.change != null) {
            out.collect(result.change);
        } else {
            skippedDocuments.inc();
        }
    }
}
