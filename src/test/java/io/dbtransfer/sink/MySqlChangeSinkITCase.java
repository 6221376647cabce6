package io.dbtransfer.sink;

import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.ColumnType.Kind;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.DeliveryGuarantee;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TestMySql;
import io.dbtransfer.testing.TestTarget;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.dbtransfer.sink.SinkFixtures.MAPPING;
import static io.dbtransfer.sink.SinkFixtures.VERSION_BASE;
import static io.dbtransfer.sink.SinkFixtures.actualTables;
import static io.dbtransfer.sink.SinkFixtures.delete;
import static io.dbtransfer.sink.SinkFixtures.expectedTables;
import static io.dbtransfer.sink.SinkFixtures.preparedBranches;
import static io.dbtransfer.sink.SinkFixtures.replay;
import static io.dbtransfer.sink.SinkFixtures.upsert;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sink in Flink jobs on a MiniCluster against the shared test MySQL and PostgreSQL, in both
 * modes.
 */
@ExtendWith(SharedMiniCluster.class)
class MySqlChangeSinkITCase {

    private static final InMemoryReporter METRICS = SharedMiniCluster.METRICS;

    private static final int SINK_PARALLELISM = 2;

    private static SinkOptions options(String url, DeliveryGuarantee g, String prefix, int batch) {
        return SinkOptions.builder()
                .jdbcUrl(url)
                .deliveryGuarantee(g)
                .transactionalIdPrefix(prefix)
                .batchSize(batch)
                .flushIntervalMs(200)
                .build();
    }

