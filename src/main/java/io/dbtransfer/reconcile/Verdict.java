package io.dbtransfer.reconcile;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.MismatchRecord;

/**
 * The outcome of comparing what the job holds for a key with what MySQL holds, and the pure rule
 * that decides it.
 */
public final class Verdict {

    /** What to do with the key. */
    public enum Action {
        /** Equal: verified. */
        OK,
        /** MySQL has not converged yet (older or newer version): check again later. */
        RECHECK,
        /** A difference to report. */
        MISMATCH,
        /** A difference already reported for this version: nothing new. */
        ALREADY_REPORTED
    }

    public final Action action;

    /** Mismatch kind ({@link MismatchRecord#MISSING}, …) for {@link Action#MISMATCH}. */
    public final String kind;

    /** What differs, for {@link Action#MISMATCH}. */
    public final String differing;

    private Verdict(Action action, String kind, String differing) {
        this.action = action;
        this.kind = kind;
        this.differing = differing;
    }

    private static final Verdict OK = new Verdict(Action.OK, null, null);
    private static final Verdict RECHECK = new Verdict(Action.RECHECK, null, null);

    /**
     * Decides for one key.
     *
     * @param state what the job holds ({@code null}: nothing)
     * @param observed what MySQL holds
     * @param attempts how many times the key was already rechecked
     * @param maxRechecks after this many rechecks without convergence the key is a mismatch
     */
    public static Verdict judge(
            KeyState state, MySqlReadBack.Observed observed, int attempts, int maxRechecks) {
        return judge(state, observed, attempts, maxRechecks, false);
    }

    /**
     * As above; with {@code repair} on, a difference reported while repair was off (or before it
     * could be tried) is a mismatch again, so that it gets repaired: only a key whose repair was
     * tried at this version stays {@link Action#ALREADY_REPORTED}.
     */
    public static Verdict judge(
            KeyState state,
            MySqlReadBack.Observed observed,
            int attempts,
            int maxRechecks,
            boolean repair) {
        boolean exhausted = attempts >= maxRechecks;
        Verdict v;
        if (state == null || state.is(KeyState.UNKNOWN_TO_SOURCE)) {
            v =
                    observed.hasRows()
                            ? mismatch(
                                    MismatchRecord.EXTRA,
                                    observed.hasParent ? "rows" : "child rows")
                            : OK;
        } else if (state.is(KeyState.DELETED)) {
            if (!observed.hasRows()) {
                v = OK;
            } else if (!exhausted) {
                v = RECHECK;
            } else {
                v = mismatch(MismatchRecord.EXTRA, observed.hasParent ? "rows" : "child rows");
            }
        } else if (!observed.hasParent) {
            v =
                    exhausted
                            ? mismatch(
                                    MismatchRecord.MISSING,
                                    observed.childRows > 0 ? "parent row" : "rows")
                            : RECHECK;
        } else if (observed.version == state.version) {
            v =
                    observed.hash.equals(state.hash())
                            ? OK
                            : mismatch(MismatchRecord.DIFFERENT, "rows");
        } else {
            // MySQL older: the sink has not committed yet; newer: the job has not seen the change
            // yet. Either converges within a few rechecks unless the version was changed behind
            // the job's back.
            v = exhausted ? mismatch(MismatchRecord.DIFFERENT, TableSpec.VERSION_COLUMN) : RECHECK;
        }
        if (v.action == Action.MISMATCH
                && state != null
                && state.is(KeyState.REPORTED)
                && (!repair || state.is(KeyState.REPAIRED))) {
            return new Verdict(Action.ALREADY_REPORTED, v.kind, v.differing);
        }
        return v;
    }

    private static Verdict mismatch(String kind, String differing) {
        return new Verdict(Action.MISMATCH, kind, differing);
    }

    @Override
    public String toString() {
        return action + (kind == null ? "" : " " + kind + " (" + differing + ")");
    }
}
