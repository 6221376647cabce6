package io.dbtransfer.sink;

import io.dbtransfer.model.RowChange;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * A writer's state at a checkpoint: the XA prefix its branches are named with, and the changes it
 * has accepted but not yet written (keys still locked by its own prepared, not yet committed branch
 * of an earlier checkpoint).
 */
public final class XaWriterState {

    private final String prefix;
    private final List<RowChange> pending;

    /**
     * @param prefix the XA prefix of the writer's branches; {@code null} for states of versions
     *     that did not record it
     */
    public XaWriterState(String prefix, Collection<RowChange> pending) {
        this.prefix = prefix;
        this.pending = Collections.unmodifiableList(new ArrayList<>(pending));
    }

    /** The XA prefix of the branches named by the writer that took this state, or null. */
    public String prefix() {
        return prefix;
    }

    public List<RowChange> pending() {
        return pending;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XaWriterState
                && java.util.Objects.equals(prefix, ((XaWriterState) o).prefix)
                && pending.equals(((XaWriterState) o).pending);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(prefix, pending);
    }

    @Override
    public String toString() {
        return "XaWriterState{prefix=" + prefix + ", " + pending.size() + " pending}";
    }
}
