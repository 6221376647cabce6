package io.dbtransfer.pipeline;

import io.dbtransfer.normalize.DeadLetter;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.normalize.NormalizeResult;
import io.dbtransfer.normalize.RowChange;
import io.dbtransfer.source.ChangeOp;
import io.dbtransfer.source.ChangeRecord;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

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

    private transient Counter snapshotRecords;
    private transient Counter changeEvents;
    private transient Counter deletes;
    private transient Counter deadLetters;
    private transient Counter skippedDocuments;
    private transient Counter ignoredFields;

    public NormalizeFunction(DocumentNormalizer normalizer) {
        this.normalizer = normalizer;
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
    }

    @Override
    public void processElement(ChangeRecord record, Context ctx, Collector<RowChange> out) {
        if (record.snapshot) {
            snapshotRecords.inc();
        } else {
            changeEvents.inc();
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
