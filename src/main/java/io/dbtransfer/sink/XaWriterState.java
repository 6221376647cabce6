package io.dbtransfer.sink;

import io.dbtransfer.normalize.RowChange;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * Changes a writer has accepted but not yet written at a checkpoint: keys still locked by its own
 * prepared, not yet committed branch of an earlier checkpoint.
 */
public final class XaWriterState {

    private final List<RowChange> pending;

    public XaWriterState(Collection<RowChange> pending) {
        this.pending = Collections.unmodifiableList(new ArrayList<>(pending));
    }

    public List<RowChange> pending() {
        return pending;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XaWriterState && pending.equals(((XaWriterState) o).pending);
    }

    @Override
    public int hashCode() {
        return pending.hashCode();
    }

    @Override
    public String toString() {
        return "XaWriterState{" + pending.size() + " pending}";
    }
}
