package io.dbtransfer.hashing;

import java.io.Serializable;

/** An immutable 128-bit value (two longs) with the arithmetic digests need: add and xor. */
public final class Hash128 implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The zero value: the digest of "no rows". */
    public static final Hash128 ZERO = new Hash128(0L, 0L);

    public final long hi;
    public final long lo;

    public Hash128(long hi, long lo) {
        this.hi = hi;
        this.lo = lo;
    }

    /** Reads 16 big-endian bytes. */
    public static Hash128 of(byte[] bytes) {
        long h = 0;
        long l = 0;
        for (int i = 0; i < 8; i++) {
            h = (h << 8) | (bytes[i] & 0xff);
            l = (l << 8) | (bytes[i + 8] & 0xff);
        }
        return new Hash128(h, l);
    }

    /** Sum modulo 2^128 (order-independent and, unlike xor, never cancels equal rows). */
    public Hash128 plus(Hash128 o) {
        long l = lo + o.lo;
        long carry = Long.compareUnsigned(l, lo) < 0 ? 1 : 0;
        return new Hash128(hi + o.hi + carry, l);
    }

    public Hash128 xor(Hash128 o) {
        return new Hash128(hi ^ o.hi, lo ^ o.lo);
    }

    public boolean isZero() {
        return hi == 0 && lo == 0;
    }

    /** 32 lowercase hex digits. */
    public String toHex() {
        return String.format("%016x%016x", hi, lo);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hash128 && ((Hash128) o).hi == hi && ((Hash128) o).lo == lo;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(hi) * 31 + Long.hashCode(lo);
    }

    @Override
    public String toString() {
        return toHex();
    }
}
