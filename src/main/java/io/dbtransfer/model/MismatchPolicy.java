package io.dbtransfer.model;

/** What to do with a document when a value does not fit its typed column. */
public enum MismatchPolicy {
    /**
     * Write the document with NULL in that column and keep the value in the table's extra JSON
     * column, so nothing is lost; record a dead letter. Falls back to {@link #SKIP_DOCUMENT} for
     * the key column or when the table has no extra column.
     */
    NULL_AND_KEEP_IN_EXTRA,
    /** Do not write the document at all; record a dead letter. */
    SKIP_DOCUMENT
}
