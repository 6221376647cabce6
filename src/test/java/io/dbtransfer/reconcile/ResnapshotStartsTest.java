package io.dbtransfer.reconcile;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Where a re-snapshot generation started, across restarts. */
class ResnapshotStartsTest {

    @Test
    void aNewGenerationStartsAtThisRunsSnapshotVersion() {
        assertThat(ResnapshotStarts.resolve(List.of(), Map.of("a", 1), 500L))
                .containsExactly(Map.entry("a", 500L));
    }

    @Test
    void aRestoredGenerationKeepsItsFirstStartWhateverThisRunReads() {
        List<String> state = ResnapshotStarts.entries(Map.of("a", 1), Map.of("a", 500L));
        assertThat(ResnapshotStarts.resolve(state, Map.of("a", 1), 900L))
                .containsExactly(Map.entry("a", 500L));
        // A union state holds every subtask's copy: the earliest wins.
        List<String> copies =
                List.of(
                        state.get(0),
                        ResnapshotStarts.entries(Map.of("a", 1), Map.of("a", 400L)).get(0));
        assertThat(ResnapshotStarts.resolve(copies, Map.of("a", 1), 900L))
                .containsExactly(Map.entry("a", 400L));
    }

    @Test
    void aRaisedGenerationStartsAgainAndUnlistedCollectionsAreForgotten() {
        List<String> state =
                ResnapshotStarts.entries(Map.of("a", 1, "b", 2), Map.of("a", 500L, "b", 600L));
        assertThat(ResnapshotStarts.resolve(state, Map.of("a", 2), 900L))
                .containsExactly(Map.entry("a", 900L));
    }

    @Test
    void versionsAboveTheSignedRangeRoundTrip() {
        long big = 0xF000_0000_0000_0001L;
        List<String> state = ResnapshotStarts.entries(Map.of("a", 1), Map.of("a", big));
        assertThat(ResnapshotStarts.resolve(state, Map.of("a", 1), 5L))
                .containsExactly(Map.entry("a", big));
    }
}
