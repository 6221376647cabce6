package io.dbtransfer.reconcile;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which restored sweep a subtask continues, and the figures a sweep leaves in the gauges. */
class SweepCursorTest {

    @Test
    void onlyTheSameSubtaskAtTheSameParallelismContinuesASweep() {
        SweepCursor zero = new SweepCursor(0, 2, 10);
        SweepCursor one = new SweepCursor(1, 2, 10);
        List<SweepCursor> restored = List.of(zero, one);
        assertThat(SweepCursor.resumable(restored, 1, 2)).isSameAs(one);
        assertThat(SweepCursor.resumable(restored, 0, 2)).isSameAs(zero);
        assertThat(SweepCursor.resumable(restored, 1, 3)).as("rescaled: start over").isNull();
        assertThat(SweepCursor.resumable(List.of(), 0, 1)).isNull();
    }

    @Test
    void aFinishedSweepSetsTheGauges() {
        ReconcileGauges g = new ReconcileGauges();
        assertThat(g.lastSweepConsistent).as("no sweep yet").isEqualTo(-1);
        SweepCursor c = new SweepCursor(0, 1, 1_000);
        c.stateKeys = 3;
        c.mysqlKeys = 4;
        g.sweepAt(c);
        assertThat(g.sweepPosition).isEqualTo(7);
        c.consistent = false;
        g.sweepDone(c, 1_500);
        g.sweepAt(null);
        assertThat(g.lastSweepConsistent).isZero();
        assertThat(g.lastSweepMillis).isEqualTo(500);
        assertThat(g.lastSweepKeys).isEqualTo(7);
        assertThat(g.sweepsDone).isEqualTo(1);
        assertThat(g.sweepPosition).isZero();
    }
}
