package io.dbtransfer.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bin/dbtransfer status --rest URL}: where a migration running on a Flink cluster stands,
 * from the cluster's REST metrics: snapshot percentage per collection, documents/s, ETA, change
 * lag, mismatches and dead letters.
 */
@Command(
        name = "status",
        description = {
            "Where a migration on a Flink cluster stands, from Flink's REST API: snapshot % per"
                    + " collection, documents/s, ETA, change lag, mismatches, dead letters."
                    + " Flink refreshes these metrics every 10 s (metrics.fetcher.update-interval)."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the figures were shown",
            "2:the REST API cannot be reached, or there is no such (or no running) job"
        })
final class StatusCommand implements Callable<Integer> {

    @Option(
            names = "--rest",
            required = true,
            paramLabel = "URL",
            description = "Flink's REST address, e.g. http://jobmanager:8081.")
    String rest;

    @Option(
            names = "--job",
            paramLabel = "ID",
            description = "The job id (default: the running job, when there is exactly one).")
    String jobId;

    @Option(
            names = "--watch",
            description = "Keep showing the figures every --interval until the job ends or Ctrl-C.")
    boolean watch;

    @Option(
            names = "--interval",
            paramLabel = "DURATION",
            defaultValue = "10s",
            description =
                    "With --watch, how often to read the metrics (default: ${DEFAULT-VALUE}).")
    Duration interval;

    /** How long the JobManager gets to fetch the metrics a first request asked for. */
    private static final long FETCH_WAIT_MS = 1500;

    private final PrintStream out;
    private final PrintStream err;

    StatusCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        if (!rest.matches("https?://[^\\s/]+.*")) {
            err.println(
                    "dbtransfer status: --rest must be an http:// address such as"
                            + " http://jobmanager:8081, got '"
                            + rest
                            + "'");
            return 2;
        }
        FlinkRestMetrics metrics = new FlinkRestMetrics(rest);
        try {
            FlinkRestMetrics.Job job = pick(metrics);
            if (job == null) {
                return 2;
            }
            ProgressFigures figures =
                    new ProgressFigures(Math.max(60_000, 3 * interval.toMillis()));
            out.println("Job " + job.id() + " (" + job.name() + "): " + job.state());
            // The JobManager answers with the metrics of its previous fetch and starts the next
            // (at most every metrics.fetcher.update-interval): a first read brings them up to
            // date, the second one shows them.
            metrics.read(job.id());
            Thread.sleep(FETCH_WAIT_MS);
            while (true) {
                figures.add(metrics.read(job.id()));
                out.println(figures.line());
                if (!watch) {
                    return 0;
                }
                Thread.sleep(Math.max(1000, interval.toMillis()));
                FlinkRestMetrics.Job now = metrics.job(job.id());
                if (now == null || !now.state().equals("RUNNING")) {
                    out.println("Job " + job.id() + ": " + (now == null ? "gone" : now.state()));
                    return 0;
                }
            }
        } catch (FlinkRestMetrics.Unreachable e) {
            err.println("dbtransfer status: " + e.getMessage());
            err.println(
                    "  Give the JobManager's REST address (rest.address:rest.port, e.g."
                            + " http://jobmanager:8081; on Kubernetes: kubectl port-forward"
                            + " svc/<deployment>-rest 8081).");
            return 2;
        }
    }

    /** The job of {@code --job}, or the only running one; null (explained on stderr) if none. */
    private FlinkRestMetrics.Job pick(FlinkRestMetrics metrics)
            throws FlinkRestMetrics.Unreachable {
        if (jobId != null) {
            FlinkRestMetrics.Job job = metrics.job(jobId);
            if (job == null) {
                err.println(
                        "dbtransfer status: no job "
                                + jobId
                                + " at "
                                + metrics.base()
                                + "; its jobs: "
                                + describe(metrics.jobs()));
            }
            return job;
        }
        List<FlinkRestMetrics.Job> jobs = metrics.jobs();
        List<FlinkRestMetrics.Job> running =
                jobs.stream().filter(j -> j.state().equals("RUNNING")).toList();
        if (running.size() == 1) {
            return running.get(0);
        }
        err.println(
                "dbtransfer status: "
                        + (running.isEmpty() ? "no running job" : running.size() + " running jobs")
                        + " at "
                        + metrics.base()
                        + "; give --job ID (its jobs: "
                        + describe(jobs)
                        + ")");
        return null;
    }

    private static String describe(List<FlinkRestMetrics.Job> jobs) {
        if (jobs.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (FlinkRestMetrics.Job j : jobs) {
            sb.append(sb.length() == 0 ? "" : ", ")
                    .append(j.id())
                    .append(" ")
                    .append(j.state())
                    .append(" '")
                    .append(j.name())
                    .append("'");
        }
        return sb.toString();
    }
}