    private static StreamExecutionEnvironment env(int restarts, long checkpointMs) {
        Configuration conf = new Configuration();
        if (restarts == 0) {
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        } else {
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restarts);
            conf.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                    Duration.ofMillis(100));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.enableCheckpointing(checkpointMs);
        return env;
    }

    private static Sink<RowChange> sink(SinkOptions options) {
        return sink(options, MAPPING);
    }

    private static Sink<RowChange> sink(SinkOptions options, Mapping mapping) {
        return MySqlChangeSink.builder().options(options).mapping(mapping).build();
    }

    /** Source (parallelism 1) → keyBy(document) → sink (parallelism 2). */
    private static JobID runJob(List<RowChange> changes, SinkOptions options) throws Exception {
        return runJob(changes, options, MAPPING);
    }

    private static JobID runJob(List<RowChange> changes, SinkOptions options, Mapping mapping)
            throws Exception {
        StreamExecutionEnvironment env = env(0, 100);
        env.fromData(changes)
                .keyBy(RowChange::routingKey)
                .sinkTo(sink(options, mapping))
                .setParallelism(SINK_PARALLELISM);
        return env.execute("sink test").getJobID();
    }

    /** A writer counter summed over the job's subtasks. */
    private static long counter(JobID job, String name) {
        return METRICS.findMetrics(job, name).values().stream()
                .mapToLong(m -> ((Counter) m).getCount())
                .sum();
    }

    private static void assertTablesEqualReplayOf(String url, List<RowChange> ops)
            throws SQLException {
        try (Connection conn = TestMySql.connect(url)) {
            assertThat(actualTables(conn)).isEqualTo(expectedTables(replay(ops)));
        }
    }

    private static void assertNoPreparedBranches(String url, String prefix) throws SQLException {
        try (Connection conn = TestMySql.connect(url)) {
            assertThat(preparedBranches(conn, prefix)).isEmpty();
        }
    }

    /** Every target with every delivery mode. */
    static Stream<Arguments> targetsAndModes() {
        Stream.Builder<Arguments> out = Stream.builder();
        for (TestTarget t : TestTarget.values()) {
            for (DeliveryGuarantee g : DeliveryGuarantee.values()) {
                out.add(Arguments.of(t, g));
            }
        }
        return out.build();
    }

    @ParameterizedTest
    @MethodSource("targetsAndModes")
    void upsertsDeletesAndChildSetsEndAsTheNewestChangeOfEachKey(
            TestTarget target, DeliveryGuarantee g) throws Exception {
        String url = target.newDatabase("basic_" + g);
        long v = VERSION_BASE;
        List<RowChange> ops = new ArrayList<>();
        // Growing and shrinking child sets.
        ops.add(upsert("a", v + 1, 3, 1));
        ops.add(upsert("a", v + 2, 1, 2));
        ops.add(upsert("a", v + 3, 0, 3));
        ops.add(upsert("a", v + 4, 2, 4));
        // Upsert then delete: no row, no children, a tombstone.
        ops.add(upsert("b", v + 1, 3, 5));
        ops.add(delete("b", v + 2));
        // Delete then re-insert.
        ops.add(delete("c", v + 1));
        ops.add(upsert("c", v + 2, 2, 6));
        // Out of order: the newest version wins, whatever arrives last.
        ops.add(upsert("d", v + 3, 1, 7));
        ops.add(upsert("d", v + 1, 3, 8));
        ops.add(upsert("d", v + 2, 2, 9));
        // Plenty of keys so that both subtasks and several batches are involved.
        for (int i = 0; i < 200; i++) {
            ops.add(upsert("e" + i, v + 1, i % 4, 100 + i));
            if (i % 7 == 0) {
                ops.add(delete("e" + i, v + 2));
            }
        }
        runJob(ops, options(url, g, "basic-" + g, 3));
        assertTablesEqualReplayOf(url, ops);
        assertNoPreparedBranches(url, "basic-" + g);
    }

    @ParameterizedTest
    @MethodSource("targetsAndModes")
    void olderChangesNeverOverwriteNewerRowsNorResurrectDeletedOnes(
            TestTarget target, DeliveryGuarantee g) throws Exception {
        String url = target.newDatabase("guard_" + g);
        SinkOptions o = options(url, g, "guard-" + g, 1);
        long v = VERSION_BASE;
        List<RowChange> all = new ArrayList<>();

        List<RowChange> first =
                List.of(
                        upsert("k1", v + 10, 2, 1),
                        upsert("k2", v + 10, 1, 2),
                        delete("k3", v + 10));
        runJob(first, o);
        all.addAll(first);
        assertTablesEqualReplayOf(url, all);

        // Each is older than what MySQL holds: row k1, row k2, tombstone k3.
        List<RowChange> stale =
                List.of(upsert("k1", v + 5, 3, 3), delete("k2", v + 7), upsert("k3", v + 5, 1, 4));
        runJob(stale, o);
        all.addAll(stale);
        assertTablesEqualReplayOf(url, all);

        // A delete after an upsert, a re-insert after a delete, an equal version rewrites.
        List<RowChange> newer =
                List.of(
                        delete("k1", v + 20),
                        upsert("k3", v + 30, 2, 5),
                        upsert("k2", v + 10, 3, 6));
        runJob(newer, o);
        all.addAll(newer);
        assertTablesEqualReplayOf(url, all);
        try (Connection conn = TestMySql.connect(url)) {
            assertThat(SinkFixtures.readTable(conn, SinkFixtures.PARTS, false))
                    .extracting(row -> row.get(0))
                    .containsOnly("k2", "k3");
        }

        // A replayed insert older than the delete does not bring k1 back.
        List<RowChange> replayed = List.of(upsert("k1", v + 10, 2, 1), upsert("k1", v + 15, 1, 7));
        runJob(replayed, o);
        all.addAll(replayed);
        assertTablesEqualReplayOf(url, all);
        try (Connection conn = TestMySql.connect(url);
                Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM items WHERE _id = 'k1'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
        assertNoPreparedBranches(url, "guard-" + g);
    }

    /** Throws once, when it sees the change with a given version. */
    static final class FailOnce implements MapFunction<RowChange, RowChange> {
        static final Map<String, AtomicInteger> FAILURES = new ConcurrentHashMap<>();
        private final String testId;
        private final long failAtVersion;

        FailOnce(String testId, long failAtVersion) {
            this.testId = testId;
            this.failAtVersion = failAtVersion;
            FAILURES.put(testId, new AtomicInteger());
        }

        @Override
        public RowChange map(RowChange c) {
            if (c.version == failAtVersion && FAILURES.get(testId).getAndIncrement() == 0) {
                throw new IllegalStateException("Injected failure at " + c);
            }
            return c;
        }
    }

    private static DataStream<RowChange> workload(
            StreamExecutionEnvironment env, int ops, int keys, double perSecond) {
        DataGeneratorSource<RowChange> source =
                new DataGeneratorSource<>(
                        i -> SinkFixtures.workloadOp(i, keys),
                        ops,
                        RateLimiterStrategy.perSecond(perSecond),
                        TypeInformation.of(RowChange.class));
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "changes")
                .setParallelism(1);
    }

    private static List<RowChange> workloadOps(int ops, int keys) {
        List<RowChange> out = new ArrayList<>(ops);
        for (long i = 0; i < ops; i++) {
            out.add(SinkFixtures.workloadOp(i, keys));
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("targetsAndModes")
    void aFailureMidStreamEndsInTheStateOfASequentialReplay(TestTarget target, DeliveryGuarantee g)
            throws Exception {
        String url = target.newDatabase("failover_" + g);
        String testId = "failover-" + g;
        int ops = 30_000;
        int keys = 500;
        StreamExecutionEnvironment env = env(2, 300);
        workload(env, ops, keys, 10_000)
                .map(new FailOnce(testId, VERSION_BASE + 17_000))
                .setParallelism(1)
                .keyBy(RowChange::routingKey)
                .sinkTo(sink(options(url, g, "failover-" + g, 1000)))
                .setParallelism(SINK_PARALLELISM);
        env.execute("failover " + g);

        assertThat(FailOnce.FAILURES.get(testId).get()).isGreaterThanOrEqualTo(1);
        assertTablesEqualReplayOf(url, workloadOps(ops, keys));
        assertNoPreparedBranches(url, "failover-" + g);
    }

    /**
     * Chained in front of the sink writer: at the snapshot of checkpoint 3 or later (after the
     * writer has prepared its branch) it checks once what other sessions see, then fails the task
     * before the checkpoint can complete.
     */
    static final class ProbeAfterPrepareThenFail extends RichMapFunction<RowChange, RowChange>
            implements CheckpointedFunction {
        static final Map<String, Probe> PROBES = new ConcurrentHashMap<>();
        private final String testId;
        private final String url;
        private final String prefix;
        private final boolean snapshotPhase;
        private transient Map<String, Long> firstVersionSinceSnapshot;

        ProbeAfterPrepareThenFail(String testId, String url, String prefix) {
            this(testId, url, prefix, false);
        }

        /** {@code snapshotPhase}: marks every change as read by the snapshot phase. */
        ProbeAfterPrepareThenFail(String testId, String url, String prefix, boolean snapshotPhase) {
            this.testId = testId;
            this.url = url;
            this.prefix = prefix;
            this.snapshotPhase = snapshotPhase;
            PROBES.put(testId, new Probe());
        }

        @Override
        public RowChange map(RowChange c) {
            c.snapshot = snapshotPhase;
            firstVersionSinceSnapshot.putIfAbsent(c.key, c.version);
            return c;
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {
            firstVersionSinceSnapshot = new HashMap<>();
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            Probe probe = PROBES.get(testId);
            if (context.getCheckpointId() >= 3
                    && !firstVersionSinceSnapshot.isEmpty()
                    && probe.fired.compareAndSet(false, true)) {
                int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
                try (Connection conn = TestMySql.connect(url)) {
                    for (XaTransactionId xid : SinkFixtures.recover(conn)) {
                        if (xid.subtaskIndex(prefix) == subtask) {
                            probe.preparedBranchOfThisSubtask = true;
                        }
                    }
                    try (PreparedStatement ps =
                            conn.prepareStatement("SELECT _src_version FROM items WHERE _id = ?")) {
                        for (Map.Entry<String, Long> e : firstVersionSinceSnapshot.entrySet()) {
                            ps.setString(1, e.getKey());
                            try (ResultSet rs = ps.executeQuery()) {
                                if (rs.next()
                                        && Long.compareUnsigned(
                                                        Long.parseUnsignedLong(rs.getString(1)),
                                                        e.getValue())
                                                >= 0) {
                                    probe.visible.add(e.getKey());
                                }
                            }
                            probe.checked.incrementAndGet();
                        }
                    }
                }
                throw new IllegalStateException(
                        "Injected failure after the prepare of checkpoint "
                                + context.getCheckpointId());
            }
            firstVersionSinceSnapshot.clear();
        }
    }

    /** What {@link ProbeAfterPrepareThenFail} saw. */
    static final class Probe {
        final AtomicBoolean fired = new AtomicBoolean();
        final AtomicInteger checked = new AtomicInteger();
        final List<String> visible = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile boolean preparedBranchOfThisSubtask;
    }

    @ParameterizedTest
    @EnumSource(TestTarget.class)
    void aFailureBetweenPrepareAndCommitShowsNothingAndLosesNothing(TestTarget target)
            throws Exception {
        String url = target.newDatabase("precommit_failure");
        String testId = "precommit";
        int ops = 8_000;
        int keys = 300;
        StreamExecutionEnvironment env = env(2, 300);
        workload(env, ops, keys, 4_000)
                .keyBy(RowChange::routingKey)
                .map(new ProbeAfterPrepareThenFail(testId, url, "precommit"))
                .setParallelism(SINK_PARALLELISM)
                .sinkTo(sink(options(url, DeliveryGuarantee.EXACTLY_ONCE, "precommit", 1000)))
                .setParallelism(SINK_PARALLELISM);
        env.execute("failure between prepare and commit");

        Probe probe = ProbeAfterPrepareThenFail.PROBES.get(testId);
        assertThat(probe.fired).isTrue();
        assertThat(probe.preparedBranchOfThisSubtask).isTrue();
        assertThat(probe.checked.get()).isPositive();
        assertThat(probe.visible).isEmpty();
        assertTablesEqualReplayOf(url, workloadOps(ops, keys));
        assertNoPreparedBranches(url, "precommit");
    }

    /**
     * Idempotent mode writes snapshot-phase changes only once their checkpoint completed: a chunk
     * read again after a failure must not meet rows of its first read (a document deleted between
     * the reads would keep its row for good, see {@code SnapshotFailoverITCase}). At the snapshot
     * of checkpoint 3 or later, after the writer's pre-barrier flush, none of the changes since the
     * previous checkpoint is visible; the task then fails, and the restored job still ends in the
     * state of a sequential replay.
     */
    @ParameterizedTest
    @EnumSource(TestTarget.class)
    void idempotentSnapshotChangesStayInvisibleUntilTheirCheckpointCompletes(TestTarget target)
            throws Exception {
        String url = target.newDatabase("held_snapshot");
        String testId = "held-snapshot-" + target;
        int ops = 8_000;
        int keys = 300;
        StreamExecutionEnvironment env = env(2, 300);
        workload(env, ops, keys, 4_000)
                .keyBy(RowChange::routingKey)
                .map(new ProbeAfterPrepareThenFail(testId, url, "held", true))
                .setParallelism(SINK_PARALLELISM)
                .sinkTo(sink(options(url, DeliveryGuarantee.IDEMPOTENT, "held", 100)))
                .setParallelism(SINK_PARALLELISM);
        env.execute("idempotent snapshot changes held until their checkpoint completes");

        Probe probe = ProbeAfterPrepareThenFail.PROBES.get(testId);
        assertThat(probe.fired).isTrue();
        assertThat(probe.checked.get()).isPositive();
        assertThat(probe.visible).isEmpty();
        assertTablesEqualReplayOf(url, workloadOps(ops, keys));
    }

    @Test
    void identifiersWithBackticksQuotesSpacesAndReservedWordsWork() throws Exception {
        String url = TestMySql.newDatabase("identifiers");
        TableSpec child =
                new TableSpec(
                        "we`ird child",
                        List.of(
                                SinkFixtures.col("parent id", ColumnType.varchar(20)),
                                SinkFixtures.col("order", ColumnType.of(Kind.INT)),
                                SinkFixtures.col("value`s", ColumnType.varchar(10))),
                        2);
        TableSpec parent =
                new TableSpec(
                        "we`ird \"tab'le\" select",
                        List.of(
                                SinkFixtures.col("_id", ColumnType.varchar(20)),
                                SinkFixtures.col("select", ColumnType.of(Kind.INT)),
                                SinkFixtures.col("col with space", ColumnType.varchar(20)),
                                SinkFixtures.col("back`tick", ColumnType.decimal(5, 1)),
                                SinkFixtures.col("naïve 'quote'", ColumnType.of(Kind.BOOLEAN))),
                        1,
                        List.of(child));
        Mapping mapping = new Mapping(Map.of("weird", parent));
        List<RowChange> ops =
                List.of(
                        weird(parent, "p1", 1, "7", "a b", "1.5", "1", "x", "y"),
                        weird(parent, "p2", 1, null, "`", "-2.0", "0", "z"),
                        RowChange.delete("weird", parent.name, "p2", 2, new String[] {"p2"}),
                        weird(parent, "p3", 1, "9", "'\"", "0.0", "1"));
        runJob(ops, options(url, DeliveryGuarantee.EXACTLY_ONCE, "identifiers", 2), mapping);

        try (Connection conn = TestMySql.connect(url)) {
            assertThat(SinkFixtures.readTable(conn, parent, true))
                    .containsExactly(
                            List.of("p1", "7", "a b", "1.5", "1", "1"),
                            List.of("p3", "9", "'\"", "0.0", "1", "1"));
            assertThat(SinkFixtures.readTable(conn, child, false))
                    .containsExactly(List.of("p1", "0", "x"), List.of("p1", "1", "y"));
            assertThat(
                            SinkFixtures.query(
                                    conn, "SELECT tbl, pk, version FROM _dbtransfer_tombstone", 3))
                    .containsExactly(List.of(parent.name, "[\"p2\"]", "2"));
        }
        assertNoPreparedBranches(url, "identifiers");
    }

    @Test
    void theDocumentedPrivilegesAreEnoughForExactlyOnceAndRecovery() throws Exception {
        String url = TestMySql.newDatabase("grants");
        String database = url.replaceFirst("^[^/]*//[^/]*/([^?]*).*$", "$1");
        String user = "sink_" + database.substring(database.length() - 6).replaceAll("\\W", "_");
        try (Connection conn = TestMySql.connect(url);
                Statement s = conn.createStatement()) {
            s.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'pw'");
            s.execute(
                    "GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON `"
                            + database
                            + "`.* TO '"
                            + user
                            + "'@'%'");
            if (!TestMySql.isMariaDb()) {
                s.execute("GRANT XA_RECOVER_ADMIN ON *.* TO '" + user + "'@'%'");
            }
        }
        String withoutCredentials = url.replaceAll("(?<=[?&])(user|password)=[^&]*&?", "");
        try {
            SchemaManager.createTables(withoutCredentials, user, "pw", MAPPING);
            XaTransactionId orphan = XaTransactionId.of("grants", 0, 3);
            try (Connection conn = MySqlConnections.open(withoutCredentials, user, "pw", true)) {
                XaOperations.start(conn, orphan);
                try (Statement s = conn.createStatement()) {
                    s.execute("INSERT INTO items (_id, _src_version) VALUES ('orphan', 1)");
                }
                XaOperations.end(conn, orphan);
                XaOperations.prepare(conn, orphan);
            }
            List<RowChange> ops = workloadOps(500, 60);
            SinkOptions o =
                    options(withoutCredentials, DeliveryGuarantee.EXACTLY_ONCE, "grants", 40)
                            .toBuilder()
                            .username(user)
                            .password("pw")
                            .build();
            runJob(ops, o);
            assertTablesEqualReplayOf(url, ops);
            assertNoPreparedBranches(url, "grants");
        } finally {
            try (Connection conn = TestMySql.connect(url);
                    Statement s = conn.createStatement()) {
                s.execute("DROP USER '" + user + "'@'%'");
            }
        }
    }

    @Test
    void tombstonesOlderThanTheRetentionArePurged() throws Exception {
        String url = TestMySql.newDatabase("purge");
        SchemaManager.createTables(url, null, null, MAPPING);
        try (Connection conn = TestMySql.connect(url);
                Statement s = conn.createStatement()) {
            s.execute(
                    "INSERT INTO _dbtransfer_tombstone (tbl, pk, version, deleted_at) VALUES"
                            + " ('items', '[\"old\"]', 5, CURRENT_TIMESTAMP(3) - INTERVAL 2 DAY),"
                            + " ('items', '[\"new\"]', 6, CURRENT_TIMESTAMP(3) - INTERVAL 2 HOUR)");
        }
        SinkOptions o =
                options(url, DeliveryGuarantee.IDEMPOTENT, "purge", 10).toBuilder()
                        .tombstoneRetentionMs(Duration.ofDays(1).toMillis())
                        .build();
        JobID job = runJob(List.of(upsert("a", VERSION_BASE, 0, 1)), o);
        try (Connection conn = TestMySql.connect(url)) {
            assertThat(
                            SinkFixtures.query(
                                    conn, "SELECT tbl, pk, version FROM _dbtransfer_tombstone", 3))
                    .containsExactly(List.of("items", "[\"new\"]", "6"));
        }
        assertThat(counter(job, "tombstonesPurged")).isEqualTo(1);
    }

    private static RowChange weird(
            TableSpec parent,
            String id,
            long version,
            String select,
            String space,
            String tick,
            String flag,
            String... children) {
        String[][] rows = new String[children.length][];
        for (int i = 0; i < children.length; i++) {
            rows[i] = new String[] {id, Integer.toString(i), children[i]};
        }
        return RowChange.upsert(
                "weird",
                parent.name,
                id,
                version,
                new String[] {id, select, space, tick, flag},
                new ChildRows[] {new ChildRows(parent.children.get(0).name, rows)});
    }

    private static void leavePreparedBranch(String url, XaTransactionId xid, String id)
            throws SQLException {
        try (Connection conn = TestMySql.connect(url)) {
            XaOperations.start(conn, xid);
            try (Statement s = conn.createStatement()) {
                s.execute(
                        "INSERT INTO items (_id, name, _src_version) VALUES ('"
                                + id
                                + "', 'orphan', 1)");
            }
            XaOperations.end(conn, xid);
            XaOperations.prepare(conn, xid);
        }
    }

    @Test
    void orphanedBranchesOfThisSinkAreRolledBackOnAFreshStartAndNoOthers() throws Exception {
        String url = TestMySql.newDatabase("orphans");
        SchemaManager.createTables(url, null, null, MAPPING);
        XaTransactionId own = XaTransactionId.of("orphans", 1, 7);
        XaTransactionId beyondParallelism = XaTransactionId.of("orphans", 5, 3);
        XaTransactionId foreign = XaTransactionId.of("orphans-other", 0, 7);
        leavePreparedBranch(url, own, "orphan-own");
        leavePreparedBranch(url, beyondParallelism, "orphan-beyond");
        leavePreparedBranch(url, foreign, "foreign");
        try {
            List<RowChange> ops = workloadOps(300, 50);
            runJob(ops, options(url, DeliveryGuarantee.EXACTLY_ONCE, "orphans", 50));

            assertTablesEqualReplayOf(url, ops);
            assertNoPreparedBranches(url, "orphans");
            try (Connection conn = TestMySql.connect(url)) {
                assertThat(preparedBranches(conn, "orphans-other"))
                        .containsExactly(foreign.toString());
            }
        } finally {
            try (Connection conn = TestMySql.connect(url)) {
                XaOperations.rollback(conn, foreign);
            }
        }
    }
}
