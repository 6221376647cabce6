package io.dbtransfer.reconcile;

import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.normalize.DeadLetter;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.normalize.NormalizeResult;
import io.dbtransfer.normalize.RowChange;
import io.dbtransfer.source.ChangeRecord;
import io.dbtransfer.source.SourceProbe;
import io.dbtransfer.source.SourceVersion;

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
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * Keyed by document (the sink's routing key): keeps per key the source version and the {@link
 * RowHasher} hash of the rows the source says must exist, reads keys back from MySQL after the
 * checkpoint covering their change completed, sweeps bucket digests periodically, and emits a
 * {@link MismatchRecord} for every difference.
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

    /** Descriptor of the per-key state. */
    static final ValueStateDescriptor<KeyState> KEY_STATE =
            new ValueStateDescriptor<>("reconcile-key", KeyStateSerializer.INSTANCE);

    /** Side output of mismatch records (to the mismatch table, Kafka, …). */
    public static final OutputTag<MismatchRecord> MISMATCHES =
            new OutputTag<>("reconcile-mismatches", TypeInformation.of(MismatchRecord.class));

    private static final ListStateDescriptor<String> PENDING =
            new ListStateDescriptor<>("reconcile-pending", Types.STRING);

    private final ReconcileSettings settings;

    private transient ValueState<KeyState> keyState;
    private transient ListState<String> pendingState;
    private transient Map<String, Pending> unverified;
    private transient Connection connection;
    private transient long nextSweepAt;
    private transient Counter checked;
    private transient Counter mismatches;
    private transient Counter repairs;
    private transient MongoClient mongo;
    private transient DocumentNormalizer normalizer;
    // Gauges are read by the metric reporter thread: plain values refreshed on every tick.
    private transient volatile int lastSweepConsistent;
    private transient volatile long lastSweepMillis;
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
        if (context.isRestored()) {
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
        checked = group.counter("reconcileChecked");
        mismatches = group.counter("reconcileMismatches");
        repairs = group.counter("reconcileRepairs");
        group.gauge("reconcilePending", () -> pendingCount);
        group.gauge("reconcileLastSweepConsistent", () -> lastSweepConsistent);
        group.gauge("reconcileLastSweepMillis", () -> lastSweepMillis);
        group.gauge("reconcileCheckLagMs", () -> checkLagMs);
        if (settings.mongoUri != null) {
            // Lazy: the driver connects on first use (a mismatch), not here.
            mongo = SourceProbe.connect(settings.mongoUri, settings.mongoPassword, MONGO_TIMEOUT_S);
            normalizer = new DocumentNormalizer(settings.mapping, settings.policy);
        }
        lastSweepConsistent = -1;
        nextSweepAt = now() + settings.sweepIntervalMs;
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
        if (mongo != null) {
            mongo.close();
            mongo = null;
        }
        super.close();
    }

    private void scheduleTick() {
        getProcessingTimeService().registerTimer(now() + TICK_MS, ts -> onTick());
    }

    private void onTick() throws Exception {
        try {
            runDueChecks();
            if (settings.sweepIntervalMs > 0 && now() >= nextSweepAt) {
                sweep();
                nextSweepAt = now() + settings.sweepIntervalMs;
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
        long now = now();
        Map<String, List<String>> dueByCollection = new HashMap<>();
        for (Map.Entry<String, Pending> e : unverified.entrySet()) {
            if (e.getValue().dueAt <= now) {
                dueByCollection
                        .computeIfAbsent(KeyTexts.collection(e.getKey()), c -> new ArrayList<>())
                        .add(e.getKey());
            }
        }
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
                if (state != null
                        && state.is(KeyState.REPAIRED)
                        && pending != null
                        && pending.attempts < settings.maxRechecks) {
                    // A repair at the key's own version: until its transaction commits, MySQL
                    // still shows the corruption at that version. Give it the recheck budget.
                    pending.dueAt = now() + settings.backoff(pending.attempts);
                    pending.attempts++;
                    break;
                }
                checked.inc();
                mismatches.inc();
                unverified.remove(routingKey);
                MismatchRecord m = new MismatchRecord();
                m.collection = collection;
                m.table = table.name;
                m.key = keyText;
                m.kind = verdict.kind;
                m.differingColumns = verdict.differing;
                m.sourceVersion =
                        state == null || state.is(KeyState.UNKNOWN_TO_SOURCE) ? 0 : state.version;
                m.mysqlVersion = observed.version == null ? -1 : observed.version;
                m.firstSeenMillis = pending == null ? now() : pending.firstSeen;
                m.status = MismatchRecord.OPEN;
                m.detectedBy = pending == null ? "check" : pending.detectedBy;
                Reread reread = null;
                if (mongo != null
                        && (settings.repair || MismatchRecord.DIFFERENT.equals(verdict.kind))) {
                    reread = reread(collection, table, routingKey, keyText, m.sourceVersion);
                }
                if (reread != null
                        && reread.problem == null
                        && MismatchRecord.DIFFERENT.equals(verdict.kind)) {
                    m.differingColumns =
                            differingColumns(table, keyText, state, observed, reread, m);
                }
                if (!settings.repair) {
                    markReported(state, observed);
                } else if (state != null && state.is(KeyState.REPAIRED)) {
                    m.note =
                            "the repair at version "
                                    + Long.toUnsignedString(state.version)
                                    + " did not converge; not repaired again until the key"
                                    + " changes";
                    markReported(state, observed);
                } else if (reread.problem != null) {
                    m.note = "not repaired: " + reread.problem;
                    markReported(state, observed);
                } else {
                    repair(routingKey, table, reread, m);
                }
                if (MismatchRecord.REPAIRED.equals(m.status)) {
                    LOG.info("Reconciliation mismatch repaired: {}", m);
                } else {
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

    /** A document re-read from MongoDB, normalized as the job normalizes it. */
    static final class Reread {
        /** The server's operation time right before the read (a source version). */
        long operationTime;

        /**
         * The rows MongoDB holds now, at the job's version of the key: an upsert, or a delete when
         * the document is gone; {@code null} when it could not be read or normalized.
         */
        RowChange change;

        /** Why there is no change, or {@code null}. */
        String problem;
    }

    /**
     * Reads the document of {@code routingKey} from MongoDB by {@code _id} and normalizes it with
     * the job's {@link DocumentNormalizer}; the result carries {@code version}. Runs in the mailbox
     * thread (a timer), so no change of the key is processed meanwhile.
     */
    private Reread reread(
            String collection, TableSpec table, String routingKey, String keyText, long version) {
        Reread out = new Reread();
        String keyJson = routingKey.substring(routingKey.indexOf('\u0000') + 1);
        try {
            BsonValue id = CanonicalValues.parseCanonicalJson(keyJson);
            MongoDatabase db = mongo.getDatabase(settings.mongoDatabase);
            // Operation time first, then the find: the read reflects every change up to it.
            out.operationTime = SourceProbe.operationTime(mongo);
            BsonDocument doc =
                    db.getCollection(collection, BsonDocument.class)
                            .find(Filters.eq("_id", id))
                            .maxTime(MONGO_TIMEOUT_S, TimeUnit.SECONDS)
                            .first();
            if (doc == null) {
                out.change =
                        RowChange.delete(
                                collection, table.name, keyJson, version, new String[] {keyText});
                return out;
            }
            NormalizeResult result =
                    normalizer.normalize(
                            ChangeRecord.upsert(
                                    collection,
                                    keyJson,
                                    doc.toJson(CanonicalValues.CANONICAL),
                                    version),
                            System.currentTimeMillis());
            if (result.change == null) {
                StringJoiner reasons = new StringJoiner("; ");
                for (DeadLetter d : result.deadLetters) {
                    reasons.add(d.fieldPath + ": " + d.reason);
                }
                out.problem =
                        "the document re-read from MongoDB cannot be normalized (" + reasons + ")";
            } else {
                out.change = result.change;
            }
        } catch (RuntimeException e) {
            out.problem = "re-reading the document from MongoDB failed: " + e.getMessage();
        }
        return out;
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
            Reread reread,
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
    private void repair(String routingKey, TableSpec table, Reread reread, MismatchRecord m)
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
        m.status = MismatchRecord.REPAIRED;
        m.repairVersion = r.version;
        m.note =
                (r.delete ? "deleted" : "rewritten")
                        + " from the document read from MongoDB at "
                        + SourceVersion.format(reread.operationTime);
    }

    /**
     * Compares per-bucket digests of this subtask's keys with the same digests computed from every
     * MySQL row this subtask owns; keys of differing buckets whose digests differ and that are not
     * in flight are read back and judged like any other key.
     */
    void sweep() throws Exception {
        long started = now();
        boolean consistent = true;
        for (Map.Entry<String, TableSpec> e : settings.mapping.byCollection().entrySet()) {
            String collection = e.getKey();
            TableSpec table = e.getValue();
            ColumnType keyType = table.columns.get(0).type;
            int buckets = settings.buckets;
            Hash128[] stateDigest = zeros(buckets);
            // The _id types this subtask has seen in the collection: a MySQL key text that fits
            // several (an integer as Int32 and Int64) is claimed only in a type the source uses,
            // so two subtasks never both claim one row.
            java.util.Set<String> idTypes = new java.util.HashSet<>();
            Map<String, Hash128> stateKeys = new HashMap<>();
            Map<String, String> stateRouting = new HashMap<>();
            getKeyedStateBackend()
                    .applyToAllKeys(
                            VoidNamespace.INSTANCE,
                            VoidNamespaceSerializer.INSTANCE,
                            KEY_STATE,
                            (Object key, ValueState<KeyState> s) -> {
                                String routingKey = (String) key;
                                KeyState st = s.value();
                                if (st == null
                                        || !KeyTexts.collection(routingKey).equals(collection)) {
                                    return;
                                }
                                idTypes.add(KeyTexts.idType(routingKey));
                                if (!st.expectsRows()) {
                                    return;
                                }
                                String text = KeyTexts.keyText(routingKey, keyType);
                                if (text == null) {
                                    return;
                                }
                                Hash128 d = RowHasher.keyDigest(text, st.version, st.hash());
                                int b = RowHasher.bucket(text, buckets);
                                stateDigest[b] = stateDigest[b].xor(d);
                                stateKeys.put(text, d);
                                stateRouting.put(text, routingKey);
                            });
            Map<String, String> ownerOf = new HashMap<>();
            Map<String, MySqlReadBack.Observed> mysql =
                    MySqlReadBack.scan(
                            connection(),
                            table,
                            text -> {
                                String owner = owner(collection, text, keyType, idTypes);
                                if (owner != null) {
                                    ownerOf.put(text, owner);
                                }
                                return owner != null;
                            });
            Hash128[] mysqlDigest = zeros(buckets);
            for (Map.Entry<String, MySqlReadBack.Observed> o : mysql.entrySet()) {
                int b = RowHasher.bucket(o.getKey(), buckets);
                mysqlDigest[b] = mysqlDigest[b].xor(digest(o.getKey(), o.getValue()));
            }
            List<Integer> differing = new ArrayList<>();
            for (int b = 0; b < buckets; b++) {
                if (!stateDigest[b].equals(mysqlDigest[b])) {
                    differing.add(b);
                }
            }
            if (differing.isEmpty()) {
                continue;
            }
            // Drill down: name the keys of differing buckets whose digests differ.
            java.util.Set<Integer> drill = new java.util.HashSet<>(differing);
            java.util.Set<String> suspects = new java.util.HashSet<>();
            for (Map.Entry<String, Hash128> s : stateKeys.entrySet()) {
                if (drill.contains(RowHasher.bucket(s.getKey(), buckets))) {
                    MySqlReadBack.Observed o = mysql.get(s.getKey());
                    if (o == null || !digest(s.getKey(), o).equals(s.getValue())) {
                        suspects.add(s.getKey());
                    }
                }
            }
            for (String text : mysql.keySet()) {
                if (!stateKeys.containsKey(text)
                        && drill.contains(RowHasher.bucket(text, buckets))) {
                    suspects.add(text);
                }
            }
            for (String text : suspects) {
                String routingKey =
                        stateRouting.containsKey(text) ? stateRouting.get(text) : ownerOf.get(text);
                if (routingKey == null) {
                    continue;
                }
                if (unverified.containsKey(routingKey)) {
                    continue; // in flight: the regular check covers it
                }
                setCurrentKey(routingKey);
                KeyState st = keyState.value();
                if (st != null && st.is(KeyState.REPORTED)) {
                    consistent = false; // a known, already reported difference
                    continue;
                }
                consistent = false;
                Pending p = new Pending(started);
                p.checkpointId = 0;
                p.dueAt = started;
                p.detectedBy = "sweep";
                unverified.put(routingKey, p);
            }
            consistent = false; // a differing bucket is inconsistent even when all its keys are in
            // flight
        }
        lastSweepConsistent = consistent ? 1 : 0;
        lastSweepMillis = now() - started;
        runDueChecks();
    }

    private static Hash128 digest(String keyText, MySqlReadBack.Observed o) {
        return RowHasher.keyDigest(keyText, o.version == null ? -1 : o.version, o.hash);
    }

    /** The routing key under which this subtask judges a MySQL key, or {@code null}: not ours. */
    private String owner(
            String collection, String keyText, ColumnType keyType, java.util.Set<String> idTypes) {
        List<String> candidates = KeyTexts.candidates(collection, keyText, keyType);
        if (candidates.size() > 1 && !idTypes.isEmpty()) {
            List<String> seen = new ArrayList<>();
            for (String c : candidates) {
                if (idTypes.contains(KeyTexts.idType(c))) {
                    seen.add(c);
                }
            }
            if (!seen.isEmpty()) {
                candidates = seen;
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        try {
            for (String c : candidates) {
                if (owns(c)) {
                    setCurrentKey(c);
                    if (keyState.value() != null) {
                        return c;
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("Reading reconcile state failed", e);
        }
        return owns(candidates.get(0)) ? candidates.get(0) : null;
    }

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

    private static Hash128[] zeros(int n) {
        Hash128[] out = new Hash128[n];
        java.util.Arrays.fill(out, Hash128.ZERO);
        return out;
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection =
                    DriverManager.getConnection(
                            settings.jdbcUrl, settings.username, settings.password);
            connection.setAutoCommit(true);
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            MismatchTable.create(connection);
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
