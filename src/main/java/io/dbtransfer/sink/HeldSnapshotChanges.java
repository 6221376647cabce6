package io.dbtransfer.sink;

import io.dbtransfer.model.RowChange;

import java.util.List;

/**
 * Snapshot-phase changes the idempotent writer held back at one checkpoint; its committer applies
 * them only once that checkpoint completed (see {@link IdempotentChangeWriter}).
 */
record HeldSnapshotChanges(List<RowChange> changes) {}
