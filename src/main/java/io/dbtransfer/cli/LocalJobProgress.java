package io.dbtransfer.cli;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The progress line of a job in this JVM's MiniCluster, read from the MiniCluster's REST API by a
 * daemon thread every second (no query against MongoDB or MySQL). Regular readings keep both the
 * rate window and the JobManager's metric store fresh: a REST request returns the metrics of the
 * previous fetch and starts the next one.
 */
final class LocalJobProgress implements AutoCloseable {

    private final FlinkRestMetrics rest;
    private final String jobId;
    private final ProgressFigures figures = new ProgressFigures(30_000);
    private final ScheduledExecutorService reader;
    private volatile String last = "waiting for the job's first metrics";

    LocalJobProgress(int restPort, String jobId) {
        this.rest = new FlinkRestMetrics("http://localhost:" + restPort);
        this.jobId = jobId;
        this.reader =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "progress-metrics");
                            t.setDaemon(true);
                            return t;
                        });
        reader.scheduleWithFixedDelay(this::read, 0, 1, TimeUnit.SECONDS);
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

    private void read() {
        try {
            ProgressFigures.Reading reading = rest.read(jobId);
            synchronized (figures) {
                figures.add(reading);
                last = figures.line();
            }
        } catch (FlinkRestMetrics.Unreachable e) {
            // The job is starting or stopping: keep showing the last figures.
        } catch (RuntimeException e) {
            // Never let a bad answer end the readings.
        }
    }

    /** The latest progress line. */
    String poll() {
        return last;
    }

    /** Stops reading. */
    @Override
    public void close() {
        reader.shutdownNow();
    }
}
