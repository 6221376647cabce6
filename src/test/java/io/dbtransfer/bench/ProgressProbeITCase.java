package io.dbtransfer.bench;

import io.dbtransfer.testing.TestMySql;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark's progress probe against MariaDB: in exactly-once mode it counts only after an
 * {@code XA COMMIT} (and on its 5 s fallback), yet it sees every committed row; given the source's
 * keys it counts by key range and does not read a full range again.
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

    @Test
    void countsByKeyRangeAndDoesNotReadAFullRangeAgain() throws Exception {
        String url = TestMySql.newDatabase("progress_probe_ranges");
        int rangeKeys = ProgressProbe.RANGE_KEYS;
        try (Connection c = TestMySql.connect(url);
                Statement w = c.createStatement()) {
            w.execute(
                    "CREATE TABLE reviews (_id VARCHAR(32) COLLATE utf8mb4_nopad_bin PRIMARY"
                            + " KEY)");
            // Mixed case and digits: were Java's order not the collation's, some range would hold
            // more rows than it has source keys and the probe would give up its ranges.
            List<String> keys = randomKeys(2 * rangeKeys + 1808);
            List<String> sorted = new ArrayList<>(keys);
            Collections.sort(sorted);
            insert(w, sorted.subList(0, rangeKeys + 100));
            ProgressProbe probe = new ProgressProbe(c, "reviews", false, keys);
            assertThat(probe.wholeTableReason).isNull();

            assertThat(probe.visible()).isEqualTo(count(w)).isEqualTo(rangeKeys + 100);
            assertThat(probe.rowsCounted).isEqualTo(rangeKeys + 100);

            insert(w, sorted.subList(rangeKeys + 100, 2 * rangeKeys + 50));
            Thread.sleep(1_100);
            long before = probe.rowsCounted;
            assertThat(probe.visible()).isEqualTo(count(w)).isEqualTo(2 * rangeKeys + 50);
            // The first range was full at the last count: only the second and third were read.
            assertThat(probe.rowsCounted - before).isEqualTo(rangeKeys + 50);

            insert(w, sorted.subList(2 * rangeKeys + 50, sorted.size()));
            Thread.sleep(1_100);
            before = probe.rowsCounted;
            assertThat(probe.visible()).isEqualTo(count(w)).isEqualTo(keys.size());
            // The third range, then the whole table once to confirm the ranges' total.
            assertThat(probe.rowsCounted - before).isEqualTo(1808 + keys.size());
            assertThat(probe.wholeTableReason).isNull();
        }
    }

    @Test
    void givesUpRangesWhenARangeHoldsARowTheSourceDidNotName() throws Exception {
        String url = TestMySql.newDatabase("progress_probe_stray");
        try (Connection c = TestMySql.connect(url);
                Statement w = c.createStatement()) {
            w.execute(
                    "CREATE TABLE reviews (_id VARCHAR(32) COLLATE utf8mb4_nopad_bin PRIMARY"
                            + " KEY)");
            List<String> keys = randomKeys(10);
            insert(w, keys);
            insert(w, List.of("stray"));
            ProgressProbe probe = new ProgressProbe(c, "reviews", false, keys);
            assertThat(probe.visible()).isEqualTo(11);
            assertThat(probe.wholeTableReason).contains("held 11 rows for 10 source keys");
        }
    }

    @Test
    void countsTheWholeTableWhereTheKeyOrderIsNotJavas() throws Exception {
        String url = TestMySql.newDatabase("progress_probe_ci");
        try (Connection c = TestMySql.connect(url);
                Statement w = c.createStatement()) {
            w.execute(
                    "CREATE TABLE reviews (_id VARCHAR(32) COLLATE utf8mb4_general_ci PRIMARY"
                            + " KEY)");
            // Keys of one case: the collation would take 'a' and 'A' for one key.
            List<String> keys =
                    randomKeys(100).stream()
                            .map(k -> k.toUpperCase(java.util.Locale.ROOT))
                            .distinct()
                            .toList();
            insert(w, keys);
            ProgressProbe probe = new ProgressProbe(c, "reviews", false, keys);
            assertThat(probe.wholeTableReason).contains("utf8mb4_general_ci");
            assertThat(probe.visible()).isEqualTo(keys.size());
            assertThat(probe.rowsCounted).isEqualTo(keys.size());
        }
    }

    private static List<String> randomKeys(int n) {
        String alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        Random random = new Random(42);
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        while (keys.size() < n) {
            StringBuilder k = new StringBuilder();
            for (int i = 0, len = 1 + random.nextInt(12); i < len; i++) {
                k.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            keys.add(k.toString());
        }
        List<String> out = new ArrayList<>(keys);
        Collections.shuffle(out, random);
        return out;
    }

    private static void insert(Statement w, List<String> keys) throws Exception {
        for (int i = 0; i < keys.size(); i += 1000) {
            StringBuilder sql = new StringBuilder("INSERT INTO reviews VALUES ");
            for (int j = i; j < Math.min(keys.size(), i + 1000); j++) {
                sql.append(j > i ? "," : "").append("('").append(keys.get(j)).append("')");
            }
            w.execute(sql.toString());
        }
    }

    private static long count(Statement w) throws Exception {
        try (ResultSet rs = w.executeQuery("SELECT COUNT(*) FROM reviews")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
