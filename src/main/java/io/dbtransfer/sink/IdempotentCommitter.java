package io.dbtransfer.sink;

import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.mapping.Mapping;

import org.apache.flink.api.connector.sink2.Committer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Collection;

/**
 * Applies the snapshot-phase changes the idempotent writer held back, in one local transaction per
 * batch. Flink calls it only for checkpoints that completed, and again after a restore for those
 * restored from state: a replay meets the version guard and the tombstones, so it is harmless. A
 * batch that fails for good fails the job, which restores and applies it again.
 */
final class IdempotentCommitter implements Committer<HeldSnapshotChanges> {

    private static final Logger LOG = LoggerFactory.getLogger(IdempotentCommitter.class);

    private final LocalTransactionApplier transactions;

    IdempotentCommitter(SinkOptions options, Mapping mapping) {
        TargetDialect dialect = TargetDialect.of(options.targetType());
        this.transactions =
                new LocalTransactionApplier(options, dialect, new ChangeApplier(mapping, dialect));
    }

    @Override
    public void commit(Collection<CommitRequest<HeldSnapshotChanges>> requests)
            throws IOException, InterruptedException {
        for (CommitRequest<HeldSnapshotChanges> request : requests) {
            ChangeApplier.Result r =
                    transactions.apply(request.getCommittable().changes(), () -> {});
            LOG.debug(
                    "Applied {} held snapshot change(s): {} stale",
                    request.getCommittable().changes().size(),
                    r.stale);
        }
    }

    @Override
    public void close() {
        transactions.close();
    }
}
