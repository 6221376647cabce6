package io.dbtransfer.reconcile;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.hashing.Hash128;
import io.dbtransfer.model.RowChange;

import org.junit.jupiter.api.Test;

import static io.dbtransfer.reconcile.ReconcileOperatorITCase.T;
import static io.dbtransfer.reconcile.ReconcileOperatorITCase.upsert;
import static org.assertj.core.api.Assertions.assertThat;

/** How a key's state changes on a change, once verified, once reported and once repaired. */
class KeyStatesTest {

    private static final Hash128 H = new Hash128(1, 2);

    @Test
    void aChangeHoldsItsVersionAndTheHashOfItsRows() {
        RowChange c = upsert(1, 5);
        KeyState s = KeyStates.changed(null, c, T);
        assertThat(s.version).isEqualTo(5);
        assertThat(s.hash()).isEqualTo(KeyStates.rowsHash(T, c)).isNotEqualTo(Hash128.ZERO);
        assertThat(s.flags).isZero();
    }

    @Test
    void aDeleteIsATombstoneWithTheZeroHash() {
        RowChange d = RowChange.delete("c", "t", "\"k1\"", 9, new String[] {"k1"});
        KeyState s = KeyStates.changed(new KeyState(5, H, (byte) 0), d, T);
        assertThat(s.is(KeyState.DELETED)).isTrue();
        assertThat(s.hash()).isEqualTo(Hash128.ZERO);
    }

    @Test
    void anOlderReplayChangesNothingUnlessTheKeyWasUnknownToTheSource() {
        assertThat(KeyStates.changed(new KeyState(6, H, (byte) 0), upsert(1, 5), T)).isNull();
        assertThat(KeyStates.changed(new KeyState(6, H, KeyState.REPORTED), upsert(1, 5), T))
                .isNull();
        KeyState unknown = new KeyState(6, Hash128.ZERO, KeyState.UNKNOWN_TO_SOURCE);
        assertThat(KeyStates.changed(unknown, upsert(1, 5), T).version).isEqualTo(5);
        assertThat(KeyStates.changed(new KeyState(5, H, (byte) 0), upsert(1, 5), T)).isNotNull();
    }

    @Test
    void aVerifiedTombstoneOrGoneExtraIsCleared() {
        assertThat(KeyStates.verified(new KeyState(5, Hash128.ZERO, KeyState.DELETED)))
                .isEqualTo(KeyStates.AfterOk.CLEAR);
        assertThat(
                        KeyStates.verified(
                                new KeyState(
                                        5,
                                        Hash128.ZERO,
                                        (byte) (KeyState.UNKNOWN_TO_SOURCE | KeyState.REPORTED))))
                .isEqualTo(KeyStates.AfterOk.CLEAR);
    }

    @Test
    void aVerifiedKeyLosesItsReportedAndRepairedFlags() {
        KeyState s = new KeyState(5, H, (byte) (KeyState.REPORTED | KeyState.REPAIRED));
        assertThat(KeyStates.verified(s)).isEqualTo(KeyStates.AfterOk.UPDATE);
        assertThat(s.flags).isZero();
        assertThat(KeyStates.verified(s)).isEqualTo(KeyStates.AfterOk.KEEP);
        assertThat(KeyStates.verified(null)).isEqualTo(KeyStates.AfterOk.KEEP);
    }

    @Test
    void aReportedKeyIsMarkedAndAnUnknownOneRemembersMySqlsVersion() {
        MySqlReadBack.Observed o = new MySqlReadBack.Observed();
        o.hasParent = true;
        o.version = 8L;
        KeyState known = new KeyState(5, H, (byte) 0);
        assertThat(KeyStates.reported(known, o)).isSameAs(known);
        assertThat(known.is(KeyState.REPORTED)).isTrue();
        KeyState unknown = KeyStates.reported(null, o);
        assertThat(unknown.version).isEqualTo(8);
        assertThat(unknown.is(KeyState.UNKNOWN_TO_SOURCE)).isTrue();
        assertThat(unknown.is(KeyState.REPORTED)).isTrue();
        assertThat(unknown.expectsRows()).isFalse();
        assertThat(KeyStates.reported(null, new MySqlReadBack.Observed()).version).isZero();
    }

    @Test
    void aRepairIsMarkedRepairedAtItsVersion() {
        KeyState s = KeyStates.repaired(upsert(1, 5), T);
        assertThat(s.version).isEqualTo(5);
        assertThat(s.is(KeyState.REPAIRED)).isTrue();
        assertThat(s.is(KeyState.DELETED)).isFalse();
        RowChange d = RowChange.delete("c", "t", "\"k1\"", 9, new String[] {"k1"});
        assertThat(KeyStates.repaired(d, T).flags)
                .isEqualTo((byte) (KeyState.DELETED | KeyState.REPAIRED));
    }

    @Test
    void columnsAreNamedOnlyWhileTheReReadDocumentIsWhatTheJobHolds() {
        RowChange c = upsert(1, 5);
        KeyState same = KeyStates.changed(null, c, T);
        assertThat(KeyStates.sameAsSource(same, c, T)).isTrue();
        assertThat(KeyStates.sameAsSource(same, upsert(2, 5), T)).isFalse();
        assertThat(KeyStates.sameAsSource(null, c, T)).isFalse();
        KeyState tombstone = new KeyState(5, Hash128.ZERO, KeyState.DELETED);
        RowChange d = RowChange.delete("c", "t", "\"k1\"", 5, new String[] {"k1"});
        assertThat(KeyStates.sameAsSource(tombstone, d, T)).isFalse();
    }
}
