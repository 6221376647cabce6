package io.dbtransfer.cli;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;

/**
 * The progress line of a job in this JVM's MiniCluster, read from the MiniCluster's REST API
 * (metrics every second; no query against MongoDB or MySQL).
 */
final class LocalJobProgress {

    private final FlinkRestMetrics rest;
    private final String jobId;
    private final ProgressFigures figures = new ProgressFigures(30_000);
    private String last = "waiting for the job's first metrics";

    LocalJobProgress(int restPort, String jobId) {
        this.rest = new FlinkRestMetrics("http://localhost:" + restPort);
        this.jobId = jobId;
    }

    /**
     * Gives the local cluster's REST API a free port (returned) and lets it refresh metrics every
     * second instead of every 10 s.
     */
    static int restOn(Configuration cluster) {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cluster.set(RestOptions.BIND_PORT, String.valueOf(port));
        cluster.set(RestOptions.PORT, port);
        cluster.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
        return port;
    }

    /** The address of the local REST API, for {@code status --rest}. */
    String restAddress() {
        return rest.base();
    }

    /** Takes a reading and returns the progress line (the previous one if none can be read). */
    String poll() {
        try {
            figures.add(rest.read(jobId));
            last = figures.line();
        } catch (FlinkRestMetrics.Unreachable e) {
            // The job is starting or stopping: keep showing the last figures.
        }
        return last;
    }
}
