package io.dbtransfer.reconcile;

import io.dbtransfer.hashing.KeyTexts;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.model.RoutingKey;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The keys whose MySQL side is not verified yet and when each is due to be read back: a key becomes
 * due once the checkpoint covering its change completed, plus the check delay; a recheck backs off.
 * Pure (times are passed in), so the scheduling is unit tested; the operator keeps it in operator
 * state as the lines {@link #snapshot} writes.
 *
 * <p>Keys are kept in the order of their first sighting ({@code firstSeen} never decreases along
 * it: a repaired or suspect key starts a new check at the end), so the check lag is the first
 * key's. {@link #due} runs on every timer tick: it skips the walk over the keys while no key can be
 * due ({@code earliestDue}, a lower bound of every key's {@code dueAt}, is in the future). That
 * bound is lowered wherever a {@code dueAt} is set and recomputed by a walk that saw every key.
 */
final class PendingChecks {

    /** A key whose MySQL side is not verified yet. */
    static final class Pending {
        final long firstSeen;
        long checkpointId = -1;
        long dueAt = Long.MAX_VALUE;
        int attempts;
        String detectedBy = "check";

        Pending(long firstSeen) {
            this.firstSeen = firstSeen;
        }
    }

    /** Due keys of one read-back round, grouped by collection. */
    static final class Round {
        final Map<String, List<String>> byCollection;
        final int size;

        Round(Map<String, List<String>> byCollection, int size) {
            this.byCollection = byCollection;
            this.size = size;
        }
    }

    private final Map<String, Pending> unverified = new LinkedHashMap<>();

    /** No key is due before this time (a lower bound of every key's {@code dueAt}). */
    private long earliestDue = Long.MAX_VALUE;

    /** A change of the key passed: wait for its checkpoint (the first sighting's time stays). */
    void changed(String routingKey, long now) {
        Pending previous = unverified.get(routingKey);
        unverified.put(routingKey, new Pending(previous == null ? now : previous.firstSeen));
    }

    /** The key was repaired: read it back after the checkpoint that commits the repair. */
    void repaired(String routingKey, long now) {
        unverified.remove(routingKey);
        unverified.put(routingKey, new Pending(now));
    }

    /** True when a check of the key is in flight. */
    boolean contains(String routingKey) {
        return unverified.containsKey(routingKey);
    }

    /** A key a sweep found different: due at once, recorded as detected by the sweep. */
    void suspect(String routingKey, long now) {
        Pending p = new Pending(now);
        p.checkpointId = 0;
        p.dueAt = now;
        p.detectedBy = "sweep";
        unverified.remove(routingKey);
        unverified.put(routingKey, p);
        earliestDue = Math.min(earliestDue, now);
    }

    /** The pending check of a key, or {@code null}. */
    Pending get(String routingKey) {
        return unverified.get(routingKey);
    }

    /** The key's check is over. */
    void remove(String routingKey) {
        unverified.remove(routingKey);
    }

    /** Checks again at {@code dueAt}, one attempt more. */
    void recheck(Pending p, long dueAt) {
        p.dueAt = dueAt;
        p.attempts++;
        earliestDue = Math.min(earliestDue, dueAt);
    }

    int size() {
        return unverified.size();
    }

    /** How long the oldest unverified key waits, in milliseconds ({@code 0}: none). */
    long checkLag(long now) {
        if (unverified.isEmpty()) {
            return 0;
        }
        // The first key is the oldest (see the class comment).
        return Math.max(0, now - unverified.values().iterator().next().firstSeen);
    }

    /**
     * The lines of the operator state ({@code firstSeen \t attempts \t routingKey}); keys not yet
     * covered by a checkpoint become covered by {@code checkpointId}.
     */
    List<String> snapshot(long checkpointId) {
        List<String> entries = new ArrayList<>(unverified.size());
        for (Map.Entry<String, Pending> e : unverified.entrySet()) {
            Pending p = e.getValue();
            if (p.checkpointId < 0) {
                p.checkpointId = checkpointId;
            }
            entries.add(p.firstSeen + "\t" + p.attempts + "\t" + e.getKey());
        }
        return entries;
    }

    /**
     * Restores the lines {@link #snapshot} wrote for the keys this subtask {@code owns}; they were
     * covered by the restored checkpoint, so they are due at {@code dueAt}.
     */
    void restore(Iterable<String> entries, Predicate<String> owns, long dueAt) {
        List<Map.Entry<String, Pending>> restored = new ArrayList<>();
        for (String entry : entries) {
            String[] parts = entry.split("\t", 3);
            String routingKey = parts[2];
            if (owns.test(routingKey)) {
                Pending p = new Pending(Long.parseLong(parts[0]));
                p.attempts = Integer.parseInt(parts[1]);
                p.checkpointId = 0;
                p.dueAt = dueAt;
                restored.add(Map.entry(routingKey, p));
            }
        }
        // The lines of several subtasks arrive one list after the other: back to sighting order.
        restored.sort(Comparator.comparingLong(e -> e.getValue().firstSeen));
        for (Map.Entry<String, Pending> e : restored) {
            unverified.put(e.getKey(), e.getValue());
        }
        if (!restored.isEmpty()) {
            earliestDue = Math.min(earliestDue, dueAt);
        }
    }

    /** Checkpoint {@code checkpointId} completed: the keys it covers are due at {@code dueAt}. */
    void checkpointCompleted(long checkpointId, long dueAt) {
        for (Pending p : unverified.values()) {
            if (p.checkpointId >= 0
                    && p.checkpointId <= checkpointId
                    && p.dueAt == Long.MAX_VALUE) {
                p.dueAt = dueAt;
                earliestDue = Math.min(earliestDue, dueAt);
            }
        }
    }

    /** Up to {@code max} keys due at {@code now}, in the order they were added, by collection. */
    Round due(long now, int max) {
        Map<String, List<String>> byCollection = new HashMap<>();
        if (earliestDue > now) {
            return new Round(byCollection, 0);
        }
        int due = 0;
        long earliest = Long.MAX_VALUE;
        String collection = null;
        List<String> keys = null;
        for (Map.Entry<String, Pending> e : unverified.entrySet()) {
            long dueAt = e.getValue().dueAt;
            earliest = Math.min(earliest, dueAt);
            if (dueAt <= now) {
                String key = e.getKey();
                // Keys of one collection come in runs: the collection name is cut out once per run.
                if (collection == null || !RoutingKey.isOf(key, collection)) {
                    collection = RoutingKey.collection(key);
                    keys = byCollection.computeIfAbsent(collection, c -> new ArrayList<>());
                }
                keys.add(key);
                if (++due >= max) {
                    // Keys after this one were not looked at: the bound stays where it was.
                    return new Round(byCollection, due);
                }
            }
        }
        // Every key was looked at. The keys returned stay due until they are removed or rechecked.
        earliestDue = earliest;
        return new Round(byCollection, due);
    }

    /**
     * The MySQL key texts of {@code routingKeys} (of one collection, whose key column has type
     * {@code keyType}) mapped to their routing keys; a key with no text in that type can never be
     * read back and is dropped from the pending checks.
     */
    Map<String, String> keyTexts(List<String> routingKeys, ColumnType keyType) {
        Map<String, String> routingByText = new LinkedHashMap<>();
        for (String routingKey : routingKeys) {
            String text = KeyTexts.keyText(routingKey, keyType);
            if (text == null) {
                unverified.remove(routingKey);
            } else {
                routingByText.put(text, routingKey);
            }
        }
        return routingByText;
    }
}
