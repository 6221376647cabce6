package io.dbtransfer.model;

/** What a change does to its key: write the full post-image, or remove the key. */
public enum ChangeOp {
    UPSERT,
    DELETE
}
