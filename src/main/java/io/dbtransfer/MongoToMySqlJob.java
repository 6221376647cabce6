package io.dbtransfer;

import io.dbtransfer.config.ConfigException;
import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.deadletter.DeadLetterTable;
import io.dbtransfer.kafka.KafkaOutputs;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.normalize.RowChange;
import io.dbtransfer.pipeline.JobEnvironment;
import io.dbtransfer.pipeline.MigrationPipeline;
import io.dbtransfer.pipeline.OperatorUids;
import io.dbtransfer.pipeline.PipelineSinks;
import io.dbtransfer.pipeline.Preflight;
import io.dbtransfer.pipeline.TargetPreparation;
import io.dbtransfer.reconcile.MismatchRecord;
import io.dbtransfer.reconcile.MismatchTable;
import io.dbtransfer.reconcile.ReconcileSettings;
import io.dbtransfer.sink.DeliveryGuarantee;
import io.dbtransfer.sink.MySqlChangeSink;
import io.dbtransfer.sink.SinkOptions;
import io.dbtransfer.source.MongoSourceFactory;
import io.dbtransfer.source.SnapshotEstimates;
import io.dbtransfer.source.SourceProbe;

import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The DBtransfer Flink job: {@code flink run dbtransfer-job.jar --config job.yaml [--set k=v]…}.
 *
 * <p>A thin main: parse the configuration, check both databases, wire the pipeline, execute.
 */
public final class MongoToMySqlJob {

    private MongoToMySqlJob() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        JobConfig config;
        try {
            config = parseArgs(args);
            build(env, config);
        } catch (ConfigException e) {
            if (!(env instanceof LocalStreamEnvironment)) {
                // Inside Flink: `flink run` (the client) or, in application mode, the JobManager,
                // which runs main() again on every failover. System.exit there would end the
                // JobManager JVM (a crash loop on Kubernetes); thrown, Flink reports the message
                // as the application's failure.
                throw e;
            }
            // A plain `java ... MongoToMySqlJob`: one clear line and exit code 2.
            System.err.println("dbtransfer: " + e.getMessage());
            System.exit(2);
            return;
        }
        env.execute("DBtransfer " + config.get(JobOptions.MONGO_DATABASE));
    }

    /**
     * Parses {@code --config FILE}, {@code --set key=value} and the shortcuts {@code --mongo-uri},
     * {@code --mysql-url}, {@code --database}, {@code --collection}.
     */
    public static JobConfig parseArgs(String[] args) {
        Path file = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new ConfigException("Option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--config":
                    file = Path.of(v);
                    break;
                case "--set":
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new ConfigException("--set needs key=value, got '" + v + "'");
                    }
                    overrides.put(v.substring(0, eq), v.substring(eq + 1));
                    break;
                case "--mongo-uri":
                    overrides.put(JobOptions.MONGO_URI.key(), v);
                    break;
                case "--mysql-url":
                    overrides.put(JobOptions.MYSQL_URL.key(), v);
                    break;
                case "--database":
                    overrides.put(JobOptions.MONGO_DATABASE.key(), v);
                    break;
                case "--collection":
                    overrides.merge(JobOptions.MONGO_COLLECTIONS.key(), v, (x, y) -> x + ";" + y);
                    break;
                default:
                    throw new ConfigException(
                            "Unknown option "
                                    + a
                                    + "; use --config FILE, --set key=value, --mongo-uri,"
                                    + " --mysql-url, --database, --collection");
            }
        }
        return JobConfig.load(file, overrides);
    }

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
        SingleOutputStreamOperator<RowChange> rows =
                MigrationPipeline.define(
                        env,
                        MongoSourceFactory.create(config, snapshotVersion),
                        new DocumentNormalizer(config.mapping(), config.mismatchPolicy()),
                        kafka.withDeadLetterTopic(sinks(config)),
                        SnapshotEstimates.read(
                                config.get(JobOptions.MONGO_URI),
                                config.mongoPassword(),
                                config.get(JobOptions.MONGO_DATABASE),
                                config.collections()),
                        reconcile ? ReconcileSettings.from(config) : null);
        DataStream<MismatchRecord> mismatches = null;
        if (reconcile) {
            mismatches = MigrationPipeline.mismatches(rows);
            mismatches
                    .sinkTo(
                            MismatchTable.sink(
                                    config.get(JobOptions.MYSQL_URL),
                                    config.get(JobOptions.MYSQL_USERNAME),
                                    config.mysqlPassword()))
                    .uid(OperatorUids.MISMATCH_SINK)
                    .name(OperatorUids.MISMATCH_SINK_NAME);
        }
        kafka.attach(rows, mismatches);
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
                        .deliveryGuarantee(
                                config.get(JobOptions.SINK_DELIVERY)
                                                == JobOptions.Delivery.IDEMPOTENT
                                        ? DeliveryGuarantee.IDEMPOTENT
                                        : DeliveryGuarantee.EXACTLY_ONCE)
                        .batchSize(config.get(JobOptions.SINK_BATCH_SIZE))
                        .flushIntervalMs(config.get(JobOptions.SINK_FLUSH_INTERVAL).toMillis())
                        .transactionalIdPrefix(config.get(JobOptions.SINK_TRANSACTION_PREFIX))
                        .build();
        return new PipelineSinks(
                MySqlChangeSink.builder().options(options).mapping(config.mapping()).build(),
                DeadLetterTable.sink(url, user, password, 100));
    }
}
