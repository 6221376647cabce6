package io.dbtransfer.pipeline;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Applies the settings every DBtransfer job relies on to an execution environment. */
public final class JobEnvironment {

    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(JobEnvironment.class);

    private JobEnvironment() {}

    /**
     * Fixed max parallelism, no auto-generated uids, no Kryo fallback, exactly-once checkpoints
     * (the interval from the cluster config, else {@code job.checkpoint-interval}).
     *
     * <p>The snapshot is reported to Flink as backlog ({@link io.dbtransfer.source.GuardedSource}),
     * so the cluster config's {@code execution.checkpointing.interval-during-backlog} paces the
     * snapshot's checkpoints when set. The job sets no default: measured on 200,000 documents a 10
     * s backlog interval delayed the first visible rows by the interval and left the rate after
     * them unchanged (benchmarks/results/throughput-2026-12-02.md).
     */
    public static void configure(StreamExecutionEnvironment env, JobConfig config) {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        env.configure(conf);
        env.setMaxParallelism(config.get(JobOptions.MAX_PARALLELISM));
        if (!env.getCheckpointConfig().isCheckpointingEnabled()) {
            env.enableCheckpointing(config.get(JobOptions.CHECKPOINT_INTERVAL).toMillis());
        }
        env.getCheckpointConfig().setCheckpointingConsistencyMode(CheckpointingMode.EXACTLY_ONCE);
        if (!env.getConfiguration()
                        .getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY)
                        .isPresent()
                && !env.getConfiguration()
                        .getOptional(CheckpointingOptions.CHECKPOINT_STORAGE)
                        .isPresent()) {
            LOG.warn(
                    "No checkpoint directory is configured ({}): Flink keeps checkpoints in the"
                            + " JobManager's memory, which refuses state above 5 MB — the reconcile"
                            + " state of a few hundred thousand documents — and cannot resume after a"
                            + " JobManager restart. Set {} to a durable file system path (see"
                            + " flink-conf/config.yaml).",
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY.key(),
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY.key());
        }
    }

    /**
     * The cluster-level settings a local run (demo, migrate, tests) starts its MiniCluster with.
     */
    public static Configuration localCluster(String checkpointDir) {
        Configuration conf = new Configuration();
        if (checkpointDir != null) {
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir);
        }
        conf.setString("restart-strategy.type", "fixed-delay");
        conf.setString("restart-strategy.fixed-delay.attempts", "5");
        conf.setString("restart-strategy.fixed-delay.delay", "2 s");
        return conf;
    }
}
