package io.dbtransfer.sink;

import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.RowChange;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.io.IOException;

/** The idempotent sink: {@link IdempotentChangeWriter}, no committer, no state. */
final class IdempotentMySqlSink implements Sink<RowChange> {
    private static final long serialVersionUID = 1L;

    private final SinkOptions options;
    private final Mapping mapping;

    IdempotentMySqlSink(SinkOptions options, Mapping mapping) {
        this.options = options;
        this.mapping = mapping;
    }

    @Override
    public SinkWriter<RowChange> createWriter(WriterInitContext context) throws IOException {
        return new IdempotentChangeWriter(options, mapping, context);
    }

    @Override
    @Deprecated
    public SinkWriter<RowChange> createWriter(InitContext context) {
        throw new UnsupportedOperationException("Flink 1.20 calls createWriter(WriterInitContext)");
    }
}
