package io.dbtransfer.model;

import io.dbtransfer.source.ChangeRecordDeserializer;

/**
 * Source versions: a MongoDB cluster time packed as {@code seconds << 32 | increment}, compared as
 * unsigned 64-bit numbers (stored in MySQL as {@code BIGINT UNSIGNED}). Change-stream events carry
 * their own cluster time; every snapshot-phase record carries the job's snapshot version (see
 * {@link ChangeRecordDeserializer} for why that orders every run, re-reads included).
 */
public final class SourceVersion {

    private SourceVersion() {}

    public static long of(long seconds, long increment) {
        return (seconds << 32) | (increment & 0xFFFFFFFFL);
    }

    public static long seconds(long version) {
        return version >>> 32;
    }

    public static long increment(long version) {
        return version & 0xFFFFFFFFL;
    }

    public static int compare(long a, long b) {
        return Long.compareUnsigned(a, b);
    }

    /** Decimal form of the unsigned value, as MySQL shows a {@code BIGINT UNSIGNED}. */
    public static String toUnsignedString(long version) {
        return Long.toUnsignedString(version);
    }

    public static String format(long version) {
        return seconds(version) + "." + increment(version);
    }
}
