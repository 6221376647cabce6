package io.dbtransfer;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.pipeline.MigrationJob;

import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

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
            config = JobConfig.fromArgs(args);
            MigrationJob.build(env, config);
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
}
