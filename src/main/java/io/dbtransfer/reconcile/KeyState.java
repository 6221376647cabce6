package io.dbtransfer.reconcile;

import io.dbtransfer.hashing.Hash128;

/**
 * What the reconcile operator keeps per document key: source version, hash of the rows the source
 * says must exist (zero and {@link #DELETED} for a delete, kept until verified) and flags. In state
 * it is written by {@link KeyStateSerializer}: 8 + 16 + 1 bytes.
 */
public class KeyState {

    /** Flag: the last change was a delete (a tombstone until MySQL is verified to hold nothing). */
    public static final byte DELETED = 1;

    /** Flag: a mismatch was reported for the current version (not reported again). */
    public static final byte REPORTED = 2;

    /** Flag: the job holds no source rows for this key; it exists to remember a reported extra. */
    public static final byte UNKNOWN_TO_SOURCE = 4;

    /**
     * Flag: the current version is a repair not verified yet (a key is repaired once per version).
     */
    public static final byte REPAIRED = 8;

    public long version;
    public long hashHi;
    public long hashLo;
    public byte flags;

    public KeyState() {}

    public KeyState(long version, Hash128 hash, byte flags) {
        this.version = version;
        this.hashHi = hash.hi;
        this.hashLo = hash.lo;
        this.flags = flags;
    }

    public Hash128 hash() {
        return new Hash128(hashHi, hashLo);
    }

    public boolean is(byte flag) {
        return (flags & flag) != 0;
    }

    /** True when the source says rows must exist. */
    public boolean expectsRows() {
        return !is(DELETED) && !is(UNKNOWN_TO_SOURCE);
    }
}
