package io.dbtransfer.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where each re-snapshot generation ({@code mongo.resnapshot}) started, as reconcile keeps it in
 * operator state: the source version of the run that first saw the generation. Later runs (restarts
 * from checkpoints or savepoints, whose snapshot records carry later versions) keep that first
 * version, so "older than the re-snapshot" means the same thing throughout. Pure.
 */
final class ResnapshotStarts {

    private ResnapshotStarts() {}

    /**
     * Collection → start version of its configured generation: the restored one for a generation
     * seen before, else {@code snapshotVersion} (it starts now). Entries of other generations or
     * collections are dropped. With several restored entries for one generation (a union state
     * holds every subtask's copy) the earliest wins.
     */
    static Map<String, Long> resolve(
            Iterable<String> restored, Map<String, Integer> configured, long snapshotVersion) {
        Map<String, Long> out = new TreeMap<>();
        for (String entry : restored) {
            String[] parts = entry.split("\u0000", -1);
            if (parts.length != 3) {
                continue;
            }
            Integer generation = configured.get(parts[0]);
            if (generation == null || generation != Integer.parseInt(parts[1])) {
                continue;
            }
            long from = Long.parseUnsignedLong(parts[2]);
            out.merge(parts[0], from, (a, b) -> Long.compareUnsigned(a, b) <= 0 ? a : b);
        }
        for (String collection : configured.keySet()) {
            if (snapshotVersion != 0) {
                out.putIfAbsent(collection, snapshotVersion);
            }
        }
        return out;
    }

    /** The state entries of {@code from} (collection → start version) for {@code configured}. */
    static List<String> entries(Map<String, Integer> configured, Map<String, Long> from) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : from.entrySet()) {
            Integer generation = configured.get(e.getKey());
            if (generation != null) {
                out.add(
                        e.getKey()
                                + "\u0000"
                                + generation
                                + "\u0000"
                                + Long.toUnsignedString(e.getValue()));
            }
        }
        return out;
    }
}
