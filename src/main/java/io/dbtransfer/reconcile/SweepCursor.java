package io.dbtransfer.reconcile;

import io.dbtransfer.hashing.KeyTexts;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where a running sweep stands (kept in operator state, so a restore continues it): the phase, the
 * last state key done in (key group, routing key) order, the collection and last MySQL key text
 * done, the {@code _id} types seen, and the tally so far. Pure.
 */
public final class SweepCursor {

    /** Phase 1: this subtask's state keys, in (key group, routing key) order, against MySQL. */
    public static final int STATE = 0;

    /** Phase 2: MySQL's rows, collection by collection in key order, against the state. */
    public static final int MYSQL = 1;

    /** The sweep is complete. */
    public static final int DONE = 2;

    /** Subtask index and parallelism the cursor belongs to (a rescale starts a new sweep). */
    public int subtask;

    public int parallelism;

    public int phase = STATE;

    /** Key group of the last state key done ({@code -1}: none yet). */
    public int keyGroup = -1;

    /** Last state (routing) key done in {@link #keyGroup}, or {@code null}. */
    public String stateAfter;

    /** Collection of the MySQL phase ({@code null}: the first). */
    public String collection;

    /** Last MySQL key text done in {@link #collection} ({@code null}: from the start). */
    public String mysqlAfter;

    /** Processing time the sweep started at. */
    public long startedAt;

    /** False once any key differed. */
    public boolean consistent = true;

    /** State keys, MySQL keys and pages done so far. */
    public long stateKeys;

    public long mysqlKeys;

    public long pages;

    /**
     * The {@code _id} types (see {@link KeyTexts#idType}) of this subtask's keys per collection: a
     * MySQL key text that fits several types is claimed only in one the source uses.
     */
    public final Map<String, Set<String>> idTypes = new TreeMap<>();

    public SweepCursor() {}

    /** A new sweep of subtask {@code subtask} of {@code parallelism}, started at {@code now}. */
    public SweepCursor(int subtask, int parallelism, long now) {
        this.subtask = subtask;
        this.parallelism = parallelism;
        this.startedAt = now;
    }

    /**
     * The cursor of {@code restored} that subtask {@code subtask} of {@code parallelism} continues,
     * or {@code null}: only the same subtask at the same parallelism continues one (after a rescale
     * the key ranges moved, so the next sweep starts over).
     */
    public static SweepCursor resumable(
            Iterable<SweepCursor> restored, int subtask, int parallelism) {
        SweepCursor found = null;
        for (SweepCursor c : restored) {
            if (c.subtask == subtask && c.parallelism == parallelism) {
                found = c;
            }
        }
        return found;
    }

    /** Notes that this subtask holds a key of type {@code idType} in {@code collection}. */
    public void sawIdType(String collection, String idType) {
        idTypes.computeIfAbsent(collection, c -> new TreeSet<>()).add(idType);
    }

    /** The {@code _id} types seen in a collection (empty when none). */
    public Set<String> idTypes(String collection) {
        Set<String> s = idTypes.get(collection);
        return s == null ? Set.of() : s;
    }

    @Override
    public String toString() {
        return "SweepCursor{phase="
                + phase
                + ", keyGroup="
                + keyGroup
                + ", stateAfter="
                + (stateAfter == null ? null : stateAfter.replace('\u0000', '/'))
                + ", collection="
                + collection
                + ", mysqlAfter="
                + mysqlAfter
                + ", stateKeys="
                + stateKeys
                + ", mysqlKeys="
                + mysqlKeys
                + ", pages="
                + pages
                + '}';
    }
}
