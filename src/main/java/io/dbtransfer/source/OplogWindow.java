package io.dbtransfer.source;

import java.time.Duration;
import java.util.Optional;

/**
 * How much change history the source's oplog holds, from its first and last entry and its size, and
 * the warning when that is short for the estimated snapshot time.
 *
 * @param firstSeconds time of the oldest entry (epoch seconds)
 * @param lastSeconds time of the newest entry (epoch seconds)
 * @param sizeBytes bytes the entries take ({@code collStats.size})
 * @param maxSizeBytes the oplog's cap ({@code collStats.maxSize})
 */
public record OplogWindow(long firstSeconds, long lastSeconds, long sizeBytes, long maxSizeBytes) {

    /** The oplog counts as full (oldest entries being dropped) from this share of its cap on. */
    static final double FULL = 0.9;

    /** The window must be at least this multiple of the estimated snapshot time. */
    public static final int MARGIN = 2;

    /** Whether the oplog has reached its cap, so its span is its window. */
    public boolean full() {
        return maxSizeBytes > 0 && sizeBytes >= FULL * maxSizeBytes;
    }

    /** Time from the oldest to the newest entry. */
    public Duration span() {
        return Duration.ofSeconds(Math.max(0, lastSeconds - firstSeconds));
    }

    /**
     * The history the oplog can hold: its span when full, else the span scaled up to the cap at the
     * write rate seen so far; empty when that rate is unknown (no span or no size yet).
     */
    public Optional<Duration> capacity() {
        if (full()) {
            return Optional.of(span());
        }
        long span = span().getSeconds();
        if (span <= 0 || sizeBytes <= 0 || maxSizeBytes <= 0) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofSeconds((long) ((double) span * maxSizeBytes / sizeBytes)));
    }

    /** Estimated snapshot time: documents at {@code perSubtask} documents/s on each subtask. */
    public static Duration estimate(long documents, double perSubtask, int parallelism) {
        double seconds = documents / (perSubtask * Math.max(1, parallelism));
        return Duration.ofMillis((long) Math.ceil(seconds * 1000));
    }

    /**
     * A warning naming both figures and the fixes when the window is shorter than {@link #MARGIN}
     * times the estimated snapshot time; empty when it is long enough or unknown.
     */
    public Optional<String> warning(
            long documents, double perSubtask, int parallelism, String rateOption) {
        Optional<Duration> capacity = capacity();
        Duration estimate = estimate(documents, perSubtask, parallelism);
        if (capacity.isEmpty() || capacity.get().compareTo(estimate.multipliedBy(MARGIN)) >= 0) {
            return Optional.empty();
        }
        String held =
                full()
                        ? "the MongoDB oplog holds "
                                + seconds(capacity.get())
                                + " of changes (it is full: "
                                + sizeBytes
                                + " of "
                                + maxSizeBytes
                                + " bytes)"
                        : "at the write rate seen so far, the MongoDB oplog holds about "
                                + seconds(capacity.get())
                                + " of changes ("
                                + seconds(span())
                                + " in "
                                + sizeBytes
                                + " of "
                                + maxSizeBytes
                                + " bytes)";
        return Optional.of(
                held
                        + ", less than "
                        + MARGIN
                        + " x the estimated snapshot time of "
                        + seconds(estimate)
                        + " ("
                        + documents
                        + " documents at "
                        + rateOption
                        + " = "
                        + perSubtask
                        + " documents/s per subtask, parallelism "
                        + parallelism
                        + "). Changes written during the snapshot can leave the oplog before the"
                        + " change stream reads them; the job then fails with"
                        + " ChangeStreamHistoryLost and must snapshot again. Enlarge the oplog"
                        + " (db.adminCommand({replSetResizeOplog: 1, size: MB}), or"
                        + " minRetentionHours), raise the parallelism, or set "
                        + rateOption
                        + " to the rate you measured.");
    }

    private static String seconds(Duration d) {
        return d.toMillis() < 10_000
                ? String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0)
                : d.getSeconds() + " s";
    }
}
