package io.dbtransfer.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the CPU of a measured interval went: this JVM's threads grouped by what they do (Flink task
 * chains, the CDC fetch threads, the in-process MongoDB emulator, …), the JVM's own work (GC, JIT),
 * and the MariaDB server process. On a machine where source, job and target share the cores, this
 * is what bounds the job's rate.
 */
final class CpuBudget {

    private static final Pattern TASK = Pattern.compile("^(.*) \\(\\d+/\\d+\\)#\\d+$");

    /** Linux clock ticks per second for {@code /proc/<pid>/stat} (USER_HZ, 100 on x86-64). */
    private static final double TICKS_PER_SECOND = 100.0;

    /** CPU counters at one moment. */
    static final class Snapshot {
        final Map<Long, Long> threadCpuNanos = new HashMap<>();
        final Map<Long, String> threadNames = new HashMap<>();

        /** CPU of the JVM's native GC and JIT threads by thread id (Linux; empty elsewhere). */
        final Map<Long, Long> jvmThreadCpuNanos = new HashMap<>();

        /** Their native names ({@link #jvmThreadKind} tells GC from JIT). */
        final Map<Long, String> jvmThreadNames = new HashMap<>();

        long processCpuNanos;
        long mariaDbCpuNanos;

        /** CPU of each {@link #trackProcess tracked} process, by its line's name. */
        final Map<String, Long> trackedCpuNanos = new HashMap<>();

        /**
         * CPU of a tracked JVM's GC threads by its line's name, then by {@link #gcWork} (empty when
         * it is not a HotSpot JVM or {@code /proc} is unreadable).
         */
        final Map<String, Map<String, Long>> trackedGcNanos = new HashMap<>();

        long machineCpuNanos;
        long gcMillis;
        long jitMillis;
        long wallNanos;
    }

    /**
     * Samples thread CPU every {@value #SAMPLE_MS} ms in the background, so threads that end before
     * the interval does (Flink CDC starts a fetch thread per snapshot split) keep their CPU.
     */
    static final class Recorder implements AutoCloseable {
        private final long mariaDbPid;
        private final Snapshot start;
        private final Snapshot seen = new Snapshot();
        private final Thread sampler;
        private volatile boolean running = true;

