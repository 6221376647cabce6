package io.dbtransfer.workload;

/**
 * Remembers on which line each review id was first seen, in 12 bytes per slot (a 64-bit fingerprint
 * and a line number) so that files of tens of millions of rows fit in memory. Two different ids
 * share a fingerprint with probability about n²/2⁶⁵ (below 10⁻⁵ for 10⁷ rows).
 */
final class ReviewIdIndex {

    private long[] fingerprints = new long[1 << 12];
    private int[] lines = new int[1 << 12];
    private int size;

    /**
     * Records that {@code id} is on {@code line} unless it was seen before.
     *
     * @return 0 if the id is new, else the line it was first seen on
     */
    long putIfAbsent(String id, long line) {
        if (size * 10L >= fingerprints.length * 7L) {
            grow();
        }
        long fp = fingerprint(id);
        int mask = fingerprints.length - 1;
        int slot = (int) (fp ^ (fp >>> 32)) & mask;
        while (fingerprints[slot] != 0) {
            if (fingerprints[slot] == fp) {
                return Integer.toUnsignedLong(lines[slot]);
            }
            slot = (slot + 1) & mask;
        }
        fingerprints[slot] = fp;
        lines[slot] = (int) Math.min(line, 0xFFFF_FFFFL);
        size++;
        return 0;
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] oldFingerprints = fingerprints;
        int[] oldLines = lines;
        fingerprints = new long[oldFingerprints.length * 2];
        lines = new int[oldLines.length * 2];
        int mask = fingerprints.length - 1;
        for (int i = 0; i < oldFingerprints.length; i++) {
            long fp = oldFingerprints[i];
            if (fp != 0) {
                int slot = (int) (fp ^ (fp >>> 32)) & mask;
                while (fingerprints[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                fingerprints[slot] = fp;
                lines[slot] = oldLines[i];
            }
        }
    }

    /** FNV-1a over the UTF-16 units, then SplitMix64's finalizer; never 0 (0 marks a free slot). */
    static long fingerprint(String id) {
        long h = 0xCBF29CE484222325L;
        for (int i = 0; i < id.length(); i++) {
            h ^= id.charAt(i);
            h *= 0x100000001B3L;
        }
        h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
        h ^= h >>> 31;
        return h == 0 ? 1 : h;
    }
}
