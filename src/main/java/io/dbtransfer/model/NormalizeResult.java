package io.dbtransfer.model;

import java.util.List;

/** What one change became: a row change to apply (or none), and the dead letters it produced. */
public final class NormalizeResult {
    /** The change to apply, or {@code null} when the document was skipped. */
    public final RowChange change;

    /** Everything that could not be mapped as configured; empty when all went well. */
    public final List<DeadLetter> deadLetters;

    /** Fields present in the document that the mapping explicitly ignores (not written). */
    public final int ignoredFields;

    public NormalizeResult(RowChange change, List<DeadLetter> deadLetters, int ignoredFields) {
        this.change = change;
        this.deadLetters = List.copyOf(deadLetters);
        this.ignoredFields = ignoredFields;
    }

    public NormalizeResult(RowChange change, List<DeadLetter> deadLetters) {
        this(change, deadLetters, 0);
    }
}
