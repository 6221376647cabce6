package io.dbtransfer.reconcile;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.model.MismatchRecord;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.model.SourceVersion;

/**
 * What reconcile does with a key its {@link Verdict} calls a mismatch: wait for a repair still
 * committing, report it, or repair it, and the record that says so. Pure, so every branch is unit
 * tested; the operator only carries the decisions out.
 */
final class MismatchHandling {

    /** What to do with a mismatch. */
    enum Action {
        /** Record it as open and mark the key reported (no repair). */
        REPORT,
        /** Send the re-read document to the sink as a repair. */
        REPAIR
    }

    private MismatchHandling() {}

    /**
     * Whether a mismatch of a key repaired at its own version is its repair's transaction not yet
     * committed: MySQL still shows the corruption at that version, so it gets the recheck budget.
     */
    static boolean awaitRepair(KeyState state, int attempts, int maxRechecks) {
        return state != null && state.is(KeyState.REPAIRED) && attempts < maxRechecks;
    }

    /** The open record of a mismatch, before re-reads name columns or a repair changes it. */
    static MismatchRecord record(
            String collection,
            String table,
            String keyText,
            Verdict verdict,
            KeyState state,
            MySqlReadBack.Observed observed,
            long firstSeenMillis,
            String detectedBy) {
        MismatchRecord m = new MismatchRecord();
        m.collection = collection;
        m.table = table;
        m.key = keyText;
        m.kind = verdict.kind;
        m.differingColumns = verdict.differing;
        m.sourceVersion = state == null || state.is(KeyState.UNKNOWN_TO_SOURCE) ? 0 : state.version;
        m.mysqlVersion = observed.version == null ? -1 : observed.version;
        m.firstSeenMillis = firstSeenMillis;
        m.status = MismatchRecord.OPEN;
        m.detectedBy = detectedBy;
        return m;
    }

    /**
     * Whether to re-read the document from MongoDB: to repair, or to name the columns of a {@code
     * different} mismatch; never without a source.
     */
    static boolean needsReread(boolean hasSource, boolean repair, String kind) {
        return hasSource && (repair || MismatchRecord.DIFFERENT.equals(kind));
    }

    /**
     * Repair or report; a report that could have been a repair says why in {@code m.note}. A key is
     * repaired once per version: a mismatch after its repair is reported, not repaired again.
     */
    static Action decide(
            boolean repair, KeyState state, DocumentRereader.Reread reread, MismatchRecord m) {
        if (!repair) {
            return Action.REPORT;
        }
        if (state != null && state.is(KeyState.REPAIRED)) {
            m.note =
                    "the repair at version "
                            + Long.toUnsignedString(state.version)
                            + " did not converge; not repaired again until the key changes";
            return Action.REPORT;
        }
        if (reread == null) {
            m.note = "not repaired: no source to re-read the document from";
            return Action.REPORT;
        }
        if (reread.problem != null) {
            m.note = "not repaired: " + reread.problem;
            return Action.REPORT;
        }
        return Action.REPAIR;
    }

    /** Marks {@code m} repaired by {@code r}, read from MongoDB at {@code operationTime}. */
    static void repaired(MismatchRecord m, RowChange r, long operationTime) {
        m.status = MismatchRecord.REPAIRED;
        m.repairVersion = r.version;
        m.note =
                (r.delete ? "deleted" : "rewritten")
                        + " from the document read from MongoDB at "
                        + SourceVersion.format(operationTime);
    }
}
