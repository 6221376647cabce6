package io.dbtransfer.verify;

import java.util.ArrayList;
import java.util.List;

/** The outcome of a standalone {@code verify} run: counts and the keys that differ. */
public final class VerifyReport {

    /** At most this many mismatches are listed with their keys (counts are always complete). */
    public static final int MAX_LISTED = 1000;

    public long sourceDocuments;
    public long targetRows;
    public long deadLettered;
    public long missing;
    public long extra;
    public long different;
    public long inFlux;
    public long chunks;
    public long differingChunks;
    public final List<String[]> mismatches = new ArrayList<>();

    /** {@code CONSISTENT} when nothing differs (keys in flux are not differences). */
    public String verdict() {
        return missing + extra + different == 0 ? "CONSISTENT" : "INCONSISTENT";
    }

    void mismatch(String collection, String key, String kind) {
        switch (kind) {
            case "missing":
                missing++;
                break;
            case "extra":
                extra++;
                break;
            default:
                different++;
        }
        if (mismatches.size() < MAX_LISTED) {
            mismatches.add(new String[] {collection, key, kind});
        }
    }

    @Override
    public String toString() {
        return verdict()
                + ": "
                + sourceDocuments
                + " documents, "
                + targetRows
                + " rows, missing "
                + missing
                + ", extra "
                + extra
                + ", different "
                + different
                + ", in flux "
                + inFlux;
    }
}
