package io.dbtransfer.model;

/** How the sink delivers changes to MySQL. */
public enum DeliveryGuarantee {
    /**
     * One XA transaction per subtask and checkpoint, committed only after the checkpoint completes:
     * readers never see changes a failure will replay.
     */
    EXACTLY_ONCE,
    /**
     * Local transactions committed per flush; after a failure changes are written again, which the
     * version guard and the tombstones make harmless for the final state.
     */
    IDEMPOTENT
}
