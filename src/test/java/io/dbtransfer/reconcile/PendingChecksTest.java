package io.dbtransfer.reconcile;

import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.model.RoutingKey;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** When a key is read back: after its checkpoint plus the delay, in rounds, and across restores. */
class PendingChecksTest {

    private static final String A = RoutingKey.of("c", "\"a\"");
    private static final String B = RoutingKey.of("c", "\"b\"");
    private static final String X = RoutingKey.of("d", "\"x\"");

    @Test
    void aChangedKeyIsDueOnlyAfterTheCheckpointCoveringItCompleted() {
        PendingChecks p = new PendingChecks();
        p.changed(A, 100);
        assertThat(p.due(Long.MAX_VALUE - 1, 10).size).as("no checkpoint yet").isZero();
        p.snapshot(7);
        p.changed(B, 150); // after checkpoint 7: not covered by it
        p.checkpointCompleted(6, 1_000);
        assertThat(p.due(5_000, 10).size).as("an earlier checkpoint does not cover it").isZero();
        p.checkpointCompleted(7, 1_000);
        assertThat(p.due(999, 10).size).as("the check delay").isZero();
        PendingChecks.Round r = p.due(1_000, 10);
        assertThat(r.byCollection).isEqualTo(Map.of("c", List.of(A)));
    }

    @Test
    void aLaterChangeKeepsTheFirstSightingForTheCheckLag() {
        PendingChecks p = new PendingChecks();
        p.changed(A, 100);
        p.changed(A, 300);
        assertThat(p.get(A).firstSeen).isEqualTo(100);
        assertThat(p.checkLag(400)).isEqualTo(300);
        p.remove(A);
        assertThat(p.checkLag(400)).isZero();
        assertThat(p.size()).isZero();
    }

    @Test
    void aRepairedKeyStartsAFreshCheck() {
        PendingChecks p = new PendingChecks();
        p.changed(A, 100);
        p.get(A).attempts = 3;
        p.repaired(A, 500);
        assertThat(p.get(A).firstSeen).isEqualTo(500);
        assertThat(p.get(A).attempts).isZero();
        assertThat(p.get(A).dueAt).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aRoundTakesAtMostMaxDueKeysGroupedByCollection() {
        PendingChecks p = new PendingChecks();
        p.suspect(A, 10);
        p.suspect(X, 10);
        p.suspect(B, 10);
        PendingChecks.Round r = p.due(10, 2);
        assertThat(r.size).isEqualTo(2);
        assertThat(r.byCollection).isEqualTo(Map.of("c", List.of(A), "d", List.of(X)));
        assertThat(p.due(10, 5).byCollection)
                .isEqualTo(Map.of("c", List.of(A, B), "d", List.of(X)));
    }

    @Test
    void aSuspectIsDueAtOnceAndRecordedAsFoundByTheSweep() {
        PendingChecks p = new PendingChecks();
        p.suspect(A, 42);
        assertThat(p.contains(A)).isTrue();
        assertThat(p.get(A).detectedBy).isEqualTo("sweep");
        assertThat(p.due(42, 10).size).isEqualTo(1);
    }

    @Test
    void aRecheckBacksOffAndCountsAnAttempt() {
        PendingChecks p = new PendingChecks();
        p.suspect(A, 0);
        p.recheck(p.get(A), 250);
        assertThat(p.get(A).attempts).isEqualTo(1);
        assertThat(p.due(249, 10).size).isZero();
        assertThat(p.due(250, 10).size).isEqualTo(1);
    }

    @Test
    void theSnapshotLinesRestoreTheKeysThisSubtaskOwnsDueAfterTheDelay() {
        PendingChecks p = new PendingChecks();
        p.changed(A, 100);
        p.changed(X, 200);
        p.get(X).attempts = 2;
        List<String> lines = p.snapshot(3);
        // The operator-state format of earlier releases (savepoints must keep restoring).
        assertThat(lines).containsExactly("100\t0\t" + A, "200\t2\t" + X);

        PendingChecks restored = new PendingChecks();
        restored.restore(lines, k -> !k.equals(A), 5_000);
        assertThat(restored.contains(A)).isFalse();
        assertThat(restored.get(X).firstSeen).isEqualTo(200);
        assertThat(restored.get(X).attempts).isEqualTo(2);
        assertThat(restored.due(4_999, 10).size).isZero();
        assertThat(restored.due(5_000, 10).byCollection).isEqualTo(Map.of("d", List.of(X)));
    }

    @Test
    void theCheckLagIsTheOldestSightingAlsoAfterRepairsSuspectsAndRestores() {
        PendingChecks p = new PendingChecks();
        p.changed(A, 100);
        p.changed(B, 200);
        p.changed(X, 300);
        p.repaired(A, 400); // A's check starts again: B is now the oldest
        assertThat(p.checkLag(1_000)).isEqualTo(800);
        p.suspect(B, 500);
        assertThat(p.checkLag(1_000)).isEqualTo(700);
        p.remove(X);
        assertThat(p.checkLag(1_000)).isEqualTo(600);

        // Lines of two subtasks, the younger one's first.
        PendingChecks restored = new PendingChecks();
        restored.restore(List.of("900\t0\t" + A, "50\t1\t" + X, "300\t0\t" + B), k -> true, 5_000);
        assertThat(restored.checkLag(1_000)).isEqualTo(950);
        restored.remove(X);
        assertThat(restored.checkLag(1_000)).isEqualTo(700);
    }

    @Test
    void aKeyBecomesDueWhateverHappenedToTheOthersWhileNoneWasDue() {
        PendingChecks p = new PendingChecks();
        p.changed(A, 0);
        p.changed(B, 0);
        p.snapshot(1);
        // Nothing due: the walk is skipped from now on until a dueAt is set.
        assertThat(p.due(100, 10).size).isZero();
        p.checkpointCompleted(1, 200);
        assertThat(p.due(199, 10).size).isZero();
        PendingChecks.Round first = p.due(200, 1);
        assertThat(first.byCollection).isEqualTo(Map.of("c", List.of(A)));
        // A round that stopped at max leaves the rest due.
        assertThat(p.due(200, 10).byCollection).isEqualTo(Map.of("c", List.of(A, B)));
        // Keys returned but neither removed nor rechecked (the read failed) stay due.
        assertThat(p.due(201, 10).size).isEqualTo(2);
        p.recheck(p.get(A), 1_000);
        p.remove(B);
        assertThat(p.due(999, 10).size).isZero();
        p.suspect(X, 500);
        assertThat(p.due(999, 10).byCollection).isEqualTo(Map.of("d", List.of(X)));
        p.remove(X);
        assertThat(p.due(1_000, 10).byCollection).isEqualTo(Map.of("c", List.of(A)));
    }

    @Test
    void aKeyWithNoTextInTheKeyColumnTypeIsDropped() {
        PendingChecks p = new PendingChecks();
        String number = RoutingKey.of("c", "{\"$numberLong\": \"12\"}");
        String text = RoutingKey.of("c", "\"abc\"");
        p.suspect(number, 0);
        p.suspect(text, 0);
        Map<String, String> byText = p.keyTexts(List.of(number, text), ColumnType.parse("BIGINT"));
        assertThat(byText).isEqualTo(Map.of("12", number));
        assertThat(p.contains(text)).as("can never be read back").isFalse();
        assertThat(p.contains(number)).isTrue();
    }
}
