package io.dbtransfer.model;

import java.util.Objects;

/**
 * A record of something the normalizer could not map as configured: which document, which field,
 * what value, what was expected, and what was done with the document instead.
 */
public class DeadLetter {

    /** What happened to the document. */
    public static final String ACTION_SKIPPED = "document-skipped";

    /** The document was written with NULL in that column and the value kept in the extra column. */
    public static final String ACTION_KEPT_IN_EXTRA = "value-kept-in-extra";

    public String collection;
    public String key;
    public String fieldPath;
    public String valueExcerpt;
    public String expectedType;
    public String reason;
    public String action;
    public long version;
    public long timeMillis;

    public DeadLetter() {}

    public DeadLetter(
            String collection,
            String key,
            String fieldPath,
            String valueExcerpt,
            String expectedType,
            String reason,
            String action,
            long version,
            long timeMillis) {
        this.collection = collection;
        this.key = key;
        this.fieldPath = fieldPath;
        this.valueExcerpt = valueExcerpt;
        this.expectedType = expectedType;
        this.reason = reason;
        this.action = action;
        this.version = version;
        this.timeMillis = timeMillis;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DeadLetter)) {
            return false;
        }
        DeadLetter that = (DeadLetter) o;
        return version == that.version
                && Objects.equals(collection, that.collection)
                && Objects.equals(key, that.key)
                && Objects.equals(fieldPath, that.fieldPath)
                && Objects.equals(reason, that.reason)
                && Objects.equals(action, that.action);
    }

    @Override
    public int hashCode() {
        return Objects.hash(collection, key, fieldPath, reason, action, version);
    }

    @Override
    public String toString() {
        return collection
                + "/"
                + key
                + " "
                + fieldPath
                + ": "
                + reason
                + " ("
                + action
                + ", expected "
                + expectedType
                + ", value "
                + valueExcerpt
                + ")";
    }
}
