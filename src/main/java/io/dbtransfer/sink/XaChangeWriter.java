package io.dbtransfer.sink;

import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.RowChange;

import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Exactly-once writer: one XA branch per subtask and checkpoint, prepared in {@link
 * #prepareCommit()} and committed by {@link XaCommitter} after the checkpoint completes.
 *
 * <p>Branch names: {@code <prefix>:<subtask>:<n>} where n is one more than the last checkpoint this
 * writer snapshotted (or restored from), so n never exceeds the id of the checkpoint that carries
 * the branch's committable. Each non-empty branch also writes its commit marker ({@link
 * XaCommitMarkers}) before it is prepared, so that a branch gone from {@code XA RECOVER} can be
 * told committed from rolled back.
 *
 * <p>At start, the prepared branches of this migration's prefixes (the configured one and those
 * recorded in the restored state) are resolved, whichever subtask prepared them: those of a
 * checkpoint newer than the restored one (all of them on a fresh start) are rolled back, because
 * their checkpoint never completed and the source replays their changes; those of completed
 * checkpoints are committed.
 *
 * <p>A prepared branch keeps its row locks until the committer commits it, which happens on the
 * task thread after the checkpoint completes. Writing a key of a still-prepared branch would wait
 * for that lock on the same thread, so such changes stay in the buffer (and in the writer state at
 * a checkpoint) until {@code XA RECOVER} no longer lists the branch. Changes restored from the
 * writer state are written at restore, in a local transaction, after the prepared branches have
 * been resolved: Flink hands writer state to subtasks round-robin, so after a rescale they may
 * belong to keys another subtask now writes, and holding them in a branch of this subtask would
 * block that subtask's writes of those keys until a checkpoint that cannot complete without it.
 */
