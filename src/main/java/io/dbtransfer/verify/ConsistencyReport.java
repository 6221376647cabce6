package io.dbtransfer.verify;

import java.util.ArrayList;
import java.util.List;

/** The outcome of comparing source documents with target rows. */
public final class ConsistencyReport {
    /** How many example mismatches are kept. */
    public static final int MAX_SAMPLES = 20;

    public long sourceDocuments;
    public long targetRows;

    /**
     * Child-table rows read from the target (each also compared; differences count in {@link
     * #different}).
     */
    public long childRows;

    public long missing;
    public long extra;
    public long different;
    public long deadLettered;
    public final List<String> samples = new ArrayList<>();

    public boolean consistent() {
        return missing == 0 && extra == 0 && different == 0;
    }

    void sample(String line) {
        if (samples.size() < MAX_SAMPLES) {
            samples.add(line);
        }
    }

    void add(ConsistencyReport other) {
        sourceDocuments += other.sourceDocuments;
        targetRows += other.targetRows;
        childRows += other.childRows;
        missing += other.missing;
        extra += other.extra;
        different += other.different;
        deadLettered += other.deadLettered;
        for (String s : other.samples) {
            sample(s);
        }
    }

    @Override
    public String toString() {
        return (consistent() ? "CONSISTENT" : "INCONSISTENT")
                + ": "
                + sourceDocuments
                + " source documents, "
                + targetRows
                + " target rows, "
                + childRows
                + " child rows, "
                + missing
                + " missing, "
                + extra
                + " extra, "
                + different
                + " different, "
                + deadLettered
                + " dead-lettered";
    }
}
