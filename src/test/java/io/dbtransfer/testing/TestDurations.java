package io.dbtransfer.testing;

import java.time.Duration;

/**
 * The waits and timeouts the ITCases share, in one place. These are upper bounds on how long a test
 * waits for something that must happen, never expected durations: a test does not pass or fail on
 * speed (performance goes in benchmarks/).
 */
public final class TestDurations {

    private TestDurations() {}

    /** Waiting for a job to start, or for a small state (a checkpoint, a few rows) to appear. */
    public static final Duration SHORT = Duration.ofSeconds(30);

    /** Waiting for a phase of a job, e.g. a snapshot to be taken or a restarted job to run. */
    public static final Duration MEDIUM = Duration.ofSeconds(60);

    /** Waiting for MySQL to hold the same data as MongoDB (the default of the job ITCases). */
    public static final Duration CONSISTENT = Duration.ofSeconds(90);

    /** Waiting for a slow whole operation, e.g. a command that waits for quiet, or a recovery. */
    public static final Duration LONG = Duration.ofSeconds(120);

    /** Waiting for a background writer thread to end after it was told to stop. */
    public static final Duration THREAD_STOP = Duration.ofSeconds(30);
}
