package io.dbtransfer.bench;

import org.apache.flink.configuration.Configuration;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One job configuration of the trade-off table. */
final class Variant {
    final String delivery;
    final int parallelism;
    final String checkpointInterval;
    final int batchSize;
    final boolean injectFailure;
    final boolean reconcile;

    /** {@code hashmap} or {@code rocksdb} (then with incremental checkpoints). */
    final String stateBackend;

    /**
     * {@code execution.checkpointing.interval-during-backlog}, or null for the regular interval.
     */
    final String backlogInterval;

    /** Job settings this variant adds (e.g. {@code source.parallelism}), in the order given. */
    final Map<String, String> settings;

    /** What the report calls this variant. */
    final String name;

    private Variant(
            String delivery,
            int parallelism,
            String checkpointInterval,
            int batchSize,
            boolean injectFailure,
            boolean reconcile,
            String stateBackend,
            String backlogInterval,
            Map<String, String> settings) {
        this.delivery = delivery;
        this.parallelism = parallelism;
        this.checkpointInterval = checkpointInterval;
        this.batchSize = batchSize;
        this.injectFailure = injectFailure;
        this.reconcile = reconcile;
        this.stateBackend = stateBackend;
        this.backlogInterval = backlogInterval;
        this.settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        StringBuilder extra = new StringBuilder();
        settings.forEach((k, v) -> extra.append("; ").append(k).append(": ").append(v));
        this.name =
                String.format(
                        "%s, p=%d, checkpoint %s, batch %d%s%s; %s, snapshot checkpoints %s%s",
                        delivery,
                        parallelism,
                        checkpointInterval,
                        batchSize,
                        injectFailure ? ", failure mid-snapshot" : "",
                        reconcile ? "" : ", reconciliation off",
                        stateBackend.equals("rocksdb") ? "RocksDB incremental" : "heap state",
                        backlogInterval == null ? "at that interval" : "every " + backlogInterval,
                        extra);
    }

    /**
     * The baseline: exactly-once, p=2, checkpoint 1 s, batch 1000, reconciliation on, with the
     * state backend and snapshot checkpoint interval of the shipped configuration ({@code
     * flink-conf/config.yaml}) unless {@code -Ddbtransfer.bench.state-backend} / {@code
     * -Ddbtransfer.bench.backlog-interval} (empty: the regular interval) say otherwise.
     */
    static Variant baseline() {
        String backlog = System.getProperty("dbtransfer.bench.backlog-interval", "10 s");
        return new Variant(
                "exactly-once",
                2,
                "1 s",
                1000,
                false,
                true,
                System.getProperty("dbtransfer.bench.state-backend", "rocksdb"),
                backlog.isBlank() ? null : backlog,
                Map.of());
    }

    /**
     * Every variant the benchmark knows, by the key {@code --variants} names it with; the first is
     * the baseline. Each differs from the baseline in what its key says.
     */
    static Map<String, Variant> catalogue() {
        Variant b = baseline();
        Map<String, Variant> all = new LinkedHashMap<>();
        all.put("baseline", b);
        all.put(
                "reconcile-off",
                b.with(b.delivery, b.parallelism, b.checkpointInterval, 1000, false, false));
        all.put("idempotent", b.with("idempotent", 2, "1 s", 1000, false, true));
        all.put("p1", b.with("exactly-once", 1, "1 s", 1000, false, true));
        all.put("p4", b.with("exactly-once", 4, "1 s", 1000, false, true));
        all.put("checkpoint-5s", b.with("exactly-once", 2, "5 s", 1000, false, true));
        all.put("batch-200", b.with("exactly-once", 2, "1 s", 200, false, true));
        all.put("failure", b.with("exactly-once", 2, "1 s", 1000, true, true));
        all.put("idempotent-failure", b.with("idempotent", 2, "1 s", 1000, true, true));
        all.put("heap", b.state("hashmap", b.backlogInterval));
        all.put("heap-backlog-off", b.state("hashmap", null));
        all.put("rocksdb", b.state("rocksdb", b.backlogInterval));
        all.put("rocksdb-backlog-off", b.state("rocksdb", null));
        // More snapshot readers than processing subtasks (Flink CDC reads a chunk whole, then
        // hands it on): 4 readers of the benchmark's 8 MB chunks, of 32 MB and of 4 MB chunks.
        all.put("source-p4", b.setting("source.parallelism", "4"));
        all.put(
                "source-p4-32mb",
                b.setting("source.parallelism", "4").setting("source.split-size-mb", "32"));
        all.put(
                "source-p4-4mb",
                b.setting("source.parallelism", "4").setting("source.split-size-mb", "4"));
        return all;
    }

    /** The variants of {@code keys} (comma-separated catalogue keys), in that order. */
    static List<Variant> select(String keys) {
        Map<String, Variant> all = catalogue();
        List<Variant> out = new ArrayList<>();
        for (String key : keys.split(",")) {
            Variant v = all.get(key.trim());
            if (v == null) {
                throw new IllegalArgumentException(
                        "--variants: unknown variant '"
                                + key.trim()
                                + "'; known: "
                                + String.join(", ", all.keySet()));
            }
            out.add(v);
        }
        return out;
    }

    /** The trade-off table: the baseline and the variants that change one guarantee or knob. */
    static final String TRADEOFFS =
            "baseline,reconcile-off,idempotent,p1,checkpoint-5s,batch-200,failure,"
                    + "idempotent-failure";

    private Variant with(
            String delivery,
            int parallelism,
            String checkpointInterval,
            int batchSize,
            boolean injectFailure,
            boolean reconcile) {
        return new Variant(
                delivery,
                parallelism,
                checkpointInterval,
                batchSize,
                injectFailure,
                reconcile,
                stateBackend,
                backlogInterval,
                settings);
    }

    private Variant state(String backend, String backlog) {
        return copy(backend, backlog, settings);
    }

    /** This variant with one more job setting. */
    private Variant setting(String key, String value) {
        Map<String, String> more = new LinkedHashMap<>(settings);
        more.put(key, value);
        return copy(stateBackend, backlogInterval, more);
    }

    private Variant copy(String backend, String backlog, Map<String, String> jobSettings) {
        return new Variant(
                delivery,
                parallelism,
                checkpointInterval,
                batchSize,
                injectFailure,
                reconcile,
                backend,
                backlog,
                jobSettings);
    }

    /**
     * Sets the keyed state backend {@code backend} ({@code hashmap}, or {@code rocksdb} with
     * incremental checkpoints) in {@code conf}; one place for every benchmark's job.
     */
    static void configureStateBackend(Configuration conf, String backend) {
        conf.setString("state.backend.type", backend);
        if (backend.equals("rocksdb")) {
            conf.setString("state.backend.incremental", "true");
        }
    }
}
