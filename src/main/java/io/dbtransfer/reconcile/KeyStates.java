package io.dbtransfer.reconcile;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.hashing.Hash128;
import io.dbtransfer.hashing.RowHasher;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.RowChange;

/**
 * How a key's {@link KeyState} changes: on a change, once verified, once reported, once repaired.
 * Pure, so every transition is unit tested; the operator reads and writes the keyed state.
 */
final class KeyStates {

    /** What a verified key's state becomes. */
    enum AfterOk {
        /** Nothing to keep (a verified tombstone, or a reported extra that is gone): clear it. */
        CLEAR,
        /** Its reported / repaired flags were cleared: write it back. */
        UPDATE,
        /** Unchanged. */
        KEEP
    }

    private KeyStates() {}

    /**
     * The state after {@code change} of a key whose state was {@code old}, or {@code null} when the
     * change is an older replay (the sink ignores it too).
     */
    static KeyState changed(KeyState old, RowChange change, TableSpec table) {
        if (old != null && !old.is(KeyState.UNKNOWN_TO_SOURCE) && old.version > change.version) {
            return null;
        }
        return new KeyState(
                change.version, rowsHash(table, change), change.delete ? KeyState.DELETED : 0);
    }

    /** The key was verified equal: what its state becomes ({@code state} may be changed). */
    static AfterOk verified(KeyState state) {
        if (state == null) {
            return AfterOk.KEEP;
        }
        if (!state.expectsRows()) {
            return AfterOk.CLEAR;
        }
        if (state.is(KeyState.REPORTED) || state.is(KeyState.REPAIRED)) {
            state.flags &= ~(KeyState.REPORTED | KeyState.REPAIRED);
            return AfterOk.UPDATE;
        }
        return AfterOk.KEEP;
    }

    /**
     * The state that remembers a reported mismatch; a key the job holds nothing for gets one {@link
     * KeyState#UNKNOWN_TO_SOURCE} at MySQL's version.
     */
    static KeyState reported(KeyState state, MySqlReadBack.Observed observed) {
        return reported(state, observed, false);
    }

    /**
     * As above; {@code repairTried}: reported in repair mode, where the repair could not be done at
     * this version (marked {@link KeyState#REPAIRED}, so it is not tried again until the key
     * changes). A report with repair off leaves it unmarked: a later run with repair on repairs it.
     */
    static KeyState reported(KeyState state, MySqlReadBack.Observed observed, boolean repairTried) {
        KeyState marked =
                state != null
                        ? state
                        : new KeyState(
                                observed.version == null ? 0 : observed.version,
                                Hash128.ZERO,
                                KeyState.UNKNOWN_TO_SOURCE);
        marked.flags |= KeyState.REPORTED;
        if (repairTried) {
            marked.flags |= KeyState.REPAIRED;
        }
        return marked;
    }

    /** The state after the repair {@code r} was sent to the sink. */
    static KeyState repaired(RowChange r, TableSpec table) {
        return new KeyState(
                r.version,
                rowsHash(table, r),
                (byte) ((r.delete ? KeyState.DELETED : 0) | KeyState.REPAIRED));
    }

    /**
     * Whether MySQL's rows can be diffed against the re-read document {@code now} to name what
     * differs: only while that document is still what the job holds for the key (same hash).
     */
    static boolean sameAsSource(KeyState state, RowChange now, TableSpec table) {
        return state != null && state.expectsRows() && rowsHash(table, now).equals(state.hash());
    }

    /** The {@link RowHasher} hash of a change's rows (zero for a delete). */
    static Hash128 rowsHash(TableSpec table, RowChange change) {
        return change.delete
                ? Hash128.ZERO
                : RowHasher.document(table, change.parent, change.children);
    }
}
