package io.dbtransfer.cli;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The figures made of the job's metrics as Flink's REST API names them ({@code
 * <operator>.dbtransfer.<metric>}, per collection {@code <operator>.dbtransfer.collection.<name>.
 * <metric>}): the Prometheus-style names count, each once, and the previous release's camelCase
 * aliases beside them are not counted again.
 */
class FlinkRestMetricsTest {

    private static final String NORMALIZE = "Normalize_documents_to_rows.dbtransfer.";
    private static final String RECONCILE = "Reconcile_with_MySQL.dbtransfer.";

    private static FlinkRestMetrics.Metric m(String id, double sum, double max) {
        return new FlinkRestMetrics.Metric(id, sum, max);
    }

    /** What a job with both names registered reports (see NormalizeFunction, ReconcileOperator). */
    private static List<FlinkRestMetrics.Metric> job() {
        List<FlinkRestMetrics.Metric> l = new ArrayList<>();
        l.add(m(NORMALIZE + "collection.items.snapshot_documents_read_total", 200, 120));
        l.add(m(NORMALIZE + "collection.items.snapshotDocumentsRead", 200, 120));
        l.add(m(NORMALIZE + "collection.items.snapshot_documents_estimated", 250, 250));
        l.add(m(NORMALIZE + "collection.items.snapshotEstimatedTotal", 250, 250));
        l.add(m(NORMALIZE + "collection.items.dead_letters_total", 3, 2));
        l.add(m(NORMALIZE + "collection.items.change_lag_seconds", 9, 9));
        l.add(m(NORMALIZE + "change_events_total", 5, 4));
        l.add(m(NORMALIZE + "changeEvents", 5, 4));
        l.add(m(NORMALIZE + "change_lag_seconds", 0.7, 0.4));
        l.add(m(NORMALIZE + "changeLagMs", 700, 400));
        l.add(m(NORMALIZE + "dead_letters_total", 3, 2));
        l.add(m(NORMALIZE + "deadLetters", 3, 2));
        l.add(m(NORMALIZE + "recordsPerSecond", 12, 7));
        l.add(m(RECONCILE + "mismatches_total", 4, 3));
        l.add(m(RECONCILE + "reconcileMismatches", 4, 3));
        l.add(m(RECONCILE + "mismatches_repaired_total", 1, 1));
        l.add(m(RECONCILE + "reconcileRepairs", 1, 1));
        l.add(m(RECONCILE + "mismatches_open_total", 3, 2));
        return l;
    }

    @Test
    void everyFigureCountsOnceByItsPrometheusName() {
        ProgressFigures.Reading r = FlinkRestMetrics.reading(42, job());
        assertThat(r.atMillis()).isEqualTo(42);
        assertThat(r.read()).isEqualTo(Map.of("items", 200L));
        assertThat(r.estimated()).isEqualTo(Map.of("items", 250L));
        assertThat(r.changeEvents()).isEqualTo(5);
        assertThat(r.changeLagMs()).as("the largest lag of a subtask").isEqualTo(400);
        assertThat(r.mismatches()).isEqualTo(4);
        assertThat(r.openMismatches()).isEqualTo(3);
        assertThat(r.repairs()).isEqualTo(1);
        assertThat(r.deadLetters()).as("job-wide, not again per collection").isEqualTo(3);
        assertThat(r.recordsPerSecond()).isEqualTo(12.0);
    }

    @Test
    void onlyTheMetricsOfTheFiguresAreAskedFor() {
        List<String> wanted = new ArrayList<>();
        for (FlinkRestMetrics.Metric metric : job()) {
            if (FlinkRestMetrics.wanted(metric.id())) {
                wanted.add(metric.id().substring(metric.id().indexOf(".dbtransfer.") + 12));
            }
        }
        assertThat(wanted)
                .containsExactlyInAnyOrder(
                        "collection.items.snapshot_documents_read_total",
                        "collection.items.snapshot_documents_estimated",
                        "change_events_total",
                        "change_lag_seconds",
                        "dead_letters_total",
                        "recordsPerSecond",
                        "mismatches_total",
                        "mismatches_repaired_total",
                        "mismatches_open_total");
    }

    @Test
    void theOpenMismatchesShowInTheLine() {
        ProgressFigures f = new ProgressFigures(60_000);
        f.add(FlinkRestMetrics.reading(0, job()));
        assertThat(f.line())
                .isEqualTo(
                        "snapshot items 80% (200 of 250) | 12 docs/s | ETA 4.2s | change lag 400ms"
                                + " | changes 5 | mismatches 4 (3 open, 1 repaired)"
                                + " | dead letters 3");
    }
}
