package io.dbtransfer.sink;

import io.dbtransfer.mapping.KeyIdentity;
import io.dbtransfer.model.RowChange;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Changes waiting for a flush, collapsed to one per (table, key): the one with the highest version,
 * the later one on a tie. Every change carries its key's full state, so the survivor says
 * everything the dropped ones said; a survivor of a repair is applied as a repair.
 */
public final class ChangeBuffer {

    private final Map<String, RowChange> changes = new LinkedHashMap<>();
    private long addedSinceDrain;

    /** Identity of a document in the buffer and in a flush. */
    public static String identity(RowChange c) {
        return c.table + '\u0000' + c.key;
    }

    /**
     * What a change locks in MySQL: its row's target identity ({@link KeyIdentity#sinkKey}), the
     * same for {@code _id}s the key column merges ({@code 5} and {@code "5"}). The exactly-once
     * writer holds back changes whose row a branch of its own still has locked (prepared, not yet
     * committed) by this key, so a colliding document waits like a change of the same document.
     */
    public static String lockKey(RowChange c) {
        return KeyIdentity.sinkKey(c);
    }

    /** Adds a change; returns {@code true} when it superseded (or lost to) a buffered one. */
    public boolean add(RowChange change) {
        addedSinceDrain++;
        String id = identity(change);
        RowChange old = changes.get(id);
        if (old == null) {
            changes.put(id, change);
            return false;
        }
        if (Long.compareUnsigned(change.version, old.version) >= 0) {
            if (old.repair && !change.repair) {
                // A repair must reach MySQL whatever version MySQL holds; a newer change that
                // supersedes it carries the key's full, newer state and takes that duty over.
                change = copyAsRepair(change);
            }
            changes.put(id, change);
        }
        return true;
    }

    private static RowChange copyAsRepair(RowChange c) {
        RowChange r =
                c.delete
                        ? RowChange.delete(c.collection, c.table, c.key, c.version, c.parent)
                        : RowChange.upsert(
                                c.collection, c.table, c.key, c.version, c.parent, c.children);
        r.repair = true;
        return r;
    }

    /** Changes added since the last drain (collapsed ones included). */
    public long addedSinceDrain() {
        return addedSinceDrain;
    }

    public int size() {
        return changes.size();
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /**
     * Removes and returns every change whose {@link #lockKey} is not {@code held}, in buffer order.
     */
    public List<RowChange> drain(Predicate<String> held) {
        addedSinceDrain = 0;
        List<RowChange> out = new ArrayList<>(changes.size());
        Iterator<Map.Entry<String, RowChange>> it = changes.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, RowChange> e = it.next();
            if (!held.test(lockKey(e.getValue()))) {
                out.add(e.getValue());
                it.remove();
            }
        }
        return out;
    }

    /** The buffered changes, without removing them. */
    public Collection<RowChange> contents() {
        return new ArrayList<>(changes.values());
    }
}
