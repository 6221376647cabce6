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

    /**
     * Checkpoint interval while a source reads its snapshot (FLIP-309 backlog, reported by {@link
     * io.dbtransfer.source.GuardedSource}) unless the cluster config sets {@code
     * execution.checkpointing.interval-during-backlog}: fewer, larger XA branches and fewer copies
     * of the reconcile state while nothing waits for low latency; the live phase keeps the regular
     * interval. Rows of the snapshot become visible at most this long after they were written, and
     * a failure replays at most this much of the snapshot.
     */
    public static final java.time.Duration BACKLOG_CHECKPOINT_INTERVAL =
            java.time.Duration.ofSeconds(10);

    private JobEnvironment() {}

    /**
     * Fixed max parallelism, no auto-generated uids, no Kryo fallback, exactly-once checkpoints
     * (the interval from the cluster config, else {@code job.checkpoint-interval}; during the
     * snapshot {@link #BACKLOG_CHECKPOINT_INTERVAL} unless the cluster config sets one).
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
                .getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL_DURING_BACKLOG)
                .isPresent()) {
            // Flink requires 0 or at least the regular interval.
            long backlog =
                    Math.max(
                            BACKLOG_CHECKPOINT_INTERVAL.toMillis(),
                            env.getCheckpointConfig().getCheckpointInterval());
            env.getCheckpointConfig().setCheckpointIntervalDuringBacklog(backlog);
        }
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
