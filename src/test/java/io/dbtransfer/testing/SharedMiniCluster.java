package io.dbtransfer.testing;

import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.util.MiniClusterWithClientResource;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.util.concurrent.TimeUnit;

/**
 * The one Flink MiniCluster the job ITCases share (1 TaskManager, {@value #SLOTS} slots): started
 * by the first test that needs it, closed when the test JVM ends. Use
 * {@code @ExtendWith(SharedMiniCluster.class)}; a {@code @InjectMiniCluster MiniCluster} parameter
 * gets it. After each test, jobs it left running are cancelled, so the next test finds every slot
 * free.
 */
public final class SharedMiniCluster
        implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

    /** Slots of the one TaskManager; the default parallelism of the tests' environments. */
    public static final int SLOTS = 4;

    /**
     * The cluster's in-memory metric reporter (metrics of finished jobs retained), for tests that
     * read a job's counters.
     */
    public static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    /**
     * Port of the cluster's Prometheus reporter ({@code http://localhost:PORT/} lists the metrics
     * of the running jobs as Prometheus scrapes them).
     */
    public static final int PROMETHEUS_PORT = freePort();

    private static MiniClusterWithClientResource resource;

    private static Configuration configuration() {
        Configuration c = METRICS.addToConfiguration(new Configuration());
        c.setString(
                "metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        c.setString("metrics.reporter.prom.port", String.valueOf(PROMETHEUS_PORT));
        return c;
    }

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The running cluster, started on first use. */
    public static synchronized MiniCluster cluster() throws Exception {
        if (resource == null) {
            MiniClusterWithClientResource r =
                    new MiniClusterWithClientResource(
                            new MiniClusterResourceConfiguration.Builder()
                                    .setNumberTaskManagers(1)
                                    .setNumberSlotsPerTaskManager(SLOTS)
                                    .setConfiguration(configuration())
                                    .build());
            r.before();
            Runtime.getRuntime().addShutdownHook(new Thread(r::after, "mini-cluster-close"));
            resource = r;
        }
        return resource.getMiniCluster();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        TestStreamEnvironment.setAsContext(cluster(), SLOTS);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        TestStreamEnvironment.unsetAsContext();
        MiniCluster cluster = cluster();
        for (JobStatusMessage job : cluster.listJobs().get(30, TimeUnit.SECONDS)) {
            if (!job.getJobState().isGloballyTerminalState()) {
                cancel(cluster, job.getJobId());
            }
        }
    }

    private static void cancel(MiniCluster cluster, JobID job) throws Exception {
        cluster.cancelJob(job).get(30, TimeUnit.SECONDS);
        Eventually.waitUntil(
                TestDurations.MEDIUM,
                "job " + job + " cancelled",
                () -> cluster.getJobStatus(job).get().isGloballyTerminalState());
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.isAnnotated(InjectMiniCluster.class)
                && parameter.getParameter().getType() == MiniCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        try {
            return cluster();
        } catch (Exception e) {
            throw new IllegalStateException("the shared MiniCluster did not start", e);
        }
    }
}