final class XaChangeWriter extends AbstractChangeWriter
        implements CommittingSinkWriter<RowChange, XaCommittable>,
                StatefulSinkWriter<RowChange, XaWriterState> {

    private static final Logger LOG = LoggerFactory.getLogger(XaChangeWriter.class);

    /** How long the final flush waits for earlier branches to be committed before failing. */
    static final long END_OF_INPUT_WAIT_MS = 5 * 60 * 1000;

    /** Lock wait of the restore-time write of held changes (seconds). */
    static final int RESTORE_LOCK_WAIT_S = 20;

    private static final int MARKER_PURGE_CHUNK = 10_000;

    private final MailboxExecutor mailbox;

    /** Prefix of the branches this writer names. */
    private final String prefix;

    /** Prefixes whose branches belong to this migration: {@link #prefix} and restored ones. */
    private final Set<String> prefixes = new LinkedHashSet<>();

    private final SecureRandom tokens = new SecureRandom();

    /** The target's two-phase commit (MySQL XA or PostgreSQL prepared transactions). */
    private final TwoPhaseCommit twoPhase;

    /** Autocommit session for XA RECOVER / rollbacks; never holds an XA branch. */
    private Connection control;

    /** The open branch of the next checkpoint, or null. */
    private Connection txConnection;

    private XaTransactionId txId;
    private final Set<String> txKeys = new HashSet<>();
    private int txApplied;

    /** Name of the next branch: last snapshotted (or restored) checkpoint id + 1. */
    private long nextCheckpointId;

    private long lastPreparedCheckpointId = -1;

    private long lastMarkerPurge;

    /** Prepared branches of this writer not yet seen committed, oldest first. */
    private final List<InFlight> inFlight = new ArrayList<>();

    XaChangeWriter(
            SinkOptions options,
            Mapping mapping,
            WriterInitContext context,
            Collection<XaWriterState> restored)
            throws IOException {
        super(options, mapping, context);
        this.mailbox = context.getMailboxExecutor();
        this.prefix = options.transactionalIdPrefix();
        this.twoPhase = TwoPhaseCommit.of(dialect.type());
        prefixes.add(prefix);
        ChangeBuffer held = new ChangeBuffer();
        for (XaWriterState state : restored) {
            if (state.prefix() != null) {
                prefixes.add(state.prefix());
            }
            for (RowChange c : state.pending()) {
                held.add(c);
            }
        }
        OptionalLong restoredCheckpoint = context.getRestoredCheckpointId();
        this.nextCheckpointId = restoredCheckpoint.orElse(0) + 1;
        try {
            control = open(true);
            XaCommitMarkers.createTable(control, dialect);
            resolvePreparedBranches(restoredCheckpoint);
        } catch (SQLException e) {
            MySqlConnections.closeQuietly(control);
            throw new IOException(
                    dialect.productName()
                            + " sink could not recover its prepared transactions: "
                            + e.getMessage(),
                    e);
        }
        createTables();
        writeRestoredChanges(held.drain(k -> false));
        maybePurgeTombstones();
        maybePurgeMarkers();
    }

    /**
     * Rolls back the prepared branches of this migration whose checkpoint is newer than the
     * restored one (all of them on a fresh start) and commits those of completed checkpoints,
     * whichever subtask prepared them; branches of other prefixes are left alone. Several subtasks
     * may race for one branch: "unknown XID" means another one got there first.
     */
    private void resolvePreparedBranches(OptionalLong restoredCheckpoint) throws SQLException {
        for (XaTransactionId xid : twoPhase.recover(control)) {
            String owner = null;
            for (String p : prefixes) {
                if (xid.subtaskIndex(p) >= 0) {
                    owner = p;
                }
            }
            if (owner == null) {
                continue;
            }
            long checkpoint = xid.checkpointId(owner);
            boolean completed =
                    restoredCheckpoint.isPresent() && checkpoint <= restoredCheckpoint.getAsLong();
            try {
                if (completed) {
                    twoPhase.commit(control, xid);
                    LOG.info(
                            "Committed prepared XA branch {} of completed checkpoint {}",
                            xid,
                            restoredCheckpoint.getAsLong());
                } else {
                    twoPhase.rollback(control, xid);
                    metrics.orphansRolledBack.inc();
                    LOG.info(
                            "Rolled back prepared XA branch {} of an incomplete checkpoint"
                                    + " (restored checkpoint: {})",
                            xid,
                            restoredCheckpoint.isPresent()
                                    ? restoredCheckpoint.getAsLong()
                                    : "none");
                }
            } catch (SQLException e) {
                if (!twoPhase.isUnknown(e)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Writes the changes restored from the writer state in one local transaction. They were
     * accepted before the restored checkpoint completed, so committing them now is what their
     * branch would have done; a second restore from the same checkpoint writes them again, which
     * the version guard makes harmless. A lock wait here means another subtask already writes one
     * of these keys; the error restarts the job instead of stalling it.
     */
    private void writeRestoredChanges(List<RowChange> changes) throws IOException {
        if (changes.isEmpty()) {
            return;
        }
        try (Connection conn = open(false)) {
            try (Statement s = conn.createStatement()) {
                s.execute(dialect.lockTimeout(RESTORE_LOCK_WAIT_S));
            }
            try {
                ChangeApplier.Result r = applier.apply(conn, changes);
                conn.commit();
                LOG.info(
                        "Subtask {} wrote {} change(s) restored from its state ({} applied)",
                        subtask,
                        changes.size(),
                        r.applied);
            } catch (SQLException e) {
                conn.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IOException(
                    dialect.productName()
                            + " sink could not write the "
                            + changes.size()
                            + " change(s) restored from its state: "
                            + e.getMessage()
                            + "; the job restarts and tries again",
                    e);
        }
    }

    /**
     * Subtask 0 deletes commit markers older than the tombstone retention (seven days when
     * tombstones are kept forever), in chunks, as often as tombstones are purged.
     */
    private void maybePurgeMarkers() {
        long now = System.currentTimeMillis();
        long retention =
                options.tombstoneRetentionMs() > 0
                        ? options.tombstoneRetentionMs()
                        : SinkOptions.DEFAULT_TOMBSTONE_RETENTION_MS;
        if (subtask != 0 || now - lastMarkerPurge < Math.min(PURGE_INTERVAL_MS, retention)) {
            return;
        }
        lastMarkerPurge = now;
        long purged = 0;
        try (Connection conn = open(true)) {
            try (Statement s = conn.createStatement()) {
                s.execute(dialect.lockTimeout(1));
            }
            int n;
            do {
                n = XaCommitMarkers.purge(conn, dialect, retention / 1000, MARKER_PURGE_CHUNK);
                purged += n;
            } while (n == MARKER_PURGE_CHUNK);
        } catch (SQLException e) {
            LOG.warn("Purging XA commit markers failed; will try again later: {}", e.getMessage());
        }
        if (purged > 0) {
            LOG.info("Purged {} XA commit markers older than {} ms", purged, retention);
        }
    }

    @Override
    void flushBuffer() throws IOException {
        if (buffer.isEmpty()) {
            return;
        }
        List<RowChange> batch = buffer.drain(heldKeys()::contains);
        if (!buffer.isEmpty()) {
            refreshInFlight();
            batch.addAll(buffer.drain(heldKeys()::contains));
        }
        metrics.deferred = buffer.size();
        if (batch.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            if (txConnection == null) {
                beginTransaction();
            }
            ChangeApplier.Result r = applier.apply(txConnection, batch);
            // collisions and unstorable changes write dead letters
            txApplied += r.applied + r.collisions.size() + r.unstorableChanges;
            for (RowChange c : batch) {
                txKeys.add(ChangeBuffer.lockKey(c));
            }
            metrics.flushed(r, (System.nanoTime() - t0) / 1_000_000);
        } catch (SQLException e) {
            // The branch may be rollback-only now; the job restarts from the last checkpoint.
            throw new IOException(
                    dialect.productName()
                            + " sink failed to write transaction branch "
                            + txId
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    private void beginTransaction() throws SQLException {
        if (nextCheckpointId <= lastPreparedCheckpointId) {
            // Two branches of one checkpoint would share a name; Flink never asks for that.
            throw new IllegalStateException(
                    "XA branch for checkpoint "
                            + nextCheckpointId
                            + " was already prepared by subtask "
                            + subtask);
        }
        txId = XaTransactionId.of(prefix, subtask, nextCheckpointId);
        txConnection = open(twoPhase.branchAutoCommit());
        try {
            twoPhase.start(txConnection, txId);
        } catch (SQLException e) {
            MySqlConnections.closeQuietly(txConnection);
            txConnection = null;
            throw e;
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        flushBuffer();
        if (endOfInput) {
            awaitAllWritten();
        }
    }

    /**
     * The last flush must write every change, also those held by a prepared branch: lets the
     * mailbox run (the committer commits on checkpoint completion) until they can be written.
     */
    private void awaitAllWritten() throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + END_OF_INPUT_WAIT_MS;
        if (!buffer.isEmpty()) {
            LOG.info(
                    "Subtask {}: end of input, {} change(s) wait for the commit of {}",
                    subtask,
                    buffer.size(),
                    inFlight);
        }
        while (!buffer.isEmpty()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IOException(
                        "MySQL sink: "
                                + buffer.size()
                                + " change(s) at end of input are still held by prepared XA"
                                + " branches "
                                + inFlight
                                + " after "
                                + END_OF_INPUT_WAIT_MS
                                + " ms; the job will restart and recover");
            }
            if (!mailbox.tryYield()) {
                Thread.sleep(50);
            }
            flushBuffer();
        }
    }

    @Override
    public Collection<XaCommittable> prepareCommit() throws IOException, InterruptedException {
        flushBuffer();
        if (txConnection == null) {
            return Collections.emptyList();
        }
        XaTransactionId xid = txId;
        Set<String> keys = new HashSet<>(txKeys);
        boolean empty = txApplied == 0;
        txKeys.clear();
        txApplied = 0;
        long t0 = System.nanoTime();
        long token = 0;
        try {
            if (!empty) {
                while (token == XaCommittable.NO_MARKER) {
                    token = tokens.nextLong();
                }
                XaCommitMarkers.write(txConnection, dialect, xid, token);
            }
            if (empty) {
                // Every change was stale: nothing to commit, release the version locks.
                twoPhase.abandon(txConnection, xid);
                return Collections.emptyList();
            }
            twoPhase.prepare(txConnection, xid);
        } catch (SQLException e) {
            throw new IOException(
                    dialect.productName()
                            + " sink could not prepare transaction branch "
                            + xid
                            + ": "
                            + e.getMessage()
                            + dialect.hint(e),
                    e);
        } finally {
            // Closing leaves a prepared branch in place; MariaDB allows no second XA
            // transaction on this connection and commits it only once this session has gone.
            MySqlConnections.closeQuietly(txConnection);
            txConnection = null;
            txId = null;
        }
        lastPreparedCheckpointId = nextCheckpointId;
        inFlight.add(new InFlight(xid, keys));
        metrics.transactionsPrepared.inc();
        metrics.lastCommitLatencyMs = (System.nanoTime() - t0) / 1_000_000.0;
        if (inFlight.size() > 1) {
            refreshInFlight();
        }
        maybePurgeTombstones();
        maybePurgeMarkers();
        return Collections.singletonList(new XaCommittable(xid, token));
    }

    @Override
    public List<XaWriterState> snapshotState(long checkpointId) {
        nextCheckpointId = checkpointId + 1;
        // Always one state, also without pending changes: it carries the prefix to a restore.
        return Collections.singletonList(new XaWriterState(prefix, buffer.contents()));
    }

    private Set<String> heldKeys() {
        if (inFlight.isEmpty()) {
            return Collections.emptySet();
        }
        if (inFlight.size() == 1) {
            return inFlight.get(0).keys;
        }
        Set<String> all = new HashSet<>();
        for (InFlight f : inFlight) {
            all.addAll(f.keys);
        }
        return all;
    }

    /** Forgets the branches {@code XA RECOVER} no longer lists (committed by the committer). */
    private void refreshInFlight() throws IOException {
        if (inFlight.isEmpty()) {
            return;
        }
        Set<XaTransactionId> prepared;
        try {
            prepared = new HashSet<>(twoPhase.recover(control()));
        } catch (SQLException e) {
            throw new IOException(
                    dialect.productName()
                            + " sink could not list its prepared transactions: "
                            + e.getMessage(),
                    e);
        }
        for (Iterator<InFlight> it = inFlight.iterator(); it.hasNext(); ) {
            if (!prepared.contains(it.next().xid)) {
                it.remove();
            }
        }
    }

    private Connection control() throws SQLException {
        if (control == null || !control.isValid(5)) {
            MySqlConnections.closeQuietly(control);
            control = open(true);
        }
        return control;
    }

    @Override
    public void close() {
        // An unprepared branch is rolled back by the server when its session ends.
        MySqlConnections.closeQuietly(txConnection);
        MySqlConnections.closeQuietly(control);
        txConnection = null;
        control = null;
    }

    /** A prepared branch and the document identities it holds locks on. */
    private static final class InFlight {
        final XaTransactionId xid;
        final Set<String> keys;

        InFlight(XaTransactionId xid, Set<String> keys) {
            this.xid = xid;
            this.keys = keys;
        }

        @Override
        public String toString() {
            return xid.toString();
        }
    }
}
