package io.dbtransfer.reconcile;

import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.MismatchRows;
import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.hashing.Hash128;
import io.dbtransfer.hashing.KeyTexts;
import io.dbtransfer.hashing.RowHasher;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.metrics.AliasCounter;
import io.dbtransfer.model.MismatchRecord;
import io.dbtransfer.model.RoutingKey;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.normalize.DocumentNormalizer;

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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    private final ReconcileSettings settings;

    private transient ValueState<KeyState> keyState;
    private transient ListState<String> pendingState;
    private transient Map<String, Pending> unverified;
    private transient Connection connection;
    private transient long nextSweepAt;
    private transient ListState<SweepCursor> sweepState;
    private transient SweepCursor sweep;
    private transient Sweep sweeper;
    private transient Sweep.Env sweepEnv;
    private transient Counter checked;
    private transient Counter mismatches;
    private transient Counter repairs;
    private transient Counter mismatchesOpen;

    /** Re-reads documents from MongoDB; {@code null}: no source configured. */
    private transient DocumentRereader rereader;

    // Gauges are read by the metric reporter thread: plain values refreshed on every tick.
    private transient volatile int lastSweepConsistent;
    private transient volatile long lastSweepMillis;
    private transient volatile long sweepsDone;
    private transient volatile long lastSweepKeys;
    private transient volatile long sweepPosition;
    private transient volatile int pendingCount;
    private transient volatile long checkLagMs;

    /** A key whose MySQL side is not verified yet. */
    static final class Pending {
        final long firstSeen;
        long checkpointId = -1;
        long dueAt = Long.MAX_VALUE;
        int attempts;
        String detectedBy = "check";

        Pending(long firstSeen) {
            this.firstSeen = firstSeen;
        }
    }

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
        unverified = new LinkedHashMap<>();
        sweepState = context.getOperatorStateStore().getUnionListState(SWEEP);
        if (context.isRestored()) {
            org.apache.flink.api.common.TaskInfo task = getRuntimeContext().getTaskInfo();
            for (SweepCursor c : sweepState.get()) {
                // Continued only by the same subtask at the same parallelism (after a rescale
                // the key ranges moved: the next sweep starts over).
                if (c.subtask == task.getIndexOfThisSubtask()
                        && c.parallelism == task.getNumberOfParallelSubtasks()) {
                    sweep = c;
                }
            }
            long now = now();
            for (String entry : pendingState.get()) {
                String[] parts = entry.split("\t", 3);
                String routingKey = parts[2];
                if (owns(routingKey)) {
                    Pending p = new Pending(Long.parseLong(parts[0]));
                    p.attempts = Integer.parseInt(parts[1]);
                    p.checkpointId = 0;
                    p.dueAt = now + settings.checkDelayMs;
                    unverified.put(routingKey, p);
                }
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
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
        group.gauge("reconcile_pending_keys", () -> pendingCount);
        group.gauge("reconcile_last_sweep_consistent", () -> lastSweepConsistent);
        group.gauge("reconcile_last_sweep_duration_seconds", () -> lastSweepMillis / 1000.0);
        group.gauge("reconcile_sweeps", () -> sweepsDone);
        group.gauge("reconcile_check_lag_seconds", () -> checkLagMs / 1000.0);
        group.gauge("reconcilePending", () -> pendingCount);
        group.gauge("reconcileLastSweepConsistent", () -> lastSweepConsistent);
        group.gauge("reconcileLastSweepMillis", () -> lastSweepMillis);
        group.gauge("reconcileSweepsDone", () -> sweepsDone);
        group.gauge("reconcileLastSweepKeys", () -> lastSweepKeys);
        group.gauge("reconcileSweepKeys", () -> sweepPosition);
        group.gauge("reconcileCheckLagMs", () -> checkLagMs);
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
        lastSweepConsistent = -1;
        sweeper = new Sweep(settings.mapping, settings.sweepPageSize);
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
        TableSpec table = settings.mapping.tableFor(change.collection);
        if (table == null) {
            return;
        }
        if (sweep != null) {
            sweep.sawIdType(change.collection, KeyTexts.idType(change.routingKey()));
        }
        KeyState old = keyState.value();
        if (old != null && !old.is(KeyState.UNKNOWN_TO_SOURCE) && old.version > change.version) {
            return; // an older replay: the sink ignores it too
        }
        Hash128 hash =
                change.delete
                        ? Hash128.ZERO
                        : RowHasher.document(table, change.parent, change.children);
        keyState.update(new KeyState(change.version, hash, change.delete ? KeyState.DELETED : 0));
        String routingKey = change.routingKey();
        Pending previous = unverified.get(routingKey);
        unverified.put(routingKey, new Pending(previous == null ? now() : previous.firstSeen));
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<String> entries = new ArrayList<>(unverified.size());
        for (Map.Entry<String, Pending> e : unverified.entrySet()) {
            Pending p = e.getValue();
            if (p.checkpointId < 0) {
                p.checkpointId = context.getCheckpointId();
            }
            entries.add(p.firstSeen + "\t" + p.attempts + "\t" + e.getKey());
        }
        pendingState.update(entries);
        sweepState.update(sweep == null ? List.of() : List.of(sweep));
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        long due = now() + settings.checkDelayMs;
        for (Pending p : unverified.values()) {
            if (p.checkpointId >= 0
                    && p.checkpointId <= checkpointId
                    && p.dueAt == Long.MAX_VALUE) {
                p.dueAt = due;
            }
        }
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
                    "Reconciliation could not read MySQL ({}); keys stay pending and are read"
                            + " again",
                    e.getMessage());
            closeConnection();
        }
        pendingCount = unverified.size();
        checkLagMs = checkLag();
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
            long now = now();
            Map<String, List<String>> dueByCollection = new HashMap<>();
            int due = 0;
            for (Map.Entry<String, Pending> e : unverified.entrySet()) {
                if (e.getValue().dueAt <= now) {
                    dueByCollection
                            .computeIfAbsent(
                                    RoutingKey.collection(e.getKey()), c -> new ArrayList<>())
                            .add(e.getKey());
                    if (++due >= CHECK_ROUND) {
                        break;
                    }
                }
            }
            if (due == 0) {
                return;
            }
            checkRound(dueByCollection);
            if (due < CHECK_ROUND) {
                return;
            }
        } while (System.nanoTime() < deadline);
    }

    private void checkRound(Map<String, List<String>> dueByCollection) throws Exception {
        for (Map.Entry<String, List<String>> e : dueByCollection.entrySet()) {
            TableSpec table = settings.mapping.tableFor(e.getKey());
            ColumnType keyType = table.columns.get(0).type;
            Map<String, String> routingByText = new LinkedHashMap<>();
            for (String routingKey : e.getValue()) {
                String text = KeyTexts.keyText(routingKey, keyType);
                if (text == null) {
                    unverified.remove(routingKey);
                } else {
                    routingByText.put(text, routingKey);
                }
            }
            Map<String, MySqlReadBack.Observed> observed =
                    MySqlReadBack.read(connection(), table, routingByText.keySet());
            for (Map.Entry<String, MySqlReadBack.Observed> o : observed.entrySet()) {
                decide(e.getKey(), table, o.getKey(), routingByText.get(o.getKey()), o.getValue());
            }
        }
    }

    private void decide(
            String collection,
            TableSpec table,
            String keyText,
            String routingKey,
            MySqlReadBack.Observed observed)
            throws Exception {
        Pending pending = unverified.get(routingKey);
        setCurrentKey(routingKey);
        KeyState state = keyState.value();
        Verdict verdict =
                Verdict.judge(
                        state,
                        observed,
                        pending == null ? 0 : pending.attempts,
                        settings.maxRechecks);
        switch (verdict.action) {
            case OK:
                checked.inc();
                unverified.remove(routingKey);
                if (state != null && !state.expectsRows()) {
                    keyState.clear(); // tombstone verified (or a reported extra is gone)
                } else if (state != null
                        && (state.is(KeyState.REPORTED) || state.is(KeyState.REPAIRED))) {
                    state.flags &= ~(KeyState.REPORTED | KeyState.REPAIRED);
                    keyState.update(state);
                }
                break;
            case RECHECK:
                pending.dueAt = now() + settings.backoff(pending.attempts);
                pending.attempts++;
                break;
            case ALREADY_REPORTED:
                checked.inc();
                unverified.remove(routingKey);
                break;
            case MISMATCH:
                if (pending != null
                        && MismatchHandling.awaitRepair(
                                state, pending.attempts, settings.maxRechecks)) {
                    pending.dueAt = now() + settings.backoff(pending.attempts);
                    pending.attempts++;
                    break;
                }
                checked.inc();
                mismatches.inc();
                unverified.remove(routingKey);
                MismatchRecord m =
                        MismatchHandling.record(
                                collection,
                                table.name,
                                keyText,
                                verdict,
                                state,
                                observed,
                                pending == null ? now() : pending.firstSeen,
                                pending == null ? "check" : pending.detectedBy);
                DocumentRereader.Reread reread =
                        MismatchHandling.needsReread(
                                        rereader != null, settings.repair, verdict.kind)
                                ? rereader.read(
                                        collection, table, routingKey, keyText, m.sourceVersion)
                                : null;
                if (reread != null
                        && reread.problem == null
                        && MismatchRecord.DIFFERENT.equals(verdict.kind)) {
                    m.differingColumns =
                            differingColumns(table, keyText, state, observed, reread, m);
                }
                if (MismatchHandling.decide(settings.repair, state, reread, m)
                        == MismatchHandling.Action.REPAIR) {
                    repair(routingKey, table, reread, m);
                } else {
                    markReported(state, observed);
                }
                if (MismatchRecord.REPAIRED.equals(m.status)) {
                    LOG.info("Reconciliation mismatch repaired: {}", m);
                } else {
                    mismatchesOpen.inc();
                    LOG.warn("Reconciliation mismatch: {}", m);
                }
                output.collect(MISMATCHES, new StreamRecord<>(m));
                break;
            default:
                throw new IllegalStateException(verdict.toString());
        }
    }

    private void markReported(KeyState state, MySqlReadBack.Observed observed) throws Exception {
        KeyState marked =
                state != null
                        ? state
                        : new KeyState(
                                observed.version == null ? 0 : observed.version,
                                Hash128.ZERO,
                                KeyState.UNKNOWN_TO_SOURCE);
        marked.flags |= KeyState.REPORTED;
        keyState.update(marked);
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
        Hash128 sourceNow =
                now.delete ? Hash128.ZERO : RowHasher.document(table, now.parent, now.children);
        if (state == null || !state.expectsRows() || !sourceNow.equals(state.hash())) {
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
        Hash128 hash = r.delete ? Hash128.ZERO : RowHasher.document(table, r.parent, r.children);
        keyState.update(
                new KeyState(
                        r.version,
                        hash,
                        (byte) ((r.delete ? KeyState.DELETED : 0) | KeyState.REPAIRED)));
        // Read back after the checkpoint that commits the repair, like any change.
        unverified.put(routingKey, new Pending(now()));
        repairs.inc();
        MismatchHandling.repaired(m, r, reread.operationTime);
    }

    /**
     * Runs the sweep for at most {@code reconcile.time-slice} of this firing (at least one page):
     * starts one when it is due, does pages of it, finishes it. Between firings checkpoints and
     * changes go on; the cursor is in operator state, so a restore continues where it stood.
     */
    void sweepSlice() throws Exception {
        if (sweep == null) {
            if (now() < nextSweepAt) {
                return;
            }
            org.apache.flink.api.common.TaskInfo task = getRuntimeContext().getTaskInfo();
            sweep =
                    new SweepCursor(
                            task.getIndexOfThisSubtask(),
                            task.getNumberOfParallelSubtasks(),
                            now());
        }
        long deadline = System.nanoTime() + settings.sliceMs * 1_000_000L;
        do {
            if (sweeper.step(sweep, connection(), sweepEnv)) {
                lastSweepConsistent = sweep.consistent ? 1 : 0;
                lastSweepMillis = now() - sweep.startedAt;
                LOG.info(
                        "Reconcile sweep done in {} ms: {} state keys, {} MySQL keys, {} pages,"
                                + " {}",
                        lastSweepMillis,
                        sweep.stateKeys,
                        sweep.mysqlKeys,
                        sweep.pages,
                        sweep.consistent ? "consistent" : "differences found");
                lastSweepKeys = sweep.stateKeys + sweep.mysqlKeys;
                sweep = null;
                sweepsDone++;
                nextSweepAt = now() + settings.sweepIntervalMs;
                break;
            }
        } while (System.nanoTime() < deadline);
        sweepPosition = sweep == null ? 0 : sweep.stateKeys + sweep.mysqlKeys;
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
            int maxParallelism = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
            // The n smallest (key group, key) after the cursor; a bounded max-heap. Both state
            // backends list keys grouped by ascending key group, so the scan stops once the heap
            // is full and a later key group begins (a backend that does not is scanned whole).
            java.util.PriorityQueue<Sweep.StateKey> best =
                    new java.util.PriorityQueue<>(n + 1, STATE_ORDER.reversed());
            try (java.util.stream.Stream<?> stream =
                    getKeyedStateBackend().getKeys(KEY_STATE.getName(), VoidNamespace.INSTANCE)) {
                java.util.Iterator<?> it = stream.iterator();
                boolean ordered = true;
                int previous = -1;
                while (it.hasNext()) {
                    String key = (String) it.next();
                    int group = KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism);
                    if (group < previous) {
                        ordered = false;
                    }
                    previous = group;
                    if (group < keyGroup
                            || (group == keyGroup && after != null && key.compareTo(after) <= 0)) {
                        continue;
                    }
                    Sweep.StateKey k = new Sweep.StateKey(group, key, null);
                    if (best.size() < n) {
                        best.add(k);
                    } else if (STATE_ORDER.compare(k, best.peek()) < 0) {
                        best.poll();
                        best.add(k);
                    } else if (ordered && group > best.peek().keyGroup) {
                        break;
                    }
                }
            }
            List<Sweep.StateKey> out = new ArrayList<>(best);
            out.sort(STATE_ORDER);
            // Values are read after the key stream is closed: the heap backend's iterator must
            // not see state reads (they may rehash its map).
            for (int i = 0; i < out.size(); i++) {
                Sweep.StateKey k = out.get(i);
                setCurrentKey(k.routingKey);
                out.set(i, new Sweep.StateKey(k.keyGroup, k.routingKey, keyState.value()));
            }
            return out;
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
        public void suspect(String routingKey) throws Exception {
            if (unverified.containsKey(routingKey)) {
                return; // in flight: the regular check covers it
            }
            setCurrentKey(routingKey);
            KeyState st = keyState.value();
            if (st != null && st.is(KeyState.REPORTED)) {
                return; // a known, already reported difference
            }
            long now = now();
            Pending p = new Pending(now);
            p.checkpointId = 0;
            p.dueAt = now;
            p.detectedBy = "sweep";
            unverified.put(routingKey, p);
        }
    }

    private static final java.util.Comparator<Sweep.StateKey> STATE_ORDER =
            java.util.Comparator.<Sweep.StateKey>comparingInt(k -> k.keyGroup)
                    .thenComparing(k -> k.routingKey);

    private boolean owns(String routingKey) {
        org.apache.flink.api.common.TaskInfo task = getRuntimeContext().getTaskInfo();
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                        routingKey,
                        task.getMaxNumberOfParallelSubtasks(),
                        task.getNumberOfParallelSubtasks())
                == task.getIndexOfThisSubtask();
    }

    private long checkLag() {
        long oldest = Long.MAX_VALUE;
        for (Pending p : unverified.values()) {
            oldest = Math.min(oldest, p.firstSeen);
        }
        return oldest == Long.MAX_VALUE ? 0 : now() - oldest;
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            // Autocommit reads at READ COMMITTED: each read-back sees the latest commits.
            connection =
                    MySqlConnections.open(
                            settings.jdbcUrl, settings.username, settings.password, true);
            MismatchRows.create(connection);
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
