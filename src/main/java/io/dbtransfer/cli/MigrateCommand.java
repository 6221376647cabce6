package io.dbtransfer.cli;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.pipeline.JobEnvironment;
import io.dbtransfer.pipeline.MigrationJob;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code bin/dbtransfer migrate}: the job in a local Flink MiniCluster against real servers, for
 * users without a Flink cluster. Checkpoints are kept in {@code --checkpoint-dir}, so a stopped
 * migration resumes with {@code --from-savepoint <checkpoint dir>/<job id>/chk-N}.
 */
@Command(
        name = "migrate",
        description = {
            "Run the job in a local Flink MiniCluster against real servers (no Flink cluster"
                    + " needed). Ctrl-C stops it; resume with --from-savepoint."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the job finished",
            "2:bad input or an error (unreachable server, bad mapping, job failure)"
        })
final class MigrateCommand implements Callable<Integer> {

    @Mixin JobArgs job = new JobArgs();

    @Option(
            names = "--checkpoint-dir",
            paramLabel = "DIR",
            description =
                    "Where checkpoints are kept (default: target/migrate-checkpoints in the"
                            + " checkout).")
    Path checkpointDir;

    @Option(
            names = "--from-savepoint",
            paramLabel = "PATH",
            description = "Resume from a savepoint or retained checkpoint (<dir>/<job id>/chk-N).")
    String resume;

    @Option(
            names = "--parallelism",
            paramLabel = "P",
            description = "Parallelism of the local job (default: ${DEFAULT-VALUE}).")
    int parallelism = 2;

    /** The local cluster's REST port, set by {@link #start()}. */
    private int restPort;

    MigrateCommand() {}

    /** A migrate with these arguments (as on the command line after {@code migrate}). */
    MigrateCommand(String[] args) {
        Main.parse(this, args);
    }

    @Override
    public Integer call() throws Exception {
        return run();
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
        follow(job, new ConsoleProgress(System.out, System.console() != null, 10_000));
        job.getJobExecutionResult().get();
        return 0;
    }

    /**
     * Reads the job's metrics from the local REST API every second and shows the progress line (in
     * place on a terminal, every 10 s otherwise) until the job ends.
     */
    void follow(JobClient job, ConsoleProgress progress) throws InterruptedException {
        try (LocalJobProgress figures = new LocalJobProgress(restPort, job.getJobID().toString())) {
            var result = job.getJobExecutionResult();
            while (!result.isDone()) {
                Thread.sleep(1000);
                progress.update(figures.poll());
            }
        }
        progress.clear();
    }

    /** Checks both sides, starts the job in a local MiniCluster and returns its client. */
    JobClient start() throws Exception {
        if (parallelism < 1) {
            throw new ConfigException("--parallelism must be at least 1, got " + parallelism);
        }
        String checkpointDir =
                (this.checkpointDir != null
                                ? this.checkpointDir
                                : Main.inHome("target/migrate-checkpoints"))
                        .toAbsolutePath()
                        .toString();
        JobConfig config = job.load();
        Configuration cluster =
                JobEnvironment.localCluster(Path.of(checkpointDir).toUri().toString());
        cluster.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (resume != null) {
            cluster.set(SavepointConfigOptions.SAVEPOINT_PATH, resume);
        }
        restPort = LocalJobProgress.restOn(cluster);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, cluster);
        MigrationJob.build(env, config);
        JobClient job = env.executeAsync("DBtransfer " + config.get(JobOptions.MONGO_DATABASE));
        System.out.println(
                "Migrating "
                        + config.collections()
                        + " → "
                        + io.dbtransfer.model.Redact.uri(config.get(JobOptions.MYSQL_URL))
                        + " (job "
                        + job.getJobID()
                        + "). Checkpoints: "
                        + checkpointDir
                        + "/"
                        + job.getJobID()
                        + ". Ctrl-C stops; resume with --from-savepoint <that dir>/chk-N."
                        + " Progress: below, or bin/dbtransfer status --rest http://localhost:"
                        + restPort);
        return job;
    }
}
