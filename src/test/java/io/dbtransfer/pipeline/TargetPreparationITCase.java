package io.dbtransfer.pipeline;

import io.dbtransfer.model.ConfigException;
import io.dbtransfer.pipeline.TargetPreparation.Outcome;
import io.dbtransfer.testing.MigrationFixture;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which {@code main()} runs are fresh starts, against a real MariaDB: a re-run with the fixed job
 * id that prepared the target (JobManager failover) leaves the rows alone, in every {@code
 * sink.on-fresh-start} mode; another id, no id (random job ids: no HA, no {@code --job-id}) or the
 * all-zero id is a fresh start; a savepoint restore leaves the rows alone.
 */
class TargetPreparationITCase {

    private static final String JOB_A = "0000000017cf06fb0000000000000000";
    private static final String JOB_B = "000000002a1b3c4d0000000000000000";
    private static final String ZERO = "00000000000000000000000000000000";

    @Test
    void truncateOnlyOnTheFirstRunOfAJobIdentity() throws Exception {
        MigrationFixture f = fixture("truncate");
        assertThat(TargetPreparation.prepare(f.config(), false, JOB_A, 7L << 32))
                .isEqualTo(Outcome.FRESH_START);
        assertThat(recorded(f, JOB_A)).isEqualTo(Long.toUnsignedString(7L << 32) + " truncate");
        fill(f, 5);

        // JobManager failover: the same id, no savepoint path, a newer probe version.
        assertThat(TargetPreparation.prepare(f.config(), false, JOB_A, 9L << 32))
                .isEqualTo(Outcome.RE_RUN);
        assertThat(f.count("items")).isEqualTo(5);
        assertThat(recorded(f, JOB_A))
                .as("the first run's record stays")
                .isEqualTo(Long.toUnsignedString(7L << 32) + " truncate");
        // Upper-case spelling of the same id.
        assertThat(TargetPreparation.prepare(f.config(), false, JOB_A.toUpperCase(), 1L))
                .isEqualTo(Outcome.RE_RUN);
        assertThat(f.count("items")).isEqualTo(5);

        // Restoring from a savepoint: never touched.
        assertThat(TargetPreparation.prepare(f.config(), true, null, 1L))
                .isEqualTo(Outcome.RESTORING);
        assertThat(f.count("items")).isEqualTo(5);

        // A new identity is a new migration: truncated.
        assertThat(TargetPreparation.prepare(f.config(), false, JOB_B, 1L))
                .isEqualTo(Outcome.FRESH_START);
        assertThat(f.count("items")).isZero();
        assertThat(recorded(f, JOB_B)).isNotNull();

        // No fixed id (random job id, no HA): every run is a fresh start, nothing recorded.
        fill(f, 3);
        assertThat(TargetPreparation.prepare(f.config(), false, null, 1L))
                .isEqualTo(Outcome.FRESH_START);
        assertThat(f.count("items")).isZero();
    }

    @Test
    void theAllZeroJobIdIsNoIdentity() throws Exception {
        MigrationFixture f = fixture("truncate");
        assertThat(TargetPreparation.prepare(f.config(), false, ZERO, 1L))
                .isEqualTo(Outcome.FRESH_START);
        assertThat(recorded(f, ZERO)).isNull();
        fill(f, 4);
        // A redeploy with the zero id is not mistaken for a recovery.
        assertThat(TargetPreparation.prepare(f.config(), false, ZERO, 2L))
                .isEqualTo(Outcome.FRESH_START);
        assertThat(f.count("items")).isZero();
    }

    @Test
    void failIfNotEmptyFailsForANewIdentityOnlyAndNamesTheFix() throws Exception {
        MigrationFixture f = fixture("fail-if-not-empty");
        assertThat(TargetPreparation.prepare(f.config(), false, JOB_A, 1L))
                .isEqualTo(Outcome.FRESH_START);
        fill(f, 2);
        assertThat(TargetPreparation.prepare(f.config(), false, JOB_A, 2L))
                .isEqualTo(Outcome.RE_RUN);
        assertThatThrownBy(() -> TargetPreparation.prepare(f.config(), false, JOB_B, 3L))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sink.on-fresh-start")
                .hasMessageContaining("[items]");
        assertThat(recorded(f, JOB_B)).as("a refused start records nothing").isNull();
        assertThat(f.count("items")).isEqualTo(2);
    }

    private static MigrationFixture fixture(String onFreshStart) {
        return new MigrationFixture("prep")
                .collections("items:\n  key-type: BIGINT\n  columns:\n    v: INT\n")
                .set("sink.on-fresh-start", onFreshStart);
    }

    private static void fill(MigrationFixture f, int rows) throws Exception {
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            for (int i = 0; i < rows; i++) {
                st.executeUpdate(
                        "INSERT INTO items (`_id`, `v`, `_src_version`) VALUES ("
                                + i
                                + ", "
                                + i
                                + ", 1)");
            }
        }
    }

    /** {@code snapshot_version on_fresh_start} recorded for a job id, or {@code null}. */
    private static String recorded(MigrationFixture f, String jobId) throws Exception {
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            if (!st.executeQuery("SHOW TABLES LIKE '" + TargetPreparation.PREPARATION_TABLE + "'")
                    .next()) {
                return null;
            }
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT snapshot_version, on_fresh_start FROM "
                                    + TargetPreparation.PREPARATION_TABLE
                                    + " WHERE job_id = '"
                                    + jobId
                                    + "'")) {
                return rs.next() ? rs.getString(1) + " " + rs.getString(2) : null;
            }
        }
    }
}
