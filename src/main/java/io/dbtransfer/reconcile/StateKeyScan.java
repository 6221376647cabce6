package io.dbtransfer.reconcile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.ToIntFunction;

/**
 * Picks a sweep's next page of state keys: the {@code n} smallest (key group, routing key) after a
 * cursor, from keys listed in any order, in memory bounded by {@code n}. Pure; the operator lists
 * the keys of its state backend and reads their values.
 */
final class StateKeyScan {

    /** Sweep order of state keys: key group, then routing key. */
    static final Comparator<Sweep.StateKey> ORDER =
            Comparator.<Sweep.StateKey>comparingInt(k -> k.keyGroup)
                    .thenComparing(k -> k.routingKey);

    private StateKeyScan() {}

    /**
     * The {@code n} smallest keys after ({@code keyGroup}, {@code after}) in {@link #ORDER}, with
     * no state ({@code after == null}: from the start of {@code keyGroup}). A bounded max-heap;
     * state backends list keys grouped by ascending key group, so the scan stops once the heap is
     * full and a later key group begins (keys listed otherwise are scanned whole).
     */
    static List<Sweep.StateKey> page(
            Iterator<String> keys,
            ToIntFunction<String> keyGroupOf,
            int keyGroup,
            String after,
            int n) {
        PriorityQueue<Sweep.StateKey> best = new PriorityQueue<>(n + 1, ORDER.reversed());
        boolean ordered = true;
        int previous = -1;
        while (keys.hasNext()) {
            String key = keys.next();
            int group = keyGroupOf.applyAsInt(key);
            if (group < previous) {
                ordered = false;
            }
            previous = group;
            if (group < keyGroup
                    || (group == keyGroup && after != null && key.compareTo(after) <= 0)) {
                continue;
            }
            Sweep.StateKey k = new Sweep.StateKey(group, key, null);
            if (best.size() < n) {
                best.add(k);
            } else if (ORDER.compare(k, best.peek()) < 0) {
                best.poll();
                best.add(k);
            } else if (ordered && group > best.peek().keyGroup) {
                break;
            }
        }
        List<Sweep.StateKey> out = new ArrayList<>(best);
        out.sort(ORDER);
        return out;
    }
}
