package io.dbtransfer.bench;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A benchmark report names the whole command, the commit and the JVM options that produced it. */
class ProvenanceTest {

    @Test
    void theReportsCommandNamesEveryOptionThatChangesTheMeasurement() {
        BenchmarkCommand c =
                new BenchmarkCommand(
                        1_000_000,
                        1500,
                        Duration.ofMinutes(10),
                        Duration.ofSeconds(10),
                        null,
                        "baseline,idempotent",
                        false);
        assertThat(c.commandLine())
                .isEqualTo(
                        "bin/dbtransfer benchmark --docs 1000000 --live-rate 1500"
                                + " --live-duration 600s --variant-live-duration 10s"
                                + " --variants baseline,idempotent --no-postgresql");
        BenchmarkCommand defaults =
                new BenchmarkCommand(
                        50_000,
                        1000,
                        Duration.ofSeconds(60),
                        Duration.ofSeconds(10),
                        null,
                        null,
                        true);
        assertThat(defaults.commandLine())
                .endsWith("--variants " + Variant.TRADEOFFS)
                .doesNotContain("--no-postgresql");
    }

    @Test
    void theCommitIsTheCheckoutsHead() throws Exception {
        Process git =
                new ProcessBuilder("git", "rev-parse", "--short", "HEAD")
                        .redirectErrorStream(true)
                        .start();
        String head =
                new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (git.waitFor() != 0) {
            // Sources without .git (an unpacked archive): the report says so.
            assertThat(Provenance.describe()).startsWith("not run from a git checkout");
            return;
        }
        assertThat(Provenance.describe())
                .startsWith("commit `" + head + "`")
                .contains("; JVM options: ");
    }
}
