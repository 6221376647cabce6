package io.dbtransfer.bench;

import org.junit.jupiter.api.Test;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The CPU split finds this JVM's own GC and JIT threads by the names HotSpot gives them. */
class CpuBudgetTest {

    @Test
    void findsTheCompilerAndGcThreadsOfThisJvm() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        CpuBudget.Snapshot s = CpuBudget.take(0);
        assertThat(s.jvmThreadNames.values().stream().map(CpuBudget::jvmThreadKind))
                .contains(CpuBudget.JIT);
        boolean serial =
                ManagementFactory.getGarbageCollectorMXBeans().stream()
                        .map(GarbageCollectorMXBean::getName)
                        .anyMatch(n -> n.equals("Copy") || n.equals("MarkSweepCompact"));
        assumeTrue(!serial, "the serial collector runs in the VM thread, not in GC threads");
        assertThat(s.jvmThreadNames.values().stream().map(CpuBudget::jvmThreadKind))
                .contains(CpuBudget.GC);
        boolean g1 =
                ManagementFactory.getGarbageCollectorMXBeans().stream()
                        .anyMatch(gc -> gc.getName().startsWith("G1"));
        assumeTrue(g1, "the GC work split names G1's threads");
        assertThat(s.jvmThreadNames.values().stream().map(CpuBudget::gcWork))
                .contains("parallel workers (mostly pauses)", "concurrent marking");
    }

    @Test
    void theJvmsCpuIsSplitIntoGcJitAndTheRest() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        CpuBudget.Snapshot before = CpuBudget.take(0);
        workForTheCollector();
        Map<String, Double> parts = CpuBudget.between(before, CpuBudget.take(0));
        double internals =
                parts.entrySet().stream()
                        .filter(e -> e.getKey().startsWith("JVM internals"))
                        .mapToDouble(Map.Entry::getValue)
                        .sum();
        assertThat(parts.keySet())
                .noneMatch(k -> k.startsWith("JVM internals: garbage collection (")); // old form
        assertThat(parts.keySet())
                .anyMatch(k -> k.startsWith("JVM internals: garbage collection threads"));
        assertThat(internals).isGreaterThan(0);
    }

    @Test
    void aTrackedJvmsGcThreadsGetALineOfTheirOwn() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        boolean serial =
                ManagementFactory.getGarbageCollectorMXBeans().stream()
                        .map(GarbageCollectorMXBean::getName)
                        .anyMatch(n -> n.equals("Copy") || n.equals("MarkSweepCompact"));
        assumeTrue(!serial, "the serial collector runs in the VM thread, not in GC threads");
        // This JVM stands in for the emulator's: another process as far as /proc is concerned.
        String part = "a tracked JVM";
        CpuBudget.trackProcess(part, ProcessHandle.current().pid());
        try {
            CpuBudget.Snapshot before = CpuBudget.take(0);
            workForTheCollector();
            CpuBudget.Snapshot after = CpuBudget.take(0);
            Map<String, Double> parts = CpuBudget.between(before, after);
            double whole =
                    (after.trackedCpuNanos.get(part) - before.trackedCpuNanos.get(part)) / 1e9;
            double gc =
                    parts.entrySet().stream()
                            .filter(e -> e.getKey().startsWith(part + ": its garbage collection"))
                            .mapToDouble(Map.Entry::getValue)
                            .sum();
            assertThat(gc).isGreaterThan(0);
            assertThat(parts.get(part + ": its other threads")).isNotNull();
            assertThat(gc + parts.get(part + ": its other threads")).isCloseTo(whole, within(1e-6));
            assertThat(parts).doesNotContainKey(part);
        } finally {
            CpuBudget.untrackProcess(part);
        }
    }

    /** Garbage, then full collections. */
    private static void workForTheCollector() {
        List<byte[]> keep = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 20_000; i++) {
                keep.add(new byte[1024]);
            }
            keep.clear();
            System.gc();
        }
    }
}
