package io.dbtransfer.reconcile;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.hashing.Hash128;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-key rule: equal, not yet converged, or a mismatch of the right kind. */
class VerdictTest {

    private static final Hash128 H = new Hash128(1, 2);

    private static MySqlReadBack.Observed parent(long version, Hash128 hash) {
        MySqlReadBack.Observed o = new MySqlReadBack.Observed();
        o.hasParent = true;
        o.version = version;
        o.hash = hash;
        return o;
    }

    private static MySqlReadBack.Observed nothing() {
        return new MySqlReadBack.Observed();
    }

    private static MySqlReadBack.Observed orphanChildren() {
        MySqlReadBack.Observed o = new MySqlReadBack.Observed();
        o.childRows = 2;
        o.hash = H;
        return o;
    }

    private static String v(KeyState s, MySqlReadBack.Observed o, int attempts) {
        return Verdict.judge(s, o, attempts, 3).toString();
    }

    @Test
    void equalVersionAndHashIsOk() {
        assertThat(v(new KeyState(5, H, (byte) 0), parent(5, H), 0)).isEqualTo("OK");
    }

    @Test
    void equalVersionDifferentHashIsDifferentAtOnce() {
        assertThat(v(new KeyState(5, H, (byte) 0), parent(5, new Hash128(9, 9)), 0))
                .isEqualTo("MISMATCH different (rows)");
    }

    @Test
    void olderOrNewerMySqlIsRecheckedThenDifferentInVersion() {
        KeyState s = new KeyState(5, H, (byte) 0);
        assertThat(v(s, parent(4, H), 0)).isEqualTo("RECHECK");
        assertThat(v(s, parent(6, H), 2)).isEqualTo("RECHECK");
        assertThat(v(s, parent(4, H), 3)).isEqualTo("MISMATCH different (_src_version)");
    }

    @Test
    void absentParentIsRecheckedThenMissing() {
        KeyState s = new KeyState(5, H, (byte) 0);
        assertThat(v(s, nothing(), 0)).isEqualTo("RECHECK");
        assertThat(v(s, nothing(), 3)).isEqualTo("MISMATCH missing (rows)");
        assertThat(v(s, orphanChildren(), 3)).isEqualTo("MISMATCH missing (parent row)");
    }

    @Test
    void deletedKeyWithRowsIsExtraAfterRechecksAndOkWithout() {
        KeyState s = new KeyState(5, Hash128.ZERO, KeyState.DELETED);
        assertThat(v(s, nothing(), 0)).isEqualTo("OK");
        assertThat(v(s, parent(4, H), 0)).isEqualTo("RECHECK");
        assertThat(v(s, parent(4, H), 3)).isEqualTo("MISMATCH extra (rows)");
    }

    @Test
    void keyTheSourceNeverHadIsExtraAtOnceIncludingOrphanChildRows() {
        assertThat(v(null, parent(4, H), 0)).isEqualTo("MISMATCH extra (rows)");
        assertThat(v(null, orphanChildren(), 0)).isEqualTo("MISMATCH extra (child rows)");
        assertThat(v(null, nothing(), 0)).isEqualTo("OK");
    }

    @Test
    void aReportedDifferenceIsNotReportedAgain() {
        KeyState s = new KeyState(5, H, KeyState.REPORTED);
        assertThat(v(s, parent(5, new Hash128(9, 9)), 0))
                .isEqualTo("ALREADY_REPORTED different (rows)");
    }

    @Test
    void backoffDoublesUpToTheCap() {
        ReconcileSettings s =
                ReconcileSettings.builder(
                                "jdbc:mysql://x/",
                                new io.dbtransfer.mapping.Mapping(java.util.Map.of()))
                        .recheckDelayMs(100)
                        .maxBackoffMs(1000)
                        .maxRechecks(3)
                        .build();
        assertThat(s.backoff(0)).isEqualTo(100);
        assertThat(s.backoff(1)).isEqualTo(200);
        assertThat(s.backoff(5)).isEqualTo(1000);
    }
}
