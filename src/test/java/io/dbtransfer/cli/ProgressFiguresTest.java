package io.dbtransfer.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The figures of the progress line: percentage, rate and ETA from readings taken over time. */
class ProgressFiguresTest {

    private static ProgressFigures.Reading reading(
            long at, long read, long estimated, long changes, Long lag) {
        return new ProgressFigures.Reading(
                at,
                Map.of("reviews", read),
                Map.of("reviews", estimated),
                changes,
                lag,
                2,
                0,
                1,
                3,
                7);
    }

    @Test
    void percentageIsOfTheEstimateAndStopsAt100() {
        assertThat(ProgressFigures.percent(250, 1000L)).isEqualTo(25.0);
        assertThat(ProgressFigures.percent(1200, 1000L)).isEqualTo(100.0);
        assertThat(ProgressFigures.percent(5, null)).isNull();
        assertThat(ProgressFigures.percent(5, 0L)).isNull();
    }

    @Test
    void rateAndEtaComeFromTheReadingsOfTheWindow() {
        ProgressFigures f = new ProgressFigures(30_000);
        f.add(reading(0, 1_000, 12_000, 0, null));
        f.add(reading(5_000, 6_000, 12_000, 0, null));
        // 5,000 documents in 5 s: 1,000/s; 6,000 left: 6 s.
        assertThat(f.documentsPerSecond()).isEqualTo(1000.0);
        assertThat(f.etaMillis()).isEqualTo(6_000);
        assertThat(f.percentages()).containsEntry("reviews", 50.0);
        assertThat(f.line())
                .isEqualTo(
                        "snapshot reviews 50% (6,000 of 12,000) | 1,000 docs/s | ETA 6.0s"
                                + " | changes 0 | mismatches 2 (1 repaired) | dead letters 3");
    }

    @Test
    void oldReadingsLeaveTheWindow() {
        ProgressFigures f = new ProgressFigures(10_000);
        f.add(reading(0, 0, 100_000, 0, null));
        f.add(reading(20_000, 90_000, 100_000, 0, null)); // 4,500/s over the first 20 s
        f.add(reading(30_000, 91_000, 100_000, 0, null)); // 100/s over the last 10 s
        assertThat(f.snapshotPerSecond()).isEqualTo(100.0);
        assertThat(f.etaMillis()).isEqualTo(90_000);
    }

    @Test
    void aSingleReadingUsesTheJobsOwnRate() {
        ProgressFigures f = new ProgressFigures(30_000);
        assertThat(f.line()).contains("waiting");
        f.add(reading(0, 300, 1_000, 0, null));
        assertThat(f.documentsPerSecond()).isEqualTo(7.0);
        assertThat(f.etaMillis()).isEqualTo(100_000);
    }

    @Test
    void onceTheSnapshotIsReadThereIsNoEtaButTheChangeLag() {
        ProgressFigures f = new ProgressFigures(30_000);
        f.add(reading(0, 1_000, 1_000, 10, 250L));
        f.add(reading(2_000, 1_000, 1_000, 30, 1_500L));
        assertThat(f.etaMillis()).isZero();
        assertThat(f.line())
                .startsWith("snapshot reviews 100% (1,000 read) | 10 docs/s | change lag 1.5s")
                .doesNotContain("ETA");
    }

    @Test
    void aCollectionWithoutAnEstimateShowsItsCount() {
        ProgressFigures f = new ProgressFigures(30_000);
        f.add(
                new ProgressFigures.Reading(
                        0, Map.of("logs", 42L), Map.of(), 0, null, 0, 0, 0, 0, 0));
        assertThat(f.line()).startsWith("snapshot logs 42 read | 0 docs/s");
        assertThat(f.etaMillis()).isNull();
    }

    @Test
    void durationsReadWell() {
        assertThat(ProgressFigures.duration(850)).isEqualTo("850ms");
        assertThat(ProgressFigures.duration(4_200)).isEqualTo("4.2s");
        assertThat(ProgressFigures.duration(185_000)).isEqualTo("3m05s");
        assertThat(ProgressFigures.duration(3_720_000)).isEqualTo("1h02m");
    }
}
