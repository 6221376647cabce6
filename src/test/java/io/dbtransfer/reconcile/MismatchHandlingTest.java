package io.dbtransfer.reconcile;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.hashing.Hash128;
import io.dbtransfer.model.MismatchRecord;
import io.dbtransfer.model.RowChange;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every branch of what reconcile does with a mismatch: wait, report (and why), or repair. */
class MismatchHandlingTest {

    private static final Hash128 H = new Hash128(1L, 2L);

    private static MySqlReadBack.Observed parentAt(long version) {
        MySqlReadBack.Observed o = new MySqlReadBack.Observed();
        o.version = version;
        o.hasParent = true;
        o.hash = new Hash128(9L, 9L);
        return o;
    }

    private static MismatchRecord record(KeyState state, MySqlReadBack.Observed observed) {
        Verdict v = Verdict.judge(state, observed, 0, 0);
        return MismatchHandling.record("c", "t", "k1", v, state, observed, 42L, "sweep");
    }

    private static DocumentRereader.Reread readOk() {
        DocumentRereader.Reread r = new DocumentRereader.Reread();
        r.change = RowChange.delete("c", "t", "\"k1\"", 7L, new String[] {"k1"});
        r.operationTime = (5L << 32) | 1;
        return r;
    }

    @Test
    void theRecordCarriesBothVersionsAndWhereItWasFound() {
        MismatchRecord m = record(new KeyState(7L, H, (byte) 0), parentAt(7L));
        assertThat(m.kind).isEqualTo(MismatchRecord.DIFFERENT);
        assertThat(m.sourceVersion).isEqualTo(7L);
        assertThat(m.mysqlVersion).isEqualTo(7L);
        assertThat(m.firstSeenMillis).isEqualTo(42L);
        assertThat(m.detectedBy).isEqualTo("sweep");
        assertThat(m.status).isEqualTo(MismatchRecord.OPEN);
    }

    @Test
    void aKeyTheSourceNeverNamedHasSourceVersionZeroAndNoParentIsMinusOne() {
        MySqlReadBack.Observed childOnly = new MySqlReadBack.Observed();
        childOnly.childRows = 1;
        MismatchRecord m =
                record(new KeyState(3L, Hash128.ZERO, KeyState.UNKNOWN_TO_SOURCE), childOnly);
        assertThat(m.kind).isEqualTo(MismatchRecord.EXTRA);
        assertThat(m.sourceVersion).isZero();
        assertThat(m.mysqlVersion).isEqualTo(-1L);
    }

    @Test
    void aRepairStillCommittingGetsTheRecheckBudgetAndNoMore() {
        KeyState repaired = new KeyState(7L, H, KeyState.REPAIRED);
        assertThat(MismatchHandling.awaitRepair(repaired, 0, 2)).isTrue();
        assertThat(MismatchHandling.awaitRepair(repaired, 2, 2)).isFalse();
        assertThat(MismatchHandling.awaitRepair(new KeyState(7L, H, (byte) 0), 0, 2)).isFalse();
        assertThat(MismatchHandling.awaitRepair(null, 0, 2)).isFalse();
    }

    @Test
    void reReadsOnlyWithASourceToRepairOrToNameColumns() {
        assertThat(MismatchHandling.needsReread(false, true, MismatchRecord.DIFFERENT)).isFalse();
        assertThat(MismatchHandling.needsReread(true, false, MismatchRecord.DIFFERENT)).isTrue();
        assertThat(MismatchHandling.needsReread(true, false, MismatchRecord.MISSING)).isFalse();
        assertThat(MismatchHandling.needsReread(true, true, MismatchRecord.MISSING)).isTrue();
    }

    @Test
    void withoutRepairEveryMismatchIsReportedWithoutANote() {
        MismatchRecord m = record(new KeyState(7L, H, (byte) 0), parentAt(7L));
        assertThat(MismatchHandling.decide(false, new KeyState(7L, H, (byte) 0), readOk(), m))
                .isEqualTo(MismatchHandling.Action.REPORT);
        assertThat(m.note).isNull();
    }

    @Test
    void aKeyIsRepairedOncePerVersion() {
        KeyState repaired = new KeyState(7L, H, KeyState.REPAIRED);
        MismatchRecord m = record(repaired, parentAt(7L));
        assertThat(MismatchHandling.decide(true, repaired, readOk(), m))
                .isEqualTo(MismatchHandling.Action.REPORT);
        assertThat(m.note).contains("did not converge").contains("7");
    }

    @Test
    void aFailedReReadIsReportedWithItsReason() {
        KeyState state = new KeyState(7L, H, (byte) 0);
        MismatchRecord m = record(state, parentAt(7L));
        assertThat(
                        MismatchHandling.decide(
                                true, state, DocumentRereader.Reread.failed("timeout"), m))
                .isEqualTo(MismatchHandling.Action.REPORT);
        assertThat(m.note).isEqualTo("not repaired: timeout");
        MismatchRecord n = record(state, parentAt(7L));
        assertThat(MismatchHandling.decide(true, state, null, n))
                .isEqualTo(MismatchHandling.Action.REPORT);
        assertThat(n.note).contains("no source");
    }

    @Test
    void aGoodReReadIsRepairedAndTheRecordSaysHow() {
        KeyState state = new KeyState(7L, H, (byte) 0);
        MismatchRecord m = record(state, parentAt(7L));
        DocumentRereader.Reread r = readOk();
        assertThat(MismatchHandling.decide(true, state, r, m))
                .isEqualTo(MismatchHandling.Action.REPAIR);
        MismatchHandling.repaired(m, r.change, r.operationTime);
        assertThat(m.status).isEqualTo(MismatchRecord.REPAIRED);
        assertThat(m.repairVersion).isEqualTo(7L);
        assertThat(m.note).startsWith("deleted from the document read from MongoDB at ");
    }
}
