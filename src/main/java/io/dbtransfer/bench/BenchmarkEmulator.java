package io.dbtransfer.bench;

import io.dbtransfer.embedded.MongoEmulator;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's MongoDB emulator, by default in a JVM of its own as a real {@code mongod} would
 * be (or in this JVM, as before 2026-12-04, with {@code --in-process-emulator}). The emulator keeps
 * every document on its heap: in the measured JVM, G1 marked them again and again (4 concurrent
 * cycles, 37 of 221 CPU s of a 1M-document snapshot) and the CPU table charged that to the JVM. In
 * a JVM of its own that cost stays with the emulator (its process line, read from {@code /proc}
 * like MariaDB's), and the JVM line shows the job's own collections.
 */
final class BenchmarkEmulator implements AutoCloseable {

    /** Heap of the emulator's JVM ({@code -Ddbtransfer.bench.emulator-heap}, default 8g). */
    static final String HEAP = System.getProperty("dbtransfer.bench.emulator-heap", "8g");

    /**
     * More options for the emulator's JVM, separated by spaces ({@code
     * -Ddbtransfer.bench.emulator-jvm-options}, e.g. a flight recording or GC settings to try).
     */
    static final String JVM_OPTIONS =
            System.getProperty("dbtransfer.bench.emulator-jvm-options", "");

    /** The name of its line in the CPU table. */
    static final String CPU_PART = "MongoDB emulator (separate process)";

    private final Process process;
    private final MongoEmulator inProcess;
    private final String connectionString;

    private BenchmarkEmulator(Process process, MongoEmulator inProcess, String connectionString) {
        this.process = process;
        this.inProcess = inProcess;
        this.connectionString = connectionString;
    }

    /** The emulator in this JVM: its threads are a line of the CPU table, its heap is this one. */
    static BenchmarkEmulator inThisJvm() {
        MongoEmulator emulator = MongoEmulator.start();
        return new BenchmarkEmulator(null, emulator, emulator.connectionString());
    }

    /** Where the emulator runs, for the report. */
    String where() {
        return process != null ? "in a JVM of its own" : "in the benchmark's JVM";
    }

    /** Starts the emulator's JVM and waits until it serves; its output goes to {@code dir}. */
    static BenchmarkEmulator start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path ready = dir.resolve("emulator.uri");
        Path log = dir.resolve("emulator.log");
        Files.deleteIfExists(ready);
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Xmx" + HEAP);
        command.add("-Xlog:gc:file=" + dir.resolve("emulator-gc.log")); // its collections, to read
        for (String option : JVM_OPTIONS.trim().split("\\s+")) {
            if (!option.isEmpty()) {
                command.add(option);
            }
        }
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) {
                command.add(arg);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BenchmarkEmulator.class.getName());
        command.add(ready.toString());
        Process process =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(ready) || Files.size(ready) == 0) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        "The MongoDB emulator's JVM did not start within 60 s (exit "
                                + (process.isAlive() ? "none" : process.exitValue())
                                + "); its output is in "
                                + log
                                + ". Run the benchmark with --in-process-emulator to keep it in"
                                + " this JVM.");
            }
            Thread.sleep(50);
        }
        String uri = Files.readString(ready, StandardCharsets.UTF_8).trim();
        CpuBudget.trackProcess(CPU_PART, process.pid());
        return new BenchmarkEmulator(process, null, uri);
    }

    String connectionString() {
        return connectionString;
    }

    /** Ends the emulator's JVM: its standard input closes, then it is killed if it lingers. */
    @Override
    public void close() {
        if (inProcess != null) {
            inProcess.close();
            return;
        }
        CpuBudget.untrackProcess(CPU_PART);
        try {
            process.getOutputStream().close();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The emulator's JVM: serves on a free port, writes its connection string to the file {@code
     * args[0]} (written whole, then renamed, so the parent never reads half of it) and runs until
     * its standard input ends, which the benchmark's JVM closes, or which ends when it dies.
     */
    public static void main(String[] args) throws Exception {
        Path ready = Path.of(args[0]);
        try (MongoEmulator emulator = MongoEmulator.start()) {
            Path tmp = ready.resolveSibling(ready.getFileName() + ".tmp");
            Files.writeString(tmp, emulator.connectionString(), StandardCharsets.UTF_8);
            Files.move(tmp, ready, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            while (System.in.read() != -1) {
                // Nothing is sent; the read returns -1 when the parent closes the pipe or dies.
            }
        }
    }
}
