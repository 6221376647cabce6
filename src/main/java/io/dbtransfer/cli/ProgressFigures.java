package io.dbtransfer.cli;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of a migration's progress line, from readings of the job's metrics taken over time:
 * snapshot percentage per collection, documents/s and ETA (from the readings of the last {@code
 * windowMillis}), change lag once streaming, mismatches and dead letters. Pure: the caller supplies
 * the readings with their times.
 */
final class ProgressFigures {

    /**
     * One reading of the job's metrics at {@code atMillis}. {@code read} and {@code estimated} are
     * snapshot documents per collection; {@code changeLagMs} is the lag of the last change (or null
     * when unknown); {@code mismatches} counts every mismatch reconcile found, {@code
     * openMismatches} those not repaired; {@code recordsPerSecond} is the job's own one-minute
     * rate, used while there is only one reading.
     */
    record Reading(
            long atMillis,
            Map<String, Long> read,
            Map<String, Long> estimated,
            long changeEvents,
            Long changeLagMs,
            long mismatches,
            long openMismatches,
            long repairs,
            long deadLetters,
            double recordsPerSecond) {

        /** Snapshot documents read, over every collection. */
        long snapshotRead() {
            return read.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Estimated snapshot documents still to read, over every collection with an estimate. */
        long snapshotRemaining() {
            long remaining = 0;
            for (Map.Entry<String, Long> e : estimated.entrySet()) {
                remaining += Math.max(0, e.getValue() - read.getOrDefault(e.getKey(), 0L));
            }
            return remaining;
        }
    }

    private final long windowMillis;
    private final Deque<Reading> readings = new ArrayDeque<>();

    /** Rates over the readings of the last {@code windowMillis}. */
    ProgressFigures(long windowMillis) {
        this.windowMillis = windowMillis;
    }

    /** Adds a reading (readings come in time order). */
    void add(Reading r) {
        readings.addLast(r);
        while (readings.size() > 2
                && r.atMillis() - readings.peekFirst().atMillis() > windowMillis) {
            readings.removeFirst();
        }
    }

    /** The latest reading, or null before the first. */
    Reading latest() {
        return readings.peekLast();
    }

    /**
     * Percentage of {@code read} of {@code estimated} (at most 100), or null without an estimate.
     */
    static Double percent(long read, Long estimated) {
        if (estimated == null || estimated <= 0) {
            return null;
        }
        return Math.min(100.0, 100.0 * read / estimated);
    }

    /** Snapshot percentage per collection (null where there is no estimate). */
    Map<String, Double> percentages() {
        Map<String, Double> out = new LinkedHashMap<>();
        Reading r = latest();
        if (r == null) {
            return out;
        }
        for (String c : r.estimated().keySet()) {
            out.put(c, percent(r.read().getOrDefault(c, 0L), r.estimated().get(c)));
        }
        for (String c : r.read().keySet()) {
            out.putIfAbsent(c, null);
        }
        return out;
    }

    /**
     * Documents (snapshot documents and change events) per second over the window; with a single
     * reading, the job's own rate; null before the first reading.
     */
    Double documentsPerSecond() {
        Double rate = rate(r -> r.snapshotRead() + r.changeEvents());
        return rate != null || latest() == null ? rate : latest().recordsPerSecond();
    }

    /** Snapshot documents per second over the window (with a single reading, the job's rate). */
    Double snapshotPerSecond() {
        Double rate = rate(Reading::snapshotRead);
        return rate != null || latest() == null ? rate : latest().recordsPerSecond();
    }

    private Double rate(java.util.function.ToLongFunction<Reading> figure) {
        if (readings.size() < 2) {
            return null;
        }
        Reading first = readings.peekFirst();
        Reading last = readings.peekLast();
        long millis = last.atMillis() - first.atMillis();
        if (millis <= 0) {
            return null;
        }
        return Math.max(0, figure.applyAsLong(last) - figure.applyAsLong(first)) * 1000.0 / millis;
    }

    /**
     * Milliseconds until the snapshot is read at the current snapshot rate: 0 when nothing is left,
     * null when unknown (no estimate, no rate yet, or no progress in the window).
     */
    Long etaMillis() {
        Reading r = latest();
        if (r == null || r.estimated().isEmpty()) {
            return null;
        }
        long remaining = r.snapshotRemaining();
        if (remaining == 0) {
            return 0L;
        }
        Double rate = snapshotPerSecond();
        if (rate == null || rate <= 0) {
            return null;
        }
        return Math.round(remaining * 1000.0 / rate);
    }

    /**
     * The progress line, e.g. {@code snapshot reviews 42% (5,040 of 12,000) | 1,204 docs/s | ETA 6s
     * | mismatches 0 | dead letters 0}; once the snapshot is read and changes stream, {@code
     * snapshot reviews done | change lag 0.3s | ...}.
     */
    String line() {
        Reading r = latest();
        if (r == null) {
            return "waiting for the job's first metrics";
        }
        StringBuilder sb = new StringBuilder("snapshot");
        Map<String, Double> percentages = percentages();
        if (percentages.isEmpty()) {
            sb.append(" (no estimate yet)");
        }
        boolean first = true;
        for (Map.Entry<String, Double> e : percentages.entrySet()) {
            sb.append(first ? " " : ", ").append(e.getKey()).append(' ');
            first = false;
            long read = r.read().getOrDefault(e.getKey(), 0L);
            Long estimated = r.estimated().get(e.getKey());
            if (e.getValue() == null) {
                sb.append(String.format(Locale.ROOT, "%,d read", read));
            } else if (read >= estimated) {
                sb.append(String.format(Locale.ROOT, "100%% (%,d read)", read));
            } else {
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "%.0f%% (%,d of %,d)",
                                Math.floor(e.getValue()),
                                read,
                                estimated));
            }
        }
        Double rate = documentsPerSecond();
        sb.append(" | ")
                .append(rate == null ? "-" : String.format(Locale.ROOT, "%,.0f", rate))
                .append(" docs/s");
        Long eta = etaMillis();
        if (eta != null && eta > 0) {
            sb.append(" | ETA ").append(duration(eta));
        }
        if (r.changeEvents() > 0 && r.changeLagMs() != null) {
            sb.append(" | change lag ").append(duration(r.changeLagMs()));
        }
        sb.append(String.format(Locale.ROOT, " | changes %,d", r.changeEvents()));
        sb.append(String.format(Locale.ROOT, " | mismatches %,d", r.mismatches()));
        if (r.openMismatches() > 0 && r.repairs() > 0) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            " (%,d open, %,d repaired)",
                            r.openMismatches(),
                            r.repairs()));
        } else if (r.openMismatches() > 0) {
            sb.append(String.format(Locale.ROOT, " (%,d open)", r.openMismatches()));
        } else if (r.repairs() > 0) {
            sb.append(String.format(Locale.ROOT, " (%,d repaired)", r.repairs()));
        }
        sb.append(String.format(Locale.ROOT, " | dead letters %,d", r.deadLetters()));
        return sb.toString();
    }

    /** {@code 850ms}, {@code 4.2s}, {@code 3m05s}, {@code 1h02m}. */
    static String duration(long millis) {
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        long s = Math.round(millis / 1000.0);
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
