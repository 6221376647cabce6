package io.dbtransfer.bench;

import io.dbtransfer.testing.TestMySql;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark's progress probe against MariaDB: in exactly-once mode it counts only after an
 * {@code XA COMMIT} (and on its 5 s fallback), yet it sees every committed row.
 */
class ProgressProbeITCase {

    @Test
    void countsAfterEachXaCommitAndNotOnEveryPoll() throws Exception {
        String url = TestMySql.newDatabase("progress_probe");
        try (Connection probeConnection = TestMySql.connect(url);
                Connection writer = TestMySql.connect(url);
                Statement w = writer.createStatement()) {
            w.execute("CREATE TABLE reviews (_id VARCHAR(24) PRIMARY KEY)");
            ProgressProbe probe = new ProgressProbe(probeConnection, "reviews", true);
            // The first reading of the status counter is a change: counted twice, as after a
            // commit.
            assertThat(probe.visible()).isZero();
            assertThat(probe.visible()).isZero();
            assertThat(probe.countQueries).isEqualTo(2);
            long counted = probe.countQueries;
            long xaBefore = xaCommits(writer);
            for (int i = 0; i < 20; i++) {
                assertThat(probe.visible()).isZero();
            }
            // No commit of ours: the polls read the status counter, not the table (a commit of
            // another test on the shared server may cost two counts).
            assertThat(probe.countQueries - counted)
                    .isLessThanOrEqualTo(2 * (xaCommits(writer) - xaBefore));

            w.execute("XA START 'probe-1'");
            w.execute("INSERT INTO reviews VALUES ('a'), ('b'), ('c')");
            w.execute("XA END 'probe-1'");
            w.execute("XA PREPARE 'probe-1'");
            assertThat(probe.visible()).isZero();
            w.execute("XA COMMIT 'probe-1'");
            assertThat(probe.visible()).isEqualTo(3);

            // Rows that appear without XA (another server's writer) are seen by the fallback.
            w.execute("INSERT INTO reviews VALUES ('d')");
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (probe.visible() != 4 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(probe.visible()).isEqualTo(4);
            assertThat(probe.statusQueries).isGreaterThan(20);
        }
    }

    private static long xaCommits(Connection c) throws Exception {
        try (Statement st = c.createStatement();
                java.sql.ResultSet rs =
                        st.executeQuery("SHOW GLOBAL STATUS LIKE 'Com_xa_commit'")) {
            rs.next();
            return rs.getLong(2);
        }
    }

    @Test
    void withoutXaCountsAtMostOncePerSecond() throws Exception {
        String url = TestMySql.newDatabase("progress_probe_plain");
        try (Connection c = TestMySql.connect(url);
                Statement w = c.createStatement()) {
            w.execute("CREATE TABLE reviews (_id VARCHAR(24) PRIMARY KEY)");
            w.execute("INSERT INTO reviews VALUES ('a')");
            ProgressProbe probe = new ProgressProbe(c, "reviews", false);
            assertThat(probe.visible()).isEqualTo(1);
            w.execute("INSERT INTO reviews VALUES ('b')");
            assertThat(probe.visible()).isEqualTo(1);
            assertThat(probe.countQueries).isEqualTo(1);
            Thread.sleep(1_100);
            assertThat(probe.visible()).isEqualTo(2);
            assertThat(probe.statusQueries).isZero();
        }
    }
}
