package io.dbtransfer.sink;

import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.RowChange;

import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.IOException;

/**
 * The idempotent sink: {@link IdempotentChangeWriter}, and {@link IdempotentCommitter} for the
 * snapshot-phase changes it holds until their checkpoint completed; no writer state.
 */
final class IdempotentMySqlSink implements Sink<RowChange>, SupportsCommitter<HeldSnapshotChanges> {
    private static final long serialVersionUID = 1L;

    private final SinkOptions options;
    private final Mapping mapping;

    IdempotentMySqlSink(SinkOptions options, Mapping mapping) {
        this.options = options;
        this.mapping = mapping;
    }

    @Override
    public IdempotentChangeWriter createWriter(WriterInitContext context) throws IOException {
        return new IdempotentChangeWriter(options, mapping, context);
    }

    @Override
    @Deprecated
    public SinkWriter<RowChange> createWriter(InitContext context) {
        throw new UnsupportedOperationException("Flink 1.20 calls createWriter(WriterInitContext)");
    }

    @Override
    public Committer<HeldSnapshotChanges> createCommitter(CommitterInitContext context) {
        return new IdempotentCommitter(options, mapping);
    }

    @Override
    public SimpleVersionedSerializer<HeldSnapshotChanges> getCommittableSerializer() {
        return new HeldSnapshotChangesSerializer();
    }
}
