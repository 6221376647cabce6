package io.dbtransfer.sink;

import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.RowChange;

import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.IOException;
import java.util.Collection;
import java.util.Collections;

/** The exactly-once sink: {@link XaChangeWriter} + {@link XaCommitter}. */
final class ExactlyOnceMySqlSink
        implements Sink<RowChange>,
                SupportsCommitter<XaCommittable>,
                SupportsWriterState<RowChange, XaWriterState> {
    private static final long serialVersionUID = 1L;

    private final SinkOptions options;
    private final Mapping mapping;

    ExactlyOnceMySqlSink(SinkOptions options, Mapping mapping) {
        this.options = options;
        this.mapping = mapping;
    }

    @Override
    public SinkWriter<RowChange> createWriter(WriterInitContext context) throws IOException {
        return new XaChangeWriter(options, mapping, context, Collections.emptyList());
    }

    @Override
    @Deprecated
    public SinkWriter<RowChange> createWriter(InitContext context) {
        throw new UnsupportedOperationException("Flink 1.20 calls createWriter(WriterInitContext)");
    }

    @Override
    public StatefulSinkWriter<RowChange, XaWriterState> restoreWriter(
            WriterInitContext context, Collection<XaWriterState> recoveredState)
            throws IOException {
        return new XaChangeWriter(options, mapping, context, recoveredState);
    }

    @Override
    public SimpleVersionedSerializer<XaWriterState> getWriterStateSerializer() {
        return new XaWriterStateSerializer();
    }

    @Override
    public Committer<XaCommittable> createCommitter(CommitterInitContext context) {
        return new XaCommitter(options, context.metricGroup());
    }

    @Override
    public SimpleVersionedSerializer<XaCommittable> getCommittableSerializer() {
        return new XaCommittableSerializer();
    }
}
