package io.dbtransfer.model;

/**
 * One difference between what the source says must exist for a document key and what MySQL holds. A
 * Flink POJO (strings and primitives only).
 */
public class MismatchRecord {

    /** Kind: MySQL lacks rows the source has. */
    public static final String MISSING = "missing";

    /** Kind: MySQL holds rows the source does not have. */
    public static final String EXTRA = "extra";

    /** Kind: both have rows, their content or version differs. */
    public static final String DIFFERENT = "different";

    /** Source collection. */
    public String collection;

    /** Parent table. */
    public String table;

    /** Document key: the text of the key column {@code _id}. */
    public String key;

    /** {@link #MISSING}, {@link #EXTRA} or {@link #DIFFERENT}. */
    public String kind;

    /** What differs, as far as known (e.g. {@code _src_version}, {@code rows}). */
    public String differingColumns;

    /** Source version the job holds for the key (0 when none). */
    public long sourceVersion;

    /** {@code _src_version} MySQL holds (-1 when there is no parent row). */
    public long mysqlVersion;

    /** When the difference was first seen (epoch milliseconds). */
    public long firstSeenMillis;

    /** Status: reported, not repaired ({@code reconcile.repair: false}, or a repair failed). */
    public static final String OPEN = "open";

    /** Status: the document was re-read from MongoDB and sent to the sink as a repair. */
    public static final String REPAIRED = "repaired";

    /** {@link #OPEN} or {@link #REPAIRED}. */
    public String status;

    /**
     * For {@link #REPAIRED}: the {@code _src_version} the repair wrote (the version the job holds
     * for the key; 0 when it holds none); -1 otherwise.
     */
    public long repairVersion = -1;

    /** Why a mismatch stays open although repair is on, or what a repair did; may be null. */
    public String note;

    /** How it was found: {@code check} (after a commit) or {@code sweep}. */
    public String detectedBy;

    public MismatchRecord() {}

    @Override
    public String toString() {
        return kind
                + " "
                + table
                + "/"
                + key
                + " source@"
                + sourceVersion
                + " mysql@"
                + mysqlVersion
                + " ("
                + differingColumns
                + ", "
                + detectedBy
                + ") "
                + status
                + (repairVersion < 0 ? "" : "@" + Long.toUnsignedString(repairVersion))
                + (note == null ? "" : " " + note);
    }
}
