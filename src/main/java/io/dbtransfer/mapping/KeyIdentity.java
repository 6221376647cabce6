package io.dbtransfer.mapping;

import io.dbtransfer.model.RowChange;

import org.bson.BsonValue;

import java.math.BigDecimal;

/**
 * The two identities of a document key the sink compares. Pure.
 *
 * <p>A key column cannot always tell two MongoDB {@code _id}s apart: with a {@code VARCHAR} key the
 * integer {@code 5} and the string {@code "5"} both become {@code '5'}, an ObjectId and the string
 * of its 24 hex digits become the same text, and a {@code CHAR} column (or a PAD SPACE collation)
 * drops trailing spaces. So:
 *
 * <ul>
 *   <li>the <b>target identity</b> ({@link #target}) is what MySQL's primary key can see — the key
 *       column values with trailing spaces removed (a superset of what the key column merges, so
 *       that every pair MySQL could merge has the same target identity). The sink's input is
 *       partitioned by it, so documents that may share a row always meet on one sink subtask (no
 *       two open transactions ever wait on each other's lock of one row);
 *   <li>the <b>owner</b> ({@link #owner}) is MongoDB's own identity of the {@code _id}: stored next
 *       to the row ({@code _src_key} holds the canonical key, compared through this identity), it
 *       lets the sink refuse to overwrite a row that belongs to a different {@code _id}. Numbers
 *       are one identity whatever their BSON type ({@code 5}, {@code NumberLong(5)} and {@code 5.0}
 *       are the same {@code _id} to MongoDB's unique index, so they can never exist side by side —
 *       one can only replace the other after a delete).
 * </ul>
 */
public final class KeyIdentity {

    private KeyIdentity() {}

    /**
     * The owner identity of a canonical key ({@code _id} as canonical Extended JSON): the key
     * itself, except that a number with an integral value that fits a long becomes {@code
     * {"$numberLong": "n"}} whatever its BSON type. Unreadable keys are their own identity.
     */
    public static String owner(String canonicalKey) {
        if (canonicalKey == null || !canonicalKey.startsWith("{\"$number")) {
            return canonicalKey; // strings, ObjectIds, documents, …: the canonical JSON is exact
        }
        BsonValue id;
        try {
            id = CanonicalValues.parseCanonicalJson(canonicalKey);
        } catch (RuntimeException e) {
            return canonicalKey;
        }
        BigDecimal value;
        switch (id.getBsonType()) {
            case INT32:
                value = BigDecimal.valueOf(id.asInt32().getValue());
                break;
            case INT64:
                value = BigDecimal.valueOf(id.asInt64().getValue());
                break;
            case DOUBLE:
                double d = id.asDouble().getValue();
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    return canonicalKey;
                }
                value = new BigDecimal(d);
                break;
            case DECIMAL128:
                if (id.asDecimal128().getValue().isNaN()
                        || id.asDecimal128().getValue().isInfinite()) {
                    return canonicalKey;
                }
                try {
                    value = id.asDecimal128().getValue().bigDecimalValue();
                } catch (ArithmeticException negativeZero) {
                    value = BigDecimal.ZERO; // -0 equals 0 in MongoDB's comparison
                }
                break;
            default:
                return canonicalKey;
        }
        try {
            return "{\"$numberLong\": \"" + value.longValueExact() + "\"}";
        } catch (ArithmeticException notIntegralOrTooLarge) {
            return canonicalKey;
        }
    }

    /**
     * The target identity of a parent row: the table and its first {@code keyColumns} key values,
     * trailing spaces removed, separated by U+0000.
     */
    public static String target(String table, String[] keyValues, int keyColumns) {
        StringBuilder sb = new StringBuilder(table);
        for (int i = 0; keyValues != null && i < keyColumns && i < keyValues.length; i++) {
            sb.append('\u0000');
            String v = keyValues[i];
            if (v != null) {
                int end = v.length();
                while (end > 0 && v.charAt(end - 1) == ' ') {
                    end--;
                }
                sb.append(v, 0, end);
            }
        }
        return sb.toString();
    }

    /**
     * The key the change sink's input is partitioned by: the row's target identity ({@link
     * #target}), the same for every {@code _id} MySQL's key column could merge with this one
     * ({@code 5} and {@code "5"}, an ObjectId and its hex string, {@code "a"} and {@code "a "}).
     * Such documents thus meet on one sink subtask, which detects the collision; on two subtasks
     * their open transactions would wait on each other's row lock until the lock wait timeout, then
     * again after every restart. Parent tables have one key column ({@code _id}).
     */
    public static String sinkKey(RowChange c) {
        return target(c.table, c.parent, 1);
    }
}
