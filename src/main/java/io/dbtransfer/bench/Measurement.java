package io.dbtransfer.bench;

/** One timed piece of work: how many documents (or rows) and bytes in how long. */
final class Measurement {
    final String name;
    final long items;
    final long bytes;
    final long nanos;

    /** MySQL rows written (parent and child rows) by a sink measurement; 0 otherwise. */
    final long rows;

    Measurement(String name, long items, long bytes, long nanos) {
        this(name, items, bytes, nanos, 0);
    }

    Measurement(String name, long items, long bytes, long nanos, long rows) {
        this.name = name;
        this.items = items;
        this.bytes = bytes;
        this.nanos = nanos;
        this.rows = rows;
    }

    double seconds() {
        return nanos / 1e9;
    }

    double perSecond() {
        return items / seconds();
    }

    double megabytesPerSecond() {
        return bytes / 1e6 / seconds();
    }
}
