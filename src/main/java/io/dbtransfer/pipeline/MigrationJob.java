package io.dbtransfer.pipeline;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.outputs.DeadLetterTable;
import io.dbtransfer.outputs.KafkaOutputs;
import io.dbtransfer.outputs.MismatchTable;
import io.dbtransfer.reconcile.ReconcileSettings;
import io.dbtransfer.sink.MySqlChangeSink;
import io.dbtransfer.sink.SinkOptions;
import io.dbtransfer.source.MongoSourceFactory;
import io.dbtransfer.source.SnapshotEstimates;
import io.dbtransfer.source.SourceProbe;

import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Builds the migration job from its configuration: checks both databases, prepares the target,
 * configures the environment and wires the pipeline with the real sources and outputs.
 */
public final class MigrationJob {

    private MigrationJob() {}

    /**
     * Checks both databases (clear errors when unreachable, unauthorized or missing), creates the
     * target tables, configures the environment and wires the pipeline.
     */
    public static void build(StreamExecutionEnvironment env, JobConfig config) {
        long snapshotVersion =
                SourceProbe.check(
                        config.get(JobOptions.MONGO_URI),
                        config.mongoPassword(),
                        config.get(JobOptions.MONGO_DATABASE),
                        config.collections());
        Preflight.check(config, env.getParallelism());
        // flink run -s sets execution.state-recovery.path; StateRecoveryOptions also reads the
        // deprecated execution.savepoint.path (SavepointConfigOptions) that older callers set.
        boolean restoring =
                env.getConfiguration().getOptional(StateRecoveryOptions.SAVEPOINT_PATH).isPresent();
        // The job's identity across re-runs of main() (JobManager failover in application mode:
        // same configuration, no savepoint path, the recovered job graph and checkpoint run and
        // this run's graph, snapshotVersion included, is discarded). See TargetPreparation.
        String fixedJobId =
                env.getConfiguration()
                        .getOptional(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID)
                        .orElse(null);
        KafkaOutputs kafka = KafkaOutputs.prepare(config);
        TargetPreparation.prepare(config, restoring, fixedJobId, snapshotVersion);
        JobEnvironment.configure(env, config);
        boolean reconcile = config.get(JobOptions.RECONCILE_ENABLED);
        PipelineSinks sinks =
                sinks(config)
                        .withDeadLetterTopic(kafka.deadLetterSink())
                        .withChangelogTopic(kafka.changelogSink())
                        .withMismatchTopic(kafka.mismatchSink());
        if (reconcile) {
            sinks =
                    sinks.withMismatches(
                            MismatchTable.sink(
                                    config.get(JobOptions.MYSQL_URL),
                                    config.get(JobOptions.MYSQL_USERNAME),
                                    config.mysqlPassword()));
        }
        MigrationPipeline.define(
                env,
                MongoSourceFactory.create(config, snapshotVersion),
                new DocumentNormalizer(config.mapping(), config.mismatchPolicy()),
                sinks,
                SnapshotEstimates.read(
                        config.get(JobOptions.MONGO_URI),
                        config.get(JobOptions.MONGO_DATABASE),
                        config.collections()),
                reconcile ? ReconcileSettings.from(config, snapshotVersion) : null,
                config.resnapshots(),
                config.options().getOptional(JobOptions.SOURCE_PARALLELISM).orElse(0));
    }

    /** The real sinks: the exactly-once (or idempotent) change sink and the dead-letter table. */
    public static PipelineSinks sinks(JobConfig config) {
        String url = config.get(JobOptions.MYSQL_URL);
        String user = config.get(JobOptions.MYSQL_USERNAME);
        String password = config.mysqlPassword();
        SinkOptions options =
                SinkOptions.builder()
                        .jdbcUrl(url)
                        .username(user)
                        .password(password)
                        .deliveryGuarantee(config.get(JobOptions.SINK_DELIVERY))
                        .batchSize(config.get(JobOptions.SINK_BATCH_SIZE))
                        .flushIntervalMs(config.get(JobOptions.SINK_FLUSH_INTERVAL).toMillis())
                        .transactionalIdPrefix(config.get(JobOptions.SINK_TRANSACTION_PREFIX))
                        .build();
        return new PipelineSinks(
                MySqlChangeSink.builder().options(options).mapping(config.mapping()).build(),
                DeadLetterTable.sink(url, user, password, 100));
    }
}
