package io.dbtransfer.reconcile;

import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.MismatchRows;
import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.hashing.KeyTexts;
import io.dbtransfer.hashing.RowHasher;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.metrics.AliasCounter;
import io.dbtransfer.model.MismatchRecord;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.normalize.DocumentNormalizer;

import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Keyed by document (the sink's routing key): keeps per key the source version and the {@link
 * RowHasher} hash of the rows the source says must exist, reads keys back from MySQL after the
 * checkpoint covering their change completed, sweeps state and MySQL periodically in bounded,
 * resumable pages ({@link Sweep}), and emits a {@link MismatchRecord} for every difference.
 *
 * <p>Exactly-once commits happen in the sink's committer after the checkpoint completed, so a key
 * MySQL has not caught up with is rechecked with backoff; only {@code maxRechecks} rechecks without
 * convergence, or equal versions with different hashes, make a mismatch.
 *
 * <p>It sits on the main path, between normalize and the MySQL change sink: every change passes
 * through unchanged and in order; mismatches leave through the side output {@link #MISMATCHES}.
 * With {@code reconcile.repair} a mismatch is repaired by re-reading the document from MongoDB and
 * emitting it to the sink as a repair change (see {@link #repair}).
 *
 * <p>The operator holds state, timers, connections and metrics only; the rules are pure classes
 * beside it: {@link PendingChecks} (when a key is read back), {@link Verdict} (what a read-back
 * means), {@link KeyStates} (how a key's state changes), {@link MismatchHandling} (report or
 * repair), {@link RowDiff} (what differs), {@link Sweep} and {@link StateKeyScan} (the sweep).
 */
public class ReconcileOperator extends AbstractStreamOperator<RowChange>
        implements OneInputStreamOperator<RowChange, RowChange> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ReconcileOperator.class);

    /** Timeout of MongoDB re-reads (server selection, connect, query). */
    static final int MONGO_TIMEOUT_S = 5;

    /** How often due checks and sweeps are looked at. */
    static final long TICK_MS = 200;

    /** Due keys read back per round (a firing runs rounds until its time slice is used). */
    static final int CHECK_ROUND = 5 * MySqlReadBack.BATCH;

    /**
     * State keys a sweep lists per scan of the state backend (at least a page): about 5 MB of keys
     * held per subtask while a sweep runs, against a scan of every key up to the cursor per page.
     */
    static final int STATE_KEYS_LISTED_AHEAD = 50_000;

    /** Descriptor of the per-key state. */
    static final ValueStateDescriptor<KeyState> KEY_STATE =
            new ValueStateDescriptor<>("reconcile-key", KeyStateSerializer.INSTANCE);

    /** Side output of mismatch records (to the mismatch table, Kafka, …). */
    public static final OutputTag<MismatchRecord> MISMATCHES =
            new OutputTag<>("reconcile-mismatches", TypeInformation.of(MismatchRecord.class));

    private static final ListStateDescriptor<String> PENDING =
            new ListStateDescriptor<>("reconcile-pending", Types.STRING);

    /** The running sweep's cursor of every subtask (a union: each picks its own on restore). */
    private static final ListStateDescriptor<SweepCursor> SWEEP =
            new ListStateDescriptor<>("reconcile-sweep", SweepCursorSerializer.INSTANCE);

    /** Where each re-snapshot generation started (a union: every subtask keeps a copy). */
    private static final ListStateDescriptor<String> RESNAPSHOT =
            new ListStateDescriptor<>("reconcile-resnapshot", Types.STRING);

    private final ReconcileSettings settings;

    private transient ValueState<KeyState> keyState;
    private transient ListState<String> pendingState;
    private transient PendingChecks pending;
    private transient Connection connection;
    private transient long nextSweepAt;

    /**
     * Processing time of the last snapshot-phase change ({@link RowChange#snapshot}); sweeps wait
     * until none has come for a sweep interval. Not in state: after a restore the first snapshot
     * change pauses a sweep again.
     */
    private transient long snapshotChangeAt = Long.MIN_VALUE;

    private transient boolean sweepPausedLogged;
    private transient ListState<SweepCursor> sweepState;
    private transient SweepCursor sweep;
    private transient Sweep sweeper;

    /** The sweep's state keys, listed ahead of its pages (transient: a restore scans afresh). */
    private transient StateKeyListing stateKeyListing;

    private transient Sweep.Env sweepEnv;
    private transient Counter checked;
    private transient Counter mismatches;
    private transient Counter repairs;
    private transient Counter mismatchesOpen;
    private transient ReconcileGauges gauges;
    private transient ListState<String> resnapshotState;

    /** Collection → source version its re-snapshot generation started at. */
    private transient Map<String, Long> resnapshotFrom;

    private transient Counter resnapshotDeletes;

    /** Re-reads documents from MongoDB; {@code null}: no source configured. */
    private transient DocumentRereader rereader;

    public ReconcileOperator(ReconcileSettings settings) {
        this.settings = settings;
        // On the main path: chain with normalize and the sink (AbstractStreamOperator's default,
        // HEAD, would start a task of its own).
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        keyState = getKeyedStateStore().getState(KEY_STATE);
        pendingState = context.getOperatorStateStore().getUnionListState(PENDING);
        pending = new PendingChecks();
        sweepState = context.getOperatorStateStore().getUnionListState(SWEEP);
        resnapshotState = context.getOperatorStateStore().getUnionListState(RESNAPSHOT);
        resnapshotFrom =
                ResnapshotStarts.resolve(
                        context.isRestored() ? resnapshotState.get() : List.of(),
                        settings.resnapshots,
                        settings.snapshotVersion);
        if (!resnapshotFrom.isEmpty()) {
            LOG.info(
                    "Re-snapshot (mongo.resnapshot {}): rows older than these source versions"
                            + " whose documents MongoDB no longer holds are removed: {}",
                    settings.resnapshots,
                    resnapshotFrom);
        }
        if (context.isRestored()) {
            TaskInfo task = getRuntimeContext().getTaskInfo();
            sweep =
                    SweepCursor.resumable(
                            sweepState.get(),
                            task.getIndexOfThisSubtask(),
                            task.getNumberOfParallelSubtasks());
            pending.restore(pendingState.get(), this::owns, now() + settings.checkDelayMs);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        gauges = new ReconcileGauges();
        MetricGroup group = getMetricGroup().addGroup("dbtransfer");
        // Prometheus-style names (snake_case, base units, _total counters) next to the previous
        // release's camelCase ones, kept for one more release.
        checked = group.counter("reconcileChecked");
        group.counter("reconcile_checked_total", new AliasCounter(checked));
        mismatches = group.counter("reconcileMismatches");
        group.counter("mismatches_total", new AliasCounter(mismatches));
        repairs = group.counter("reconcileRepairs");
        group.counter("mismatches_repaired_total", new AliasCounter(repairs));
        mismatchesOpen = group.counter("mismatches_open_total");
        resnapshotDeletes = group.counter("resnapshot_deleted_rows_total");
        group.gauge("reconcile_pending_keys", () -> gauges.pendingCount);
        group.gauge("reconcile_last_sweep_consistent", () -> gauges.lastSweepConsistent);
        group.gauge("reconcile_last_sweep_duration_seconds", () -> gauges.lastSweepMillis / 1000.0);
        group.gauge("reconcile_sweeps", () -> gauges.sweepsDone);
        group.gauge("reconcile_check_lag_seconds", () -> gauges.checkLagMs / 1000.0);
        group.gauge("reconcilePending", () -> gauges.pendingCount);
        group.gauge("reconcileLastSweepConsistent", () -> gauges.lastSweepConsistent);
        group.gauge("reconcileLastSweepMillis", () -> gauges.lastSweepMillis);
        group.gauge("reconcileSweepsDone", () -> gauges.sweepsDone);
        group.gauge("reconcileLastSweepKeys", () -> gauges.lastSweepKeys);
        group.gauge("reconcileSweepKeys", () -> gauges.sweepPosition);
        group.gauge("reconcileCheckLagMs", () -> gauges.checkLagMs);
        if (settings.mongoUri != null) {
            // Lazy: the driver connects on first use (a mismatch), not here.
            rereader =
                    new DocumentRereader(
                            MongoConnections.open(
                                    settings.mongoUri, settings.mongoPassword, MONGO_TIMEOUT_S),
                            settings.mongoDatabase,
                            new DocumentNormalizer(settings.mapping, settings.policy),
                            MONGO_TIMEOUT_S);
        }
        sweeper = new Sweep(settings.mapping, settings.sweepPageSize);
        stateKeyListing = new StateKeyListing(STATE_KEYS_LISTED_AHEAD);
        sweepEnv = new SweepEnv();
        nextSweepAt = now() + settings.sweepIntervalMs;
        if (sweep != null) {
            LOG.info("Continuing the restored reconcile sweep at {}", sweep);
        }
        scheduleTick();
    }

    @Override
    public void processElement(StreamRecord<RowChange> element) throws Exception {
        output.collect(element); // every change goes on to the sink, unchanged and in order
        RowChange change = element.getValue();
        if (change.snapshot) {
            snapshotChangeAt = now();
        }
        TableSpec table = settings.mapping.tableFor(change.collection);
        if (table == null) {
            return;
        }
        if (sweep != null) {
            sweep.sawIdType(change.collection, KeyTexts.idType(change.routingKey()));
        }
        KeyState next = KeyStates.changed(keyState.value(), change, table);
        if (next == null) {
            return; // an older replay: the sink ignores it too
        }
        keyState.update(next);
        pending.changed(change.routingKey(), now());
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        pendingState.update(pending.snapshot(context.getCheckpointId()));
        sweepState.update(sweep == null ? List.of() : List.of(sweep));
        resnapshotState.update(ResnapshotStarts.entries(settings.resnapshots, resnapshotFrom));
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        pending.checkpointCompleted(checkpointId, now() + settings.checkDelayMs);
    }

    @Override
    public void close() throws Exception {
        closeConnection();
        if (rereader != null) {
            rereader.close();
            rereader = null;
        }
        super.close();
    }

    private void scheduleTick() {
        getProcessingTimeService().registerTimer(now() + TICK_MS, ts -> onTick());
    }

    private void onTick() throws Exception {
        try {
            runDueChecks();
            if (settings.sweepIntervalMs > 0) {
                sweepSlice();
            }
        } catch (SQLException e) {
            LOG.warn(
                    "Reconciliation could not read the target ({}); keys stay pending and are"
                            + " read again",
                    e.getMessage());
            closeConnection();
        }
        gauges.pending(pending, now());
        scheduleTick();
    }

    /** Reads back every key whose check is due, batched per collection. */
    void runDueChecks() throws Exception {
        runDueChecks(System.nanoTime() + settings.sliceMs * 1_000_000L);
    }

    /**
     * Reads back keys whose check is due, batched per collection, a round of at most {@link
     * #CHECK_ROUND} keys at a time until {@code deadline} ({@link System#nanoTime}); at least one
     * round runs, due keys left over wait for the next firing.
     */
    private void runDueChecks(long deadline) throws Exception {
        do {
            PendingChecks.Round round = pending.due(now(), CHECK_ROUND);
            if (round.size == 0) {
                return;
            }
            checkRound(round.byCollection);
            if (round.size < CHECK_ROUND) {
                return;
            }
        } while (System.nanoTime() < deadline);
    }

    private void checkRound(Map<String, List<String>> dueByCollection) throws Exception {
        for (Map.Entry<String, List<String>> e : dueByCollection.entrySet()) {
            TableSpec table = settings.mapping.tableFor(e.getKey());
            Map<String, String> routingByText =
                    pending.keyTexts(e.getValue(), table.columns.get(0).type);
            Map<String, MySqlReadBack.Observed> observed =
                    MySqlReadBack.read(connection(), table, routingByText.keySet());
            for (Map.Entry<String, MySqlReadBack.Observed> o : observed.entrySet()) {
                decide(e.getKey(), table, o.getKey(), routingByText.get(o.getKey()), o.getValue());
            }
        }
    }

    /** Carries out the {@link Verdict} on one read-back key. */
    private void decide(
            String collection,
            TableSpec table,
            String keyText,
            String routingKey,
            MySqlReadBack.Observed observed)
            throws Exception {
        PendingChecks.Pending p = pending.get(routingKey);
        setCurrentKey(routingKey);
        KeyState state = keyState.value();
        Verdict verdict =
                Verdict.judge(
                        state,
                        observed,
                        p == null ? 0 : p.attempts,
                        settings.maxRechecks,
                        settings.repair);
        switch (verdict.action) {
            case OK:
                checked.inc();
                pending.remove(routingKey);
                switch (KeyStates.verified(state)) {
                    case CLEAR:
                        keyState.clear(); // tombstone verified (or a reported extra is gone)
                        break;
                    case UPDATE:
                        keyState.update(state);
                        break;
                    default:
                        break;
                }
                break;
            case RECHECK:
                pending.recheck(p, now() + settings.backoff(p.attempts));
                break;
            case ALREADY_REPORTED:
                checked.inc();
                pending.remove(routingKey);
                break;
            case MISMATCH:
                if (p != null
                        && MismatchHandling.awaitRepair(state, p.attempts, settings.maxRechecks)) {
                    pending.recheck(p, now() + settings.backoff(p.attempts));
                    break;
                }
                mismatch(collection, table, keyText, routingKey, verdict, state, observed, p);
                break;
            default:
                throw new IllegalStateException(verdict.toString());
        }
    }

    /** Records a mismatch, names what differs, repairs or reports it, and emits its record. */
    private void mismatch(
            String collection,
            TableSpec table,
            String keyText,
            String routingKey,
            Verdict verdict,
            KeyState state,
            MySqlReadBack.Observed observed,
            PendingChecks.Pending p)
            throws Exception {
        checked.inc();
        mismatches.inc();
        pending.remove(routingKey);
        MismatchRecord m =
                MismatchHandling.record(
                        collection,
                        table.name,
                        keyText,
                        verdict,
                        state,
                        observed,
                        p == null ? now() : p.firstSeen,
                        p == null ? "check" : p.detectedBy);
        DocumentRereader.Reread reread =
                MismatchHandling.needsReread(rereader != null, settings.repair, verdict.kind)
                        ? rereader.read(collection, table, routingKey, keyText, m.sourceVersion)
                        : null;
        if (reread != null
                && reread.problem == null
                && MismatchRecord.DIFFERENT.equals(verdict.kind)) {
            m.differingColumns = differingColumns(table, keyText, state, observed, reread, m);
        }
        if (MismatchHandling.decide(settings.repair, state, reread, m)
                == MismatchHandling.Action.REPAIR) {
            repair(routingKey, table, reread, m);
        } else {
            keyState.update(KeyStates.reported(state, observed, settings.repair));
        }
        if (MismatchRecord.REPAIRED.equals(m.status)) {
            LOG.info("Reconciliation mismatch repaired: {}", m);
        } else {
            mismatchesOpen.inc();
            LOG.warn("Reconciliation mismatch: {}", m);
        }
        output.collect(MISMATCHES, new StreamRecord<>(m));
    }

    /**
     * Names what differs by comparing MySQL's rows with the rows of the re-read document — when
     * that document is still what the job holds for the key (same hash); otherwise it changed
     * meanwhile and the verdict's description stays.
     */
    private String differingColumns(
            TableSpec table,
            String keyText,
            KeyState state,
            MySqlReadBack.Observed observed,
            DocumentRereader.Reread reread,
            MismatchRecord m) {
        RowChange now = reread.change;
        if (!KeyStates.sameAsSource(state, now, table)) {
            return m.differingColumns;
        }
        MySqlReadBack.Rows rows;
        try {
            rows = MySqlReadBack.rows(connection(), table, keyText);
        } catch (SQLException e) {
            LOG.warn(
                    "Reading the rows of {} to name what differs failed: {}",
                    keyText,
                    e.getMessage());
            return m.differingColumns;
        }
        String d =
                RowDiff.describe(
                        table,
                        now.delete ? null : now.parent,
                        now.children,
                        rows.parent,
                        rows.children,
                        observed.version != null && observed.version != state.version);
        return d.isEmpty() ? m.differingColumns : d;
    }

    /**
     * Sends the re-read document to the sink as a repair and records it.
     *
     * <p>Ordering. The repair runs in the mailbox thread, so it enters the stream between two
     * changes of the key: after every change this operator has seen (the newest has version {@code
     * s}, the key state's), before every later one. It carries version {@code s} — not the read's
     * operation time — and content read at or after {@code s} (a primary read after the change
     * stream delivered {@code s}). The sink applies it whatever MySQL holds (MySQL's version may be
     * the corruption); every change still ahead of it in the stream has a version above {@code s}
     * and so is applied after it as usual, replacing it with that change's full state. Versioning
     * the repair with the read's operation time instead would let it suppress a later snapshot
     * record of the key (snapshot records carry the job's start time, older than their content) and
     * lose the changes folded into that record.
     *
     * <p>Restarts. The state update and the emission happen in one mailbox action, so a checkpoint
     * holds both or neither. Exactly-once: the repair commits with the transaction of the
     * checkpoint after it; restored from an earlier checkpoint, that transaction is rolled back,
     * the state does not know the repair, and the next check or sweep finds the mismatch again and
     * repairs it again (same version, so the mismatch table's dedup keeps one record). Idempotent:
     * the repair may be in MySQL while the restored state does not know it; replayed changes up to
     * the repair's version are dropped (or, at equal version, re-applied) by the sink's guard,
     * later ones are applied after it, so MySQL converges, and whatever difference is left between
     * state and MySQL is found and repaired again. A key is repaired once per version: a mismatch
     * after its repair is reported open, not repaired again, until the key changes.
     */
    private void repair(
            String routingKey, TableSpec table, DocumentRereader.Reread reread, MismatchRecord m)
            throws Exception {
        RowChange r = reread.change;
        r.repair = true;
        output.collect(new StreamRecord<>(r));
        keyState.update(KeyStates.repaired(r, table));
        // Read back after the checkpoint that commits the repair, like any change.
        pending.repaired(routingKey, now());
        repairs.inc();
        MismatchHandling.repaired(m, r, reread.operationTime);
    }

    /**
     * Runs the sweep for at most {@code reconcile.time-slice} of this firing (at least one page):
     * starts one when it is due, does pages of it, finishes it. Between firings checkpoints and
     * changes go on; the cursor is in operator state, so a restore continues where it stood.
     */
    void sweepSlice() throws Exception {
        if (snapshotChangeAt != Long.MIN_VALUE
                && now() - snapshotChangeAt < settings.sweepIntervalMs) {
            // A snapshot (or a re-snapshot) is being written: every key it writes is read back
            // after its commit anyway, while a sweep would compare a table still being filled,
            // call each row in flight suspect and take up to a time slice of every firing from
            // the snapshot. It starts, or goes on from its cursor, once the snapshot has been
            // quiet for a sweep interval (at 1M documents, sweeps of 4-6 minutes ran back to
            // back through the snapshot: benchmarks/results/throughput-2026-12-03-state.md).
            if (!sweepPausedLogged) {
                LOG.info(
                        "Reconcile sweeps wait while snapshot changes arrive (until none has come"
                                + " for reconcile.sweep-interval)");
                sweepPausedLogged = true;
            }
            return;
        }
        sweepPausedLogged = false;
        if (sweep == null) {
            if (now() < nextSweepAt) {
                return;
            }
            TaskInfo task = getRuntimeContext().getTaskInfo();
            sweep =
                    new SweepCursor(
                            task.getIndexOfThisSubtask(),
                            task.getNumberOfParallelSubtasks(),
                            now());
        }
        long deadline = System.nanoTime() + settings.sliceMs * 1_000_000L;
        do {
            if (sweeper.step(sweep, connection(), sweepEnv)) {
                gauges.sweepDone(sweep, now());
                LOG.info(
                        "Reconcile sweep done in {} ms: {} state keys, {} target keys, {} pages,"
                                + " {}",
                        gauges.lastSweepMillis,
                        sweep.stateKeys,
                        sweep.mysqlKeys,
                        sweep.pages,
                        sweep.consistent ? "consistent" : "differences found");
                sweep = null;
                nextSweepAt = now() + settings.sweepIntervalMs;
                break;
            }
        } while (System.nanoTime() < deadline);
        gauges.sweepAt(sweep);
        runDueChecks();
    }

    /** The position of the running sweep, or {@code null} (for tests). */
    SweepCursor sweepCursor() {
        return sweep;
    }

    /** The keyed state as a sweep sees it; used on the task thread only. */
    private final class SweepEnv implements Sweep.Env {
        @Override
        public List<Sweep.StateKey> stateKeys(int keyGroup, String after, int n) throws Exception {
            List<Sweep.StateKey> out = stateKeyListing.page(keyGroup, after, n, this::scanKeys);
            // Values are read after the key stream is closed: the heap backend's iterator must
            // not see state reads (they may rehash its map).
            for (int i = 0; i < out.size(); i++) {
                Sweep.StateKey k = out.get(i);
                setCurrentKey(k.routingKey);
                out.set(i, new Sweep.StateKey(k.keyGroup, k.routingKey, keyState.value()));
            }
            return out;
        }

        /** One scan of the backend's keys: the {@code n} smallest after the cursor. */
        private List<Sweep.StateKey> scanKeys(int keyGroup, String after, int n) throws Exception {
            int maxParallelism = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
            try (Stream<?> stream =
                    getKeyedStateBackend().getKeys(KEY_STATE.getName(), VoidNamespace.INSTANCE)) {
                Iterator<?> it = stream.iterator();
                Iterator<String> keys =
                        new Iterator<>() {
                            @Override
                            public boolean hasNext() {
                                return it.hasNext();
                            }

                            @Override
                            public String next() {
                                return (String) it.next();
                            }
                        };
                return StateKeyScan.page(
                        keys,
                        key -> KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism),
                        keyGroup,
                        after,
                        n);
            }
        }

        @Override
        public boolean owns(String routingKey) {
            return ReconcileOperator.this.owns(routingKey);
        }

        @Override
        public KeyState state(String routingKey) throws Exception {
            setCurrentKey(routingKey);
            return keyState.value();
        }

        @Override
        public Set<String> inSource(String collection, List<String> routingKeys) {
            return rereader == null ? Set.of() : rereader.existing(collection, routingKeys);
        }

        @Override
        public long resnapshotFrom(String collection) {
            return resnapshotFrom.getOrDefault(collection, 0L);
        }

        @Override
        public void olderThanResnapshot(String collection, List<String> routingKeys)
                throws Exception {
            if (rereader == null) {
                return;
            }
            long from = resnapshotFrom(collection);
            TableSpec table = settings.mapping.tableFor(collection);
            DocumentRereader.Absent absent = rereader.absent(collection, routingKeys);
            for (String routingKey : absent.routingKeys) {
                setCurrentKey(routingKey);
                KeyState st = keyState.value();
                if (st == null
                        || !st.expectsRows()
                        || Long.compareUnsigned(st.version, from) >= 0) {
                    continue; // changed since the page was read
                }
                // Deleted while the collection's stream was lost: the re-snapshot cannot see it,
                // so its rows go the way a delete event would have taken them.
                RowChange delete =
                        RowChange.delete(
                                collection,
                                table.name,
                                io.dbtransfer.model.RoutingKey.keyJson(routingKey),
                                absent.operationTime,
                                new String[] {
                                    KeyTexts.keyText(routingKey, table.columns.get(0).type)
                                });
                output.collect(new StreamRecord<>(delete));
                KeyState next = KeyStates.changed(st, delete, table);
                if (next != null) {
                    keyState.update(next);
                }
                pending.changed(routingKey, now());
                resnapshotDeletes.inc();
            }
        }

        @Override
        public void suspect(String routingKey) throws Exception {
            if (pending.contains(routingKey)) {
                return; // in flight: the regular check covers it
            }
            setCurrentKey(routingKey);
            KeyState st = keyState.value();
            if (st != null
                    && st.is(KeyState.REPORTED)
                    && (!settings.repair || st.is(KeyState.REPAIRED))) {
                return; // a known, already reported difference (repaired, or repair is off)
            }
            pending.suspect(routingKey, now());
        }
    }

    private boolean owns(String routingKey) {
        TaskInfo task = getRuntimeContext().getTaskInfo();
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                        routingKey,
                        task.getMaxNumberOfParallelSubtasks(),
                        task.getNumberOfParallelSubtasks())
                == task.getIndexOfThisSubtask();
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            // Autocommit reads at READ COMMITTED: each read-back sees the latest commits.
            connection =
                    MySqlConnections.open(
                            settings.jdbcUrl, settings.username, settings.password, true);
            MismatchRows.create(connection, TargetDialect.forUrl(settings.jdbcUrl));
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("Closing the reconcile connection failed", e);
            }
            connection = null;
        }
    }

    private long now() {
        return getProcessingTimeService().getCurrentProcessingTime();
    }
}
