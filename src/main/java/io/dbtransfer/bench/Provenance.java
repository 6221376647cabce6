package io.dbtransfer.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Where a benchmark report came from: the checkout's commit and the JVM options that matter. */
final class Provenance {

    private Provenance() {}

    /**
     * {@code commit `abc1234` (with uncommitted changes); JVM -Xmx16g -D…}: the commit of the
     * current directory's checkout (or that it is none) and the heap and {@code dbtransfer.*}
     * options of this JVM (set through {@code DBTRANSFER_JAVA_OPTS}).
     */
    static String describe() {
        String commit = git("rev-parse", "--short", "HEAD");
        String dirty = git("status", "--porcelain", "--untracked-files=no");
        List<String> options = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-Xmx")
                    || a.startsWith("-Ddbtransfer.")
                    || a.startsWith("-XX:StartFlightRecording")) {
                options.add(a);
            }
        }
        return (commit == null || commit.isEmpty()
                        ? "not run from a git checkout"
                        : "commit `"
                                + commit
                                + "`"
                                + (dirty != null && !dirty.isEmpty()
                                        ? " with uncommitted changes"
                                        : ""))
                + "; JVM options: "
                + (options.isEmpty() ? "none of note" : "`" + String.join(" ", options) + "`");
    }

    /** The trimmed output of {@code git args} in the current directory, or null if it failed. */
    private static String git(String... args) {
        List<String> command = new ArrayList<>();
        command.add("git");
        command.addAll(List.of(args));
        try {
            Process p =
                    new ProcessBuilder(command)
                            .directory(Path.of("").toAbsolutePath().toFile())
                            .redirectErrorStream(true)
                            .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out.trim();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
