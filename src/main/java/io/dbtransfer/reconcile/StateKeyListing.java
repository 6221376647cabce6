package io.dbtransfer.reconcile;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A sweep's state keys listed ahead of its pages: one scan of the state backend's keys yields up to
 * {@code ahead} keys after the cursor, which are then handed out a page at a time. Pure; the
 * operator supplies the scan.
 *
 * <p>Why: a state backend lists its keys only from the start (Flink's {@code getKeys} has no seek),
 * so every scan reads every key up to the cursor. Scanning once per page made a sweep read about N²
 * / (2 × page size) keys; at 300,000 keys on RocksDB the sweep held half of the task thread (its
 * time slice) for minutes. Listing ahead divides that by {@code ahead / page size}.
 *
 * <p>What a listed key means. The keys handed out are those that existed at the scan; the operator
 * reads each one's state when it hands the page to the sweep, so a key cleared since has no state,
 * which the sweep skips. A key added after the scan, behind the end of what was listed, is not in
 * this sweep's state phase, as a key added behind the cursor never is: each changed key is read
 * back by its own check. A page is served from the listing only when the request continues exactly
 * where the last page ended; any other cursor (a new sweep, a restored one) scans again, and so
 * does a request the listing holds less than a page for (unless that scan reached the end).
 */
final class StateKeyListing {

    /** One scan of the backend: the {@code n} smallest keys after the cursor, in sweep order. */
    @FunctionalInterface
    interface Scan {
        List<Sweep.StateKey> keys(int keyGroup, String after, int n) throws Exception;
    }

    private final int ahead;
    private final ArrayDeque<Sweep.StateKey> listed = new ArrayDeque<>();

    /** The scan that filled {@link #listed} reached the end of the keys. */
    private boolean toTheEnd;

    /** False until a scan filled the listing, and again once a page reached the end. */
    private boolean valid;

    /** Where the last page handed out ended (the cursor a continuing request carries). */
    private int servedGroup;

    private String servedAfter;

    private long scans;

    /** Lists up to {@code ahead} keys per scan (at least a page). */
    StateKeyListing(int ahead) {
        if (ahead < 1) {
            throw new IllegalArgumentException("ahead must be at least 1, got " + ahead);
        }
        this.ahead = ahead;
    }

    /**
     * Up to {@code n} keys after ({@code keyGroup}, {@code after}) in {@link StateKeyScan#ORDER},
     * with no state: from the listing when the request continues the last page, else from a new
     * scan of up to {@code max(n, ahead)} keys.
     */
    List<Sweep.StateKey> page(int keyGroup, String after, int n, Scan scan) throws Exception {
        boolean continues = valid && keyGroup == servedGroup && Objects.equals(after, servedAfter);
        if (!continues || (listed.size() < n && !toTheEnd)) {
            int want = Math.max(n, ahead);
            List<Sweep.StateKey> keys = scan.keys(keyGroup, after, want);
            scans++;
            listed.clear();
            listed.addAll(keys);
            toTheEnd = keys.size() < want;
            valid = true;
        }
        List<Sweep.StateKey> out = new ArrayList<>(Math.min(n, listed.size()));
        while (out.size() < n && !listed.isEmpty()) {
            out.add(listed.poll());
        }
        if (out.size() < n) {
            valid = false; // the end of the keys: the next sweep starts from a fresh scan
        } else {
            Sweep.StateKey last = out.get(out.size() - 1);
            servedGroup = last.keyGroup;
            servedAfter = last.routingKey;
        }
        return out;
    }

    /** Scans of the state backend so far (for tests). */
    long scans() {
        return scans;
    }
}
