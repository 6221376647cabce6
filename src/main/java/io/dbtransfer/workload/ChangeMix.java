package io.dbtransfer.workload;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The shares (percent, adding up to 100) of inserts, updates, replaces and deletes a {@link
 * LiveChangeSimulator} writes, written as {@code insert:40,update:40,replace:5,delete:15}.
 */
public record ChangeMix(int insert, int update, int replace, int delete) {

    /** The kinds of write the simulator does. */
    public enum Op {
        INSERT,
        UPDATE,
        REPLACE,
        DELETE;

        /** The lower-case name used in {@code --mix} and in the change log. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The mix {@code simulate} uses unless told otherwise. */
    public static final ChangeMix DEFAULT = new ChangeMix(40, 40, 5, 15);

    public ChangeMix {
        int[] shares = {insert, update, replace, delete};
        for (int i = 0; i < shares.length; i++) {
            if (shares[i] < 0) {
                throw new IllegalArgumentException(
                        "the share of "
                                + Op.values()[i].label()
                                + " is negative ("
                                + shares[i]
                                + ")");
            }
        }
        int sum = insert + update + replace + delete;
        if (sum != 100) {
            throw new IllegalArgumentException(
                    "the shares add up to " + sum + ", not 100 (" + render(shares) + ")");
        }
    }

    /**
     * Parses {@code op:percent} pairs separated by commas; operations not named get 0.
     *
     * @throws IllegalArgumentException saying what is wrong (unknown or repeated operation, a share
     *     that is not a whole number or is negative, shares not adding up to 100)
     */
    public static ChangeMix parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("no shares given; write e.g. " + DEFAULT);
        }
        Map<Op, Integer> shares = new EnumMap<>(Op.class);
        for (String part : spec.split(",", -1)) {
            String[] kv = part.trim().split(":", -1);
            if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
                throw new IllegalArgumentException(
                        "'" + part.trim() + "' is not op:percent; write e.g. " + DEFAULT);
            }
            Op op = op(kv[0].trim());
            String value = kv[1].trim();
            if (value.endsWith("%")) {
                value = value.substring(0, value.length() - 1);
            }
            int share;
            try {
                share = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "the share of "
                                + op.label()
                                + " is not a whole number: '"
                                + kv[1].trim()
                                + "'");
            }
            if (shares.put(op, share) != null) {
                throw new IllegalArgumentException(op.label() + " is given twice");
            }
        }
        return new ChangeMix(
                shares.getOrDefault(Op.INSERT, 0),
                shares.getOrDefault(Op.UPDATE, 0),
                shares.getOrDefault(Op.REPLACE, 0),
                shares.getOrDefault(Op.DELETE, 0));
    }

    private static Op op(String name) {
        for (Op op : Op.values()) {
            if (op.label().equalsIgnoreCase(name)) {
                return op;
            }
        }
        throw new IllegalArgumentException(
                "unknown operation '"
                        + name
                        + "'; the operations are insert, update, replace, delete");
    }

    /** The share of {@code op} in percent. */
    public int share(Op op) {
        switch (op) {
            case INSERT:
                return insert;
            case UPDATE:
                return update;
            case REPLACE:
                return replace;
            default:
                return delete;
        }
    }

    /**
     * The operation a uniform {@code dice} in [0, 1) selects among the possible ones, in proportion
     * to their shares; null if no possible operation has a share.
     *
     * @param canInsert whether there is a document to insert
     * @param canChangeExisting whether there is an existing document to update, replace or delete
     */
    public Op pick(double dice, boolean canInsert, boolean canChangeExisting) {
        int total = 0;
        for (Op op : Op.values()) {
            total += possible(op, canInsert, canChangeExisting) ? share(op) : 0;
        }
        if (total == 0) {
            return null;
        }
        double point = dice * total;
        Op last = null;
        for (Op op : Op.values()) {
            if (possible(op, canInsert, canChangeExisting) && share(op) > 0) {
                point -= share(op);
                last = op;
                if (point < 0) {
                    return op;
                }
            }
        }
        return last;
    }

    private static boolean possible(Op op, boolean canInsert, boolean canChangeExisting) {
        return op == Op.INSERT ? canInsert : canChangeExisting;
    }

    @Override
    public String toString() {
        return render(new int[] {insert, update, replace, delete});
    }

    private static String render(int[] shares) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shares.length; i++) {
            sb.append(i == 0 ? "" : ",")
                    .append(Op.values()[i].label())
                    .append(':')
                    .append(shares[i]);
        }
        return sb.toString();
    }
}
