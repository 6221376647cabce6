package io.dbtransfer.cli;

import java.io.PrintStream;

/**
 * Progress of a long command on a stream (stderr, or stdout for {@code demo} and {@code migrate}):
 * on a terminal one line rewritten in place about once a second; otherwise (a pipe, a log file, a
 * test) a plain line every {@code intervalMillis}.
 */
final class ConsoleProgress {

    private final PrintStream err;
    private final boolean inPlace;
    private final long intervalMillis;
    private long lastShown = System.currentTimeMillis();
    private int shownLength;

    ConsoleProgress(PrintStream err, boolean inPlace, long intervalMillis) {
        this.err = err;
        this.inPlace = inPlace;
        this.intervalMillis = inPlace ? Math.min(1000, intervalMillis) : intervalMillis;
    }

    /** In place on a terminal (stderr not redirected), every 10 s otherwise. */
    static ConsoleProgress forStderr(PrintStream err) {
        return new ConsoleProgress(err, err == System.err && System.console() != null, 10_000);
    }

    /** Shows {@code text} if the last progress was shown long enough ago. */
    void update(String text) {
        long now = System.currentTimeMillis();
        if (now - lastShown < intervalMillis) {
            return;
        }
        lastShown = now;
        if (inPlace) {
            String padded = text + " ".repeat(Math.max(0, shownLength - text.length()));
            err.print("\r" + padded);
            err.flush();
            shownLength = text.length();
        } else {
            err.println(text);
        }
    }

    /** Prints a whole line, moving an in-place progress line out of its way. */
    void message(String line) {
        clear();
        err.println(line);
    }

    /** Removes the in-place progress line, if one is shown. */
    void clear() {
        if (inPlace && shownLength > 0) {
            err.print("\r" + " ".repeat(shownLength) + "\r");
            err.flush();
            shownLength = 0;
        }
    }
}