        Recorder(long mariaDbPid) {
            this.mariaDbPid = mariaDbPid;
            this.start = take(mariaDbPid);
            this.sampler = new Thread(this::sample, "bench-cpu-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        private void sample() {
            while (running) {
                sampleThreads(seen);
                try {
                    Thread.sleep(SAMPLE_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** CPU seconds per part since this recorder started. */
        Map<String, Double> stop() {
            running = false;
            sampler.interrupt();
            try {
                sampler.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Snapshot end = take(mariaDbPid);
            seen.threadCpuNanos.forEach(end.threadCpuNanos::putIfAbsent);
            seen.threadNames.forEach(end.threadNames::putIfAbsent);
            seen.jvmThreadCpuNanos.forEach(end.jvmThreadCpuNanos::putIfAbsent);
            seen.jvmThreadNames.forEach(end.jvmThreadNames::putIfAbsent);
            return between(start, end);
        }

        @Override
        public void close() {
            running = false;
            sampler.interrupt();
        }
    }

    static final long SAMPLE_MS = 100;

    /**
     * Other processes of the benchmark (besides MariaDB) whose CPU has a line of its own, by that
     * line's name: the emulator when it runs in a JVM of its own ({@link BenchmarkEmulator}).
     */
    private static final Map<String, Long> TRACKED = new java.util.concurrent.ConcurrentHashMap<>();

    static void trackProcess(String part, long pid) {
        TRACKED.put(part, pid);
    }

    static void untrackProcess(String part) {
        TRACKED.remove(part);
    }

    private CpuBudget() {}

    static Snapshot take(long mariaDbPid) {
        Snapshot s = new Snapshot();
        s.wallNanos = System.nanoTime();
        sampleThreads(s);
        for (java.lang.management.GarbageCollectorMXBean gc :
                ManagementFactory.getGarbageCollectorMXBeans()) {
            s.gcMillis += Math.max(0, gc.getCollectionTime());
        }
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit != null && jit.isCompilationTimeMonitoringSupported()) {
            s.jitMillis = jit.getTotalCompilationTime();
        }
        java.lang.management.OperatingSystemMXBean os =
                ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            s.processCpuNanos = ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        s.mariaDbCpuNanos = processCpuNanos(mariaDbPid);
        TRACKED.forEach(
                (part, pid) -> {
                    s.trackedCpuNanos.put(part, processCpuNanos(pid));
                    s.trackedGcNanos.put(part, gcThreadCpuNanos(pid));
                });
        s.machineCpuNanos = machineCpuNanos();
        return s;
    }

    private static void sampleThreads(Snapshot s) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = threads.getThreadCpuTime(info.getThreadId());
            if (cpu >= 0) {
                s.threadCpuNanos.put(info.getThreadId(), cpu);
                s.threadNames.put(info.getThreadId(), info.getThreadName());
            }
        }
        sampleJvmThreads(s);
    }

    /** Kind of a native JVM thread whose CPU {@link #between} reports apart. */
    static final String GC = "gc";

    static final String JIT = "jit";

    /**
     * The JVM's own GC and JIT threads, which {@link ThreadMXBean} does not list, from {@code
     * /proc/self/task} (their CPU would otherwise be one unexplained remainder). Compiler threads
     * come and go, so the recorder keeps what it saw.
     */
    private static void sampleJvmThreads(Snapshot s) {
        forEachThread(
                "self",
                (tid, name, stat) -> {
                    if (jvmThreadKind(name) != null) {
                        s.jvmThreadCpuNanos.put(tid, statCpuNanos(stat));
                        s.jvmThreadNames.put(tid, name);
                    }
                });
    }

    /**
     * CPU of another JVM's GC threads by {@link #gcWork}, from {@code /proc/<pid>/task}. GC threads
     * live as long as their JVM, so two readings subtract without a sampler.
     */
    static Map<String, Long> gcThreadCpuNanos(long pid) {
        Map<String, Long> byWork = new HashMap<>();
        forEachThread(
                String.valueOf(pid),
                (tid, name, stat) -> {
                    if (GC.equals(jvmThreadKind(name))) {
                        byWork.merge(gcWork(name), statCpuNanos(stat), Long::sum);
                    }
                });
        return byWork;
    }

    /** A thread's id, native name and {@code /proc} stat line. */
    private interface ThreadStat {
        void accept(long tid, String name, String stat);
    }

    /**
     * Every thread of {@code /proc/<process>/task} ({@code self} or a pid); nothing when it is not
     * Linux, {@code /proc} is unreadable or the process ended (its CPU then stays one line).
     */
    private static void forEachThread(String process, ThreadStat visitor) {
        try (DirectoryStream<Path> tasks =
                Files.newDirectoryStream(Path.of("/proc/" + process + "/task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                visitor.accept(Long.parseLong(task.getFileName().toString()), name, stat);
            }
        } catch (IOException | RuntimeException e) {
            // See above.
        }
    }

    /** What a HotSpot GC thread does, by the start of its native name (G1, Parallel). */
    private static final Map<String, String> GC_WORK = new LinkedHashMap<>();

    static {
        GC_WORK.put("GC Thread", "parallel workers (mostly pauses)");
        GC_WORK.put("G1 Conc", "concurrent marking");
        GC_WORK.put("G1 Main Marker", "concurrent marking");
        GC_WORK.put("G1 Refine", "remembered-set refinement");
    }

    /** The {@link #GC_WORK} of a GC thread's native name ("other" for the rest). */
    static String gcWork(String nativeName) {
        if (nativeName != null) {
            for (Map.Entry<String, String> w : GC_WORK.entrySet()) {
                if (nativeName.startsWith(w.getKey())) {
                    return w.getValue();
                }
            }
        }
        return "other";
    }

    /**
     * {@link #GC} or {@link #JIT} for the native name of a HotSpot GC or compiler thread (names are
     * cut to 15 characters: {@code C2 CompilerThre}), else {@code null}.
     */
    static String jvmThreadKind(String nativeName) {
        if (nativeName.startsWith("C1 CompilerThre") || nativeName.startsWith("C2 CompilerThre")) {
            return JIT;
        }
        if (nativeName.startsWith("GC Thread") || nativeName.startsWith("G1 ")) {
            return GC;
        }
        return null;
    }

    /** CPU seconds per part between two snapshots, largest first; plus {@code wall}. */
    static Map<String, Double> between(Snapshot a, Snapshot b) {
        Map<String, Double> parts = new HashMap<>();
        double threadsTotal = 0;
        for (Map.Entry<Long, Long> e : b.threadCpuNanos.entrySet()) {
            long before = a.threadCpuNanos.getOrDefault(e.getKey(), 0L);
            double seconds = (e.getValue() - before) / 1e9;
            if (seconds <= 0) {
                continue;
            }
            threadsTotal += seconds;
            parts.merge(part(b.threadNames.get(e.getKey())), seconds, Double::sum);
        }
        double jvm = (b.processCpuNanos - a.processCpuNanos) / 1e9 - threadsTotal;
        double gc = 0;
        double jit = 0;
        Map<String, Double> gcWork = new LinkedHashMap<>();
        for (String work : GC_WORK.values()) {
            gcWork.put(work, 0.0);
        }
        for (Map.Entry<Long, Long> e : b.jvmThreadCpuNanos.entrySet()) {
            double seconds =
                    (e.getValue() - a.jvmThreadCpuNanos.getOrDefault(e.getKey(), 0L)) / 1e9;
            if (seconds > 0) {
                if (GC.equals(jvmThreadKind(b.jvmThreadNames.get(e.getKey())))) {
                    gc += seconds;
                    gcWork.merge(gcWork(b.jvmThreadNames.get(e.getKey())), seconds, Double::sum);
                } else {
                    jit += seconds;
                }
            }
        }
        if (jvm > 0 && gc + jit > 0) {
            parts.put(
                    String.format(
                            java.util.Locale.ROOT,
                            "JVM internals: garbage collection threads (%.1f s of pauses and"
                                    + " concurrent cycles; CPU s: %s)",
                            (b.gcMillis - a.gcMillis) / 1e3,
                            workText(gcWork)),
                    gc);
            parts.put(
                    String.format(
                            java.util.Locale.ROOT,
                            "JVM internals: JIT compiler threads (%.1f s of compiler time)",
                            (b.jitMillis - a.jitMillis) / 1e3),
                    jit);
            if (jvm - gc - jit > 0) {
                parts.put(
                        "JVM internals: other VM threads (VM Thread, periodic tasks)",
                        jvm - gc - jit);
            }
        } else if (jvm > 0) {
            // JVM-internal threads (GC workers, JIT compilers) are not visible as Java threads.
            parts.merge(
                    String.format(
                            java.util.Locale.ROOT,
                            "JVM internals: garbage collection (%.1f s of pauses and concurrent"
                                    + " cycles) and JIT compilation (%.1f s of compiler time)",
                            (b.gcMillis - a.gcMillis) / 1e3,
                            (b.jitMillis - a.jitMillis) / 1e3),
                    jvm,
                    Double::sum);
        }
        if (b.mariaDbCpuNanos > 0) {
            parts.put(
                    "MariaDB server (separate process)",
                    (b.mariaDbCpuNanos - a.mariaDbCpuNanos) / 1e9);
        }
        double ours =
                (b.processCpuNanos - a.processCpuNanos + b.mariaDbCpuNanos - a.mariaDbCpuNanos)
                        / 1e9;
        for (Map.Entry<String, Long> e : b.trackedCpuNanos.entrySet()) {
            Long before = a.trackedCpuNanos.get(e.getKey());
            if (before != null && e.getValue() > 0) {
                double seconds = (e.getValue() - before) / 1e9;
                ours += seconds;
                Map<String, Double> itsGcWork = new LinkedHashMap<>();
                Map<String, Long> gcBefore = a.trackedGcNanos.getOrDefault(e.getKey(), Map.of());
                b.trackedGcNanos
                        .getOrDefault(e.getKey(), Map.of())
                        .forEach(
                                (work, nanos) ->
                                        itsGcWork.put(
                                                work,
                                                (nanos - gcBefore.getOrDefault(work, 0L)) / 1e9));
                double itsGc = itsGcWork.values().stream().mapToDouble(Double::doubleValue).sum();
                if (itsGc > 0 && itsGc <= seconds) {
                    parts.put(
                            e.getKey()
                                    + ": its garbage collection threads (CPU s: "
                                    + workText(itsGcWork)
                                    + ")",
                            itsGc);
                    parts.put(e.getKey() + ": its other threads", seconds - itsGc);
                } else {
                    parts.put(e.getKey(), seconds);
                }
            }
        }
        double machine = (b.machineCpuNanos - a.machineCpuNanos) / 1e9;
        if (b.machineCpuNanos > 0 && machine > ours) {
            parts.put(OTHER_PROCESSES, machine - ours);
        }
        Map<String, Double> sorted = new LinkedHashMap<>();
        parts.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** "concurrent marking 37.3, parallel workers 3.1": the GC work with CPU, in CPU seconds. */
    private static String workText(Map<String, Double> gcWork) {
        return gcWork.entrySet().stream()
                .filter(w -> w.getValue() > 0)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .map(w -> String.format(java.util.Locale.ROOT, "%s %.1f", w.getKey(), w.getValue()))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** The part that is not the benchmark's: other processes on the machine. */
    static final String OTHER_PROCESSES = "other processes on the machine (not DBtransfer)";

    /** CPU seconds of the benchmark's own processes (everything but other processes). */
    static double total(Map<String, Double> parts) {
        return parts.entrySet().stream()
                .filter(e -> !e.getKey().equals(OTHER_PROCESSES))
                .mapToDouble(Map.Entry::getValue)
                .sum();
    }

    /** Busy CPU time of the whole machine from {@code /proc/stat}; 0 when unknown. */
    static long machineCpuNanos() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+");
            long busy = 0;
            // user nice system idle iowait irq softirq steal: all but idle and iowait.
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += Long.parseLong(f[i]);
            }
            return (long) (busy / TICKS_PER_SECOND * 1e9);
        } catch (Exception e) {
            return 0;
        }
    }

    /** What a thread works for, from its name. */
    static String part(String thread) {
        Matcher m = TASK.matcher(thread);
        if (m.matches()
                && !thread.startsWith("Source Data Fetcher")
                && !thread.contains("Time Trigger for ")
                && !thread.startsWith("OutputFlusher")) {
            return "Flink task: " + m.group(1);
        }
        if (thread.startsWith("debezium")
                || thread.startsWith("snapshot-splitting")
                || thread.startsWith("Source Data Fetcher")
                || thread.startsWith("SourceCoordinator")) {
            return "Flink CDC fetch threads (scan, BSON → JSON)";
        }
        if (thread.startsWith("mongo-server") || thread.startsWith("mongo-emulator")) {
            return "MongoDB emulator (in process)";
        }
        if (thread.equals("main") || thread.startsWith("bench-")) {
            return "benchmark harness (progress polling)";
        }
        return "Flink runtime and driver threads (RPC, checkpoints, I/O)";
    }

    /** User + system CPU of a process from {@code /proc}; 0 when unknown. */
    static long processCpuNanos(long pid) {
        if (pid <= 0) {
            return 0;
        }
        try {
            return statCpuNanos(Files.readString(Path.of("/proc/" + pid + "/stat")));
        } catch (Exception e) {
            return 0;
        }
    }

    /** User + system CPU in a {@code /proc/<pid>/stat} or {@code /proc/<pid>/task/<tid>/stat}. */
    private static long statCpuNanos(String stat) {
        // Fields after the command name in parentheses (which may contain spaces).
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        return (long) (ticks / TICKS_PER_SECOND * 1e9);
    }
}
