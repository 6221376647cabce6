package io.dbtransfer.testing;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Kills the live TaskManager of a {@link MiniCluster} started with one TaskManager (after starting
 * its replacement), and proves that the job really restarted.
 *
 * <p>{@code MiniCluster.terminateTaskManager(i)} closes the TaskManager at index {@code i} but
 * keeps it in its list, and {@code startTaskManager()} appends the new one: a second {@code
 * terminateTaskManager(0)} hits the dead one and does nothing. This helper remembers, per cluster
 * (the extension's cluster is shared by every test of a class), the index of the live one.
 */
public final class TaskManagerKills {

    /** Index of the live TaskManager per cluster; absent: 0, the cluster's only initial one. */
    private static final Map<MiniCluster, Integer> LIVE = new IdentityHashMap<>();

    private TaskManagerKills() {}

    /**
     * Starts a new TaskManager, terminates the live one once the new one is registered, and waits
     * until every task of {@code job} runs again in a new attempt; fails if the kill caused no
     * restart.
     *
     * @return how many tasks restarted
     */
    public static int killAndRestart(MiniCluster cluster, JobID job) throws Exception {
        Map<String, Integer> before = attempts(cluster, job);
        int live;
        synchronized (LIVE) {
            live = LIVE.getOrDefault(cluster, 0);
            LIVE.put(cluster, live + 1); // startTaskManager() appends at the next index
        }
        // The replacement first, registered before the kill: with no TaskManager at all, each
        // restart attempt fails at once for want of slots, and a replacement that took a few
        // seconds to register under a loaded CI used up a test's restart budget (3 attempts,
        // SnapshotFailoverITCase, 2026-12-03).
        int registered = cluster.getResourceOverview().get().getNumberTaskManagers();
        cluster.startTaskManager();
        Eventually.waitUntil(
                TestDurations.MEDIUM,
                "the replacement TaskManager registered with the ResourceManager",
                () -> cluster.getResourceOverview().get().getNumberTaskManagers() > registered);
        cluster.terminateTaskManager(live).get();
        int[] restarted = new int[1];
        Eventually.waitUntil(
                TestDurations.MEDIUM,
                "every task of job " + job + " running in a new attempt after the kill",
                () -> {
                    AccessExecutionGraph g = cluster.getExecutionGraph(job).get();
                    if (g.getState() != JobStatus.RUNNING) {
                        return false;
                    }
                    int n = 0;
                    for (AccessExecutionVertex v : g.getAllExecutionVertices()) {
                        Integer old = before.get(v.getTaskNameWithSubtaskIndex());
                        if (v.getExecutionState() != ExecutionState.RUNNING
                                || old == null
                                || v.getCurrentExecutionAttempt().getAttemptNumber() <= old) {
                            return false;
                        }
                        n++;
                    }
                    restarted[0] = n;
                    return n > 0;
                });
        return restarted[0];
    }

    private static Map<String, Integer> attempts(MiniCluster cluster, JobID job) throws Exception {
        Map<String, Integer> out = new HashMap<>();
        for (AccessExecutionVertex v :
                cluster.getExecutionGraph(job).get().getAllExecutionVertices()) {
            out.put(
                    v.getTaskNameWithSubtaskIndex(),
                    v.getCurrentExecutionAttempt().getAttemptNumber());
        }
        return out;
    }
}
