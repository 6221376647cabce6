package io.dbtransfer.cli;

import io.dbtransfer.MongoToMySqlJob;
import io.dbtransfer.config.ConfigException;
import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.pipeline.JobEnvironment;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bin/dbtransfer migrate}: the job in a local Flink MiniCluster against real servers, for
 * users without a Flink cluster. Checkpoints are kept in {@code --checkpoint-dir}, so a stopped
 * migration resumes with {@code --from-savepoint <checkpoint dir>/<job id>/chk-N}.
 */
final class MigrateCommand {
    private final String[] args;

    MigrateCommand(String[] args) {
        this.args = args;
    }

    int run() throws Exception {
        JobClient job = start();
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        job.cancel().get();
                                    } catch (Exception ignored) {
                                        // shutting down anyway
                                    }
                                }));
        job.getJobExecutionResult().get();
        return 0;
    }

    /** Checks both sides, starts the job in a local MiniCluster and returns its client. */
    JobClient start() throws Exception {
        List<String> jobArgs = new ArrayList<>();
        String checkpointDir = "target/migrate-checkpoints";
        String resume = null;
        int parallelism = 2;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new ConfigException("Option " + a + " needs a value");
            }
            switch (a) {
                case "--checkpoint-dir":
                    checkpointDir = args[++i];
                    break;
                case "--from-savepoint":
                    resume = args[++i];
                    break;
                case "--parallelism":
                    try {
                        parallelism = Integer.parseInt(args[++i]);
                    } catch (NumberFormatException e) {
                        throw new ConfigException("--parallelism needs a whole number");
                    }
                    break;
                default:
                    jobArgs.add(a);
                    jobArgs.add(args[++i]);
            }
        }
        JobConfig config = MongoToMySqlJob.parseArgs(jobArgs.toArray(new String[0]));
        Configuration cluster =
                JobEnvironment.localCluster(
                        Path.of(checkpointDir).toAbsolutePath().toUri().toString());
        cluster.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (resume != null) {
            cluster.set(SavepointConfigOptions.SAVEPOINT_PATH, resume);
        }
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, cluster);
        MongoToMySqlJob.build(env, config);
        JobClient job = env.executeAsync("DBtransfer " + config.get(JobOptions.MONGO_DATABASE));
        System.out.println(
                "Migrating "
                        + config.collections()
                        + " → "
                        + io.dbtransfer.config.Redact.uri(config.get(JobOptions.MYSQL_URL))
                        + " (job "
                        + job.getJobID()
                        + "). Checkpoints: "
                        + checkpointDir
                        + "/"
                        + job.getJobID()
                        + ". Ctrl-C stops; resume with --from-savepoint <that dir>/chk-N.");
        return job;
    }
}
