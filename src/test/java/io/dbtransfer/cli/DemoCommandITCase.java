package io.dbtransfer.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README command 1, small: the demo starts its own emulator, MariaDB and job, writes live changes
 * during the snapshot, and reports CONSISTENT only when both sides hold the same data.
 */
class DemoCommandITCase {

    @Test
    void demoReportsConsistentWithLiveChanges(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.json");
        int exit =
                Main.run(
                        new String[] {
                            "demo",
                            "--docs",
                            "2000",
                            "--live-changes",
                            "400",
                            "--live-rate",
                            "400",
                            "--report",
                            report.toString(),
                            "--work-dir",
                            dir.resolve("work").toString()
                        });
        String json = Files.readString(report);
        assertThat(exit).as(json).isZero();
        assertThat(json)
                .contains("\"verdict\": \"CONSISTENT\"")
                .contains("\"reconcileVerdict\": \"CONSISTENT\"")
                .contains("\"missing\": 0")
                .contains("\"extra\": 0")
                .contains("\"different\": 0")
                .contains("\"liveChangesApplied\": 400");
    }

    @Test
    void demoLoadsTheUsersOwnDocuments(@TempDir Path dir) throws Exception {
        Path load = dir.resolve("docs.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            lines.append("{\"_id\": {\"$oid\": \"")
                    .append(String.format("%024x", i))
                    .append("\"}, \"n\": ")
                    .append(i)
                    .append(
                            ", \"nested\": {\"when\": {\"$date\": \"2031-01-01T00:00:00Z\"}, \"tags\": [\"a\", ")
                    .append(i)
                    .append("]}, \"rating\": {\"stars\": 3}}\n");
        }
        Files.writeString(load, lines);
        Path report = dir.resolve("report.json");
        int exit =
                Main.run(
                        new String[] {
                            "demo",
                            "--load",
                            load.toString(),
                            "--live-changes",
                            "100",
                            "--report",
                            report.toString(),
                            "--work-dir",
                            dir.resolve("work").toString()
                        });
        String json = Files.readString(report);
        assertThat(exit).as(json).isZero();
        assertThat(json).contains("\"verdict\": \"CONSISTENT\"").contains("\"sourceDocuments\": ");
    }

    @Test
    void malformedLoadFileIsRefusedWithItsLineNumber(@TempDir Path dir) throws Exception {
        Path load = dir.resolve("bad.jsonl");
        Files.writeString(load, "{\"_id\": 1}\n{\"_id\": 2}\n{not json\n");
        assertThat(
                        org.assertj.core.api.Assertions.catchThrowable(
                                () -> Main.run(new String[] {"demo", "--load", load.toString()})))
                .hasMessageContaining("line 3");
    }
}
