package io.dbtransfer.bench;

/** One timed piece of work: how many documents (or rows) and bytes in how long. */
final class Measurement {
    final String name;
    final long items;
    final long bytes;
    final long nanos;

    Measurement(String name, long items, long bytes, long nanos) {
        this.name = name;
        this.items = items;
        this.bytes = bytes;
        this.nanos = nanos;
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
