package io.dbtransfer.source;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The oplog window's capacity and the warning's threshold. */
class OplogWindowTest {

    @Test
    void fullOplogHoldsItsSpanAPartlyFilledOneIsScaledToItsCap() {
        OplogWindow full = new OplogWindow(1_000, 1_600, 95, 100);
        assertThat(full.full()).isTrue();
        assertThat(full.capacity()).contains(Duration.ofSeconds(600));

        OplogWindow quarter = new OplogWindow(1_000, 1_600, 25, 100);
        assertThat(quarter.full()).isFalse();
        assertThat(quarter.capacity()).contains(Duration.ofSeconds(2_400));

        assertThat(new OplogWindow(1_000, 1_000, 25, 100).capacity())
                .as("no span yet: rate unknown")
                .isEmpty();
    }

    @Test
    void warnsBelowTwiceTheEstimateWithBothFigures() {
        OplogWindow full = new OplogWindow(1_000, 1_600, 100, 100);
        // 1,000,000 documents at 1,000/s on 2 subtasks: 500 s; 2 x 500 s > 600 s.
        assertThat(OplogWindow.estimate(1_000_000, 1000, 2)).isEqualTo(Duration.ofSeconds(500));
        assertThat(full.warning(1_000_000, 1000, 2, "rate"))
                .hasValueSatisfying(
                        w ->
                                assertThat(w)
                                        .contains("holds 600 s of changes")
                                        .contains("estimated snapshot time of 500 s")
                                        .contains("replSetResizeOplog")
                                        .contains("raise the parallelism"));
        // 4 subtasks: 250 s, 2 x 250 s <= 600 s.
        assertThat(full.warning(1_000_000, 1000, 4, "rate")).isEmpty();
    }
}
