package io.dbtransfer.verify;

import io.dbtransfer.hashing.Hash128;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The outcome of a standalone {@code verify} run: counts and the keys that differ. */
public final class VerifyReport {

    /** At most this many mismatches (and keys in flux) are listed with their keys. */
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

    /** Keys in flux ({@code collection, key}), the first {@link #MAX_LISTED}. */
    public final List<String[]> inFluxKeys = new ArrayList<>();

    /** Per collection, in mapping order. */
    public final Map<String, TableStats> tables = new LinkedHashMap<>();

    /**
     * What one collection and its tables hold. The digests are the XOR over every key of {@link
     * io.dbtransfer.hashing.RowHasher#keyDigest} (key text, version 0, document hash: parent and
     * child rows), so they do not depend on the chunk size and two runs over the same data give the
     * same digests.
     */
    public static final class TableStats {
        public final String collection;
        public final String table;
        public long sourceDocuments;
        public long targetRows;
        public long childRows;
        public long deadLettered;
        public long missing;
        public long extra;
        public long different;
        public long inFlux;
        public Hash128 sourceDigest = Hash128.ZERO;
        public Hash128 targetDigest = Hash128.ZERO;

        TableStats(String collection, String table) {
            this.collection = collection;
            this.table = table;
        }
    }

    /** {@code CONSISTENT} when nothing differs (keys in flux are not differences). */
    public String verdict() {
        return missing + extra + different == 0 ? "CONSISTENT" : "INCONSISTENT";
    }

    TableStats table(String collection, String table) {
        return tables.computeIfAbsent(collection, c -> new TableStats(c, table));
    }

    void mismatch(String collection, String key, String kind) {
        TableStats t = tables.get(collection);
        switch (kind) {
            case "missing":
                missing++;
                t.missing++;
                break;
            case "extra":
                extra++;
                t.extra++;
                break;
            default:
                different++;
                t.different++;
        }
        if (mismatches.size() < MAX_LISTED) {
            mismatches.add(new String[] {collection, key, kind});
        }
    }

    void inFlux(String collection, String key) {
        inFlux++;
        tables.get(collection).inFlux++;
        if (inFluxKeys.size() < MAX_LISTED) {
            inFluxKeys.add(new String[] {collection, key});
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
