package io.dbtransfer.sink;

import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.dialect.MySqlDialect;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.dialect.TombstoneKey;
import io.dbtransfer.dialect.ValueCodec;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.KeyIdentity;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.RowChange;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies a set of changes with distinct (table, key) inside the caller's transaction: reads and
 * locks the current versions and tombstones, drops every change older than either (version guard,
 * unsigned; repairs skip it), then writes in phases, one batch per table and phase: delete children
 * → delete parents of deletes → upsert parents → insert children → write / remove tombstones.
 *
 * <p>Keys are distinct, so phase order never reorders two changes of one key; a document's parent
 * and child rows change in the caller's one transaction.
 *
 * <p><b>Key collisions.</b> Every parent row records which {@code _id} owns it ({@code _src_key}:
 * its canonical Extended JSON, compared by {@link KeyIdentity#owner}, so a number is one document
 * whatever its BSON type); tombstones record it too. A change whose row belongs to a different
 * {@code _id} — {@code 5} and {@code "5"} in a {@code VARCHAR} key, an ObjectId and its hex string,
 * {@code "a"} and {@code "a "} in a {@code CHAR} key or a PAD SPACE collation — is not written: it
 * goes to the dead-letter table in the same transaction, its reason naming both keys, and a delete
 * of it is a no-op (it never had the row). The first owner keeps the row until it is deleted; the
 * other document lands with its next change after that. Rows without an owner (written before the
 * column existed) are adopted by the next writer. The sink's input is partitioned by the target
 * identity ({@link KeyIdentity#sinkKey}), so colliding documents are always applied by one subtask,
 * never by two open transactions waiting on each other's lock.
 */
public final class ChangeApplier {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeApplier.class);

    /** Keys per version / tombstone lookup statement. */
    static final int SELECT_CHUNK = 500;

    private static final int KEYS_IN_MESSAGES = 5;

    private final Map<String, TablePlan> plans = new LinkedHashMap<>();

    private final TargetDialect dialect;

    /** An applier speaking MySQL. */
    public ChangeApplier(Mapping mapping) {
        this(mapping, MySqlDialect.INSTANCE);
    }

    /** An applier speaking {@code dialect}. */
    public ChangeApplier(Mapping mapping, TargetDialect dialect) {
        this.dialect = dialect;
        for (TableSpec parent : mapping.tables()) {
            plans.put(parent.name, new TablePlan(parent, dialect));
        }
    }

    /** What a flush did. */
    public static final class Result {
        /** Changes written. */
        public int applied;

        /** Changes dropped because MySQL already held a newer version or tombstone. */
        public int stale;

        /** Parent rows upserted or deleted plus child rows inserted. */
        public long rowsWritten;

        /**
         * Changes refused because their row belongs to a different {@code _id} (key collision);
         * each is written to the dead-letter table in the same transaction.
         */
        public final List<DeadLetter> collisions = new ArrayList<>();

        /**
         * Upserts refused because the target's text cannot hold a character they carry (U+0000 on
         * PostgreSQL); their dead letters (one per field) are written in the same transaction.
         */
        public final List<DeadLetter> unstorable = new ArrayList<>();

        /** Changes refused for {@link #unstorable}. */
        public int unstorableChanges;

        /**
         * Deletes of a document whose key's row belongs to a different {@code _id}, or whose key
         * the target cannot hold (U+0000 on PostgreSQL, so it never had a row): no-ops.
         */
        public int foreignDeletes;
    }

    /**
     * Owner marker of a row written before {@code _src_key} existed: any {@code _id} may own it.
     */
    private static final String LEGACY = "";

    /**
     * Whether two canonical keys are one MongoDB document ({@link KeyIdentity#owner}: {@code 5} and
     * {@code NumberLong(5)} are).
     */
    private static boolean sameDocument(String storedKey, String key) {
        return storedKey.equals(key) || KeyIdentity.owner(storedKey).equals(KeyIdentity.owner(key));
    }

    /**
     * A version and the canonical {@code _id} that wrote it ({@code null}: unknown, legacy row).
     */
    private static final class Owned {
        final long version;
        final String owner;

        Owned(long version, String owner) {
            this.version = version;
            this.owner = owner;
        }
    }

    /**
     * Checks that a change fits the mapping (table known, row widths, child tables, child rows
     * carrying the document key).
     *
     * @throws IllegalArgumentException naming the table, the key and what is wrong
     */
    public void validate(RowChange c) {
        TablePlan plan = c.table == null ? null : plans.get(c.table);
        if (plan == null) {
            throw new IllegalArgumentException(
                    "Change for table "
                            + c.table
                            + " (collection "
                            + c.collection
                            + ", key "
                            + c.key
                            + ") but the mapping has no such parent table; mapped: "
                            + plans.keySet());
        }
        TableSpec t = plan.spec;
        int keys = t.keyColumns;
        if (c.parent == null
                || (c.delete ? c.parent.length < keys : c.parent.length != t.columns.size())) {
            throw invalid(
                    c,
                    "parent row has "
                            + (c.parent == null ? "no" : c.parent.length)
                            + " values; expected "
                            + (c.delete ? keys + " key values" : t.columns.size()));
        }
        for (int i = 0; i < keys; i++) {
            if (c.parent[i] == null) {
                throw invalid(c, "key column " + t.columns.get(i).name + " is null");
            }
        }
        if (c.children == null) {
            return;
        }
        if (c.delete && c.children.length > 0) {
            throw invalid(c, "a delete carries child rows");
        }
        for (ChildRows cr : c.children) {
            Integer idx = cr == null ? null : plan.descendantIndex.get(cr.table);
            if (idx == null) {
                throw invalid(
                        c,
                        "child rows for table "
                                + (cr == null ? null : cr.table)
                                + ", which is not a child table of "
                                + t.name);
            }
            TableSpec child = plan.descendants.get(idx);
            for (String[] row : cr.rows == null ? new String[0][] : cr.rows) {
                if (row == null || row.length != child.columns.size()) {
                    throw invalid(
                            c,
                            "a row of child table "
                                    + child.name
                                    + " has "
                                    + (row == null ? 0 : row.length)
                                    + " values; expected "
                                    + child.columns.size());
                }
                for (int i = 0; i < keys; i++) {
                    if (!c.parent[i].equals(row[i])) {
                        throw invalid(
                                c,
                                "a row of child table "
                                        + child.name
                                        + " does not start with the document key");
                    }
                }
            }
        }
    }

    private static IllegalArgumentException invalid(RowChange c, String what) {
        return new IllegalArgumentException(
                "Invalid change for table " + c.table + ", key " + c.key + ": " + what);
    }

    /**
     * Applies {@code changes} (distinct (table, key), validated) on {@code conn}, inside the
     * caller's transaction; never commits.
     *
     * @throws SQLException naming the phase, the table, some keys and MySQL's cause
     */
    public Result apply(Connection conn, List<RowChange> changes) throws SQLException {
        Result result = new Result();
        Map<String, List<RowChange>> byTable = new LinkedHashMap<>();
        for (RowChange c : changes) {
            if (!dialect.textHoldsNul() && refusedForNul(c, result)) {
                continue;
            }
            byTable.computeIfAbsent(c.table, k -> new ArrayList<>()).add(c);
        }
        List<Applied> work = new ArrayList<>();
        for (Map.Entry<String, List<RowChange>> e : byTable.entrySet()) {
            TablePlan plan = plans.get(e.getKey());
            plan.resolvePadSpace(conn, dialect);
            Map<String, Owned> rows = readVersions(conn, plan, e.getValue());
            Map<String, Owned> tombstones = readTombstones(conn, plan, e.getValue());
            Applied applied = new Applied(plan);
            // Who owns each row once the changes accepted so far are applied; a missing entry is a
            // free row. Deletes go first: a delete can free a row another document then claims.
            Map<String, String> owners = new HashMap<>();
            for (Map.Entry<String, Owned> r : rows.entrySet()) {
                owners.put(r.getKey(), r.getValue().owner == null ? LEGACY : r.getValue().owner);
            }
            for (RowChange c : deletesFirst(plan, e.getValue())) {
                String rowKey = plan.rowKey(c.parent);
                String current = owners.get(rowKey);
                if (current != null && !current.equals(LEGACY) && !sameDocument(current, c.key)) {
                    // The row belongs to another _id that MySQL's key cannot tell from this one.
                    if (c.delete) {
                        result.foreignDeletes++; // this document never had the row: nothing to do
                    } else {
                        result.collisions.add(collision(plan, c, current));
                    }
                    continue;
                }
                Owned row = current == null ? null : rows.get(rowKey);
                Owned tomb = tombstones.get(plan.pk(c));
                // A repair skips the guard: the version MySQL holds may be the corruption it
                // repairs (see ReconcileOperator#repair for why that keeps per-key order).
                if (!c.repair
                        && ((row != null && Long.compareUnsigned(c.version, row.version) < 0)
                                || (tomb != null
                                        && Long.compareUnsigned(c.version, tomb.version) < 0))) {
                    if (row == null
                            && !c.delete
                            && tomb.owner != null
                            && !sameDocument(tomb.owner, c.key)) {
                        // Older than the delete of a colliding _id: not this document's history,
                        // but MySQL cannot tell, so it is reported instead of dropped silently.
                        result.collisions.add(collision(plan, c, tomb.owner));
                    } else {
                        result.stale++;
                    }
                    continue;
                }
                applied.changes.add(c);
                if (c.delete) {
                    applied.deletes.add(c);
                    owners.remove(rowKey);
                } else {
                    applied.upserts.add(c);
                    owners.put(rowKey, c.key);
                    if (tomb != null) {
                        applied.tombstoned.add(c);
                    }
                }
            }
            result.applied += applied.changes.size();
            work.add(applied);
        }
        if (!result.collisions.isEmpty() || !result.unstorable.isEmpty()) {
            List<DeadLetter> letters = new ArrayList<>(result.collisions);
            letters.addAll(result.unstorable);
            for (DeadLetter d : letters) {
                LOG.warn("Dead-lettered {}/{} {}: {}", d.collection, d.key, d.fieldPath, d.reason);
            }
            try {
                DeadLetterRows.insert(conn, dialect, letters);
            } catch (SQLException e) {
                throw wrap(dialect, e, "dead letter write", DeadLetterRows.TABLE, changes);
            }
        }

        // 1. Children of every changed document go; upserts re-insert theirs in phase 4. One
        // statement per child table and SELECT_CHUNK documents (set-based): in a snapshot almost
        // no document has child rows yet, and one statement per document and child table was most
        // of what the sink sent. Only changes that passed the ownership and version checks are in
        // a.changes, so a colliding or stale change never deletes the owner's child rows.
        for (Applied a : work) {
            for (int d = 0; d < a.plan.descendants.size(); d++) {
                deleteChildren(conn, dialect, a.plan, d, a.changes);
            }
        }
        // 2. Parents of deletes.
        for (Applied a : work) {
            List<ColumnSpec> keyCols = a.plan.spec.keyColumnSpecs();
            result.rowsWritten +=
                    runBatch(
                            dialect,
                            conn,
                            a.plan.deleteParent,
                            "delete",
                            a.plan.spec.name,
                            a.deletes,
                            (ps, c) -> bindColumns(ps, 1, keyCols, c.parent));
        }
        // 3. Parents of upserts, with their version.
        // Repairs skip the guard (see above); on MySQL both statements are one text.
        for (Applied a : work) {
            List<ColumnSpec> cols = a.plan.spec.columns;
            Binder<RowChange> binder =
                    (ps, c) -> {
                        bindRow(ps, dialect, cols, c.parent);
                        ValueCodec.bindVersion(ps, cols.size() + 1, c.version);
                        ps.setString(cols.size() + 2, c.key);
                    };
            List<RowChange> guarded = new ArrayList<>();
            List<RowChange> repairs = new ArrayList<>();
            for (RowChange c : a.upserts) {
                (c.repair && !a.plan.upsertParent.equals(a.plan.repairParent) ? repairs : guarded)
                        .add(c);
            }
            result.rowsWritten +=
                    runBatch(
                            dialect,
                            conn,
                            a.plan.upsertParent,
                            "upsert",
                            a.plan.spec.name,
                            guarded,
                            binder);
            result.rowsWritten +=
                    runBatch(
                            dialect,
                            conn,
                            a.plan.repairParent,
                            "upsert",
                            a.plan.spec.name,
                            repairs,
                            binder);
        }
        // 4. Children of upserts.
        for (Applied a : work) {
            for (int d = 0; d < a.plan.descendants.size(); d++) {
                TableSpec child = a.plan.descendants.get(d);
                List<RowChange> owners = new ArrayList<>();
                List<String[]> rows = new ArrayList<>();
                for (RowChange c : a.upserts) {
                    for (ChildRows cr : c.children == null ? new ChildRows[0] : c.children) {
                        if (cr.table.equals(child.name) && cr.rows != null) {
                            for (String[] row : cr.rows) {
                                owners.add(c);
                                rows.add(row);
                            }
                        }
                    }
                }
                if (rows.isEmpty()) {
                    continue;
                }
                result.rowsWritten +=
                        runRows(
                                dialect,
                                conn,
                                a.plan.insertChild.get(d),
                                "insert of child rows",
                                child.name,
                                owners,
                                rows,
                                (ps, row) -> bindRow(ps, dialect, child.columns, row));
            }
        }
        // 5. Tombstones: deletes leave their version, upserts carry it in the row instead.
        for (Applied a : work) {
            String tbl = a.plan.spec.name;
            runBatch(
                    dialect,
                    conn,
                    dialect.tombstoneUpsert(),
                    "tombstone write",
                    MySqlDialect.TOMBSTONE_TABLE,
                    a.deletes,
                    (ps, c) -> {
                        ps.setString(1, tbl);
                        ps.setString(2, a.plan.pk(c));
                        ValueCodec.bindVersion(ps, 3, c.version);
                        ps.setString(4, c.key);
                    });
            runBatch(
                    dialect,
                    conn,
                    dialect.tombstoneDelete(),
                    "tombstone removal",
                    MySqlDialect.TOMBSTONE_TABLE,
                    a.tombstoned,
                    (ps, c) -> {
                        ps.setString(1, tbl);
                        ps.setString(2, a.plan.pk(c));
                    });
        }
        return result;
    }

    /**
     * Whether {@code c} is refused because it holds U+0000 in text on a target that cannot store it
     * ({@link TargetDialect#textHoldsNul}): an upsert is dead-lettered whole (no row of the
     * document is written, none is written changed), a delete whose key holds it is a no-op (no row
     * can exist for that key).
     */
    private boolean refusedForNul(RowChange c, Result result) {
        TablePlan plan = plans.get(c.table);
        if (plan == null || c.parent == null) {
            return false; // validate() reports it
        }
        if (c.delete) {
            if (NulInText.inKey(c, plan.spec.keyColumns)) {
                result.foreignDeletes++;
                return true;
            }
            return false;
        }
        List<DeadLetter> letters = plan.nul.letters(c, dialect.productName());
        if (letters.isEmpty()) {
            return false;
        }
        result.unstorable.addAll(letters);
        result.unstorableChanges++;
        return true;
    }

    /**
     * Deletes the rows of child table {@code d} of every document of {@code changes}: one statement
     * per {@link #SELECT_CHUNK} distinct document keys.
     */
    private static void deleteChildren(
            Connection conn, TargetDialect dialect, TablePlan plan, int d, List<RowChange> changes)
            throws SQLException {
        if (changes.isEmpty()) {
            return;
        }
        TableSpec child = plan.descendants.get(d);
        int keys = plan.spec.keyColumns;
        List<ColumnSpec> keyCols = child.columns.subList(0, keys);
        // Distinct document keys (exact values: the column's collation decides what they match).
        Map<String, RowChange> distinct = new LinkedHashMap<>();
        for (RowChange c : changes) {
            distinct.putIfAbsent(TombstoneKey.encode(c.parent, keys), c);
        }
        List<RowChange> all = new ArrayList<>(distinct.values());
        for (int from = 0; from < all.size(); from += SELECT_CHUNK) {
            List<RowChange> chunk = all.subList(from, Math.min(all.size(), from + SELECT_CHUNK));
            String sql =
                    chunk.size() == SELECT_CHUNK
                            ? plan.deleteChildrenChunk.get(d)
                            : dialect.childrenDelete(child, keys, chunk.size());
            try (PreparedStatement ps = conn.prepareStatement(sql)) {
                int idx = 1;
                for (RowChange c : chunk) {
                    idx = bindColumns(ps, idx, keyCols, c.parent);
                }
                ps.executeUpdate();
            } catch (SQLException e) {
                throw wrap(dialect, e, "delete of old child rows", child.name, chunk);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "Cannot delete the old rows of table "
                                + child.name
                                + " for keys "
                                + chunk.get(0).key
                                + (chunk.size() > 1 ? " and more" : "")
                                + ": "
                                + e.getMessage(),
                        e);
            }
        }
    }

    private Map<String, Owned> readVersions(
            Connection conn, TablePlan plan, List<RowChange> changes) throws SQLException {
        Map<String, Owned> out = new HashMap<>();
        List<ColumnSpec> keyCols = plan.spec.keyColumnSpecs();
        for (int from = 0; from < changes.size(); from += SELECT_CHUNK) {
            List<RowChange> chunk =
                    changes.subList(from, Math.min(changes.size(), from + SELECT_CHUNK));
            String sql = dialect.versionsForUpdate(plan.spec, chunk.size());
            try (PreparedStatement ps = conn.prepareStatement(sql)) {
                int idx = 1;
                for (RowChange c : chunk) {
                    idx = bindColumns(ps, idx, keyCols, c.parent);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    String[] key = new String[keyCols.size()];
                    while (rs.next()) {
                        for (int i = 0; i < key.length; i++) {
                            key[i] = ValueCodec.readKey(rs, i + 1, keyCols.get(i));
                        }
                        out.put(
                                plan.rowKey(key),
                                new Owned(
                                        ValueCodec.readVersion(rs, key.length + 1),
                                        rs.getString(key.length + 2)));
                    }
                }
            } catch (SQLException e) {
                throw wrap(dialect, e, "version lookup", plan.spec.name, chunk);
            }
        }
        return out;
    }

    private Map<String, Owned> readTombstones(
            Connection conn, TablePlan plan, List<RowChange> changes) throws SQLException {
        Map<String, Owned> out = new HashMap<>();
        for (int from = 0; from < changes.size(); from += SELECT_CHUNK) {
            List<RowChange> chunk =
                    changes.subList(from, Math.min(changes.size(), from + SELECT_CHUNK));
            try (PreparedStatement ps =
                    conn.prepareStatement(dialect.tombstonesForUpdate(chunk.size()))) {
                ps.setString(1, plan.spec.name);
                int idx = 2;
                for (RowChange c : chunk) {
                    ps.setString(idx++, plan.pk(c));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(
                                rs.getString(1),
                                new Owned(ValueCodec.readVersion(rs, 2), rs.getString(3)));
                    }
                }
            } catch (SQLException e) {
                throw wrap(dialect, e, "tombstone lookup", MySqlDialect.TOMBSTONE_TABLE, chunk);
            }
        }
        return out;
    }

    /**
     * The changes of one table, deletes first, each (row, owner) once: two changes of one owner
     * under different BSON types of one number ({@code 5} deleted, {@code NumberLong(5)} inserted)
     * collapse to the newer, as the change buffer does for one key.
     */
    private static List<RowChange> deletesFirst(TablePlan plan, List<RowChange> changes) {
        Map<String, RowChange> newest = new LinkedHashMap<>();
        for (RowChange c : changes) {
            String id = plan.rowKey(c.parent) + '\u0000' + KeyIdentity.owner(c.key);
            RowChange old = newest.get(id);
            if (old == null || Long.compareUnsigned(c.version, old.version) >= 0) {
                newest.remove(id);
                newest.put(id, c);
            }
        }
        List<RowChange> out = new ArrayList<>(newest.size());
        for (RowChange c : newest.values()) {
            if (c.delete) {
                out.add(c);
            }
        }
        for (RowChange c : newest.values()) {
            if (!c.delete) {
                out.add(c);
            }
        }
        return out;
    }

    /** The dead letter of a change refused because its row belongs to {@code ownerKey}. */
    private static DeadLetter collision(TablePlan plan, RowChange c, String ownerKey) {
        ColumnSpec keyColumn = plan.spec.columns.get(0);
        String keyText = c.parent[0];
        String reason =
                "key collision: _id "
                        + c.key
                        + " and _id "
                        + ownerKey
                        + " are different documents in MongoDB but both map to "
                        + plan.spec.name
                        + "."
                        + keyColumn.name
                        + " = '"
                        + keyText
                        + "' ("
                        + keyColumn.type.toSql()
                        + "); the row belongs to "
                        + ownerKey
                        + ", so this "
                        + (c.repair ? "repair" : "change")
                        + " is not written. Give one document another _id, or migrate the"
                        + " collection into a table of its own per _id type";
        return new DeadLetter(
                c.collection,
                c.key,
                "_id",
                keyText.length() > 200 ? keyText.substring(0, 200) : keyText,
                keyColumn.type.toSql(),
                reason,
                DeadLetter.ACTION_SKIPPED,
                c.version,
                System.currentTimeMillis());
    }

    /**
     * Binds a whole row from parameter 1, JSON values in the form the target keeps exactly ({@link
     * TargetDialect#jsonText}).
     */
    private static void bindRow(
            PreparedStatement ps, TargetDialect dialect, List<ColumnSpec> columns, String[] values)
            throws SQLException {
        for (int i = 0; i < columns.size(); i++) {
            ColumnSpec c = columns.get(i);
            String v = values[i];
            if (v != null && c.type.kind == ColumnType.Kind.JSON) {
                v = dialect.jsonText(v);
            }
            ValueCodec.bind(ps, i + 1, c, v);
        }
    }

    /** Binds {@code values[0..columns.size())}; returns the next parameter index. */
    private static int bindColumns(
            PreparedStatement ps, int index, List<ColumnSpec> columns, String[] values)
            throws SQLException {
        for (int i = 0; i < columns.size(); i++) {
            ValueCodec.bind(ps, index++, columns.get(i), values[i]);
        }
        return index;
    }

    /** Binds one statement of a batch. */
    private interface Binder<T> {
        void bind(PreparedStatement ps, T item) throws SQLException;
    }

    private static long runBatch(
            TargetDialect dialect,
            Connection conn,
            String sql,
            String phase,
            String table,
            List<RowChange> changes,
            Binder<RowChange> binder)
            throws SQLException {
        return runRows(dialect, conn, sql, phase, table, changes, changes, binder);
    }

    private static <T> long runRows(
            TargetDialect dialect,
            Connection conn,
            String sql,
            String phase,
            String table,
            List<RowChange> owners,
            List<T> items,
            Binder<T> binder)
            throws SQLException {
        if (items.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            for (int i = 0; i < items.size(); i++) {
                try {
                    binder.bind(ps, items.get(i));
                } catch (IllegalArgumentException e) {
                    RowChange c = owners.get(i);
                    throw new IllegalArgumentException(
                            "Cannot write table "
                                    + table
                                    + ", key "
                                    + c.key
                                    + " (version "
                                    + Long.toUnsignedString(c.version)
                                    + "): "
                                    + e.getMessage(),
                            e);
                }
                ps.addBatch();
            }
            ps.executeBatch();
            return items.size();
        } catch (SQLException e) {
            throw wrap(dialect, e, phase, table, owners);
        }
    }

    private static SQLException wrap(
            TargetDialect dialect,
            SQLException e,
            String phase,
            String table,
            List<RowChange> changes) {
        Set<String> keys = new LinkedHashSet<>();
        for (RowChange c : changes) {
            keys.add(c.key);
        }
        List<String> shown =
                new ArrayList<>(keys).subList(0, Math.min(keys.size(), KEYS_IN_MESSAGES));
        return new SQLException(
                dialect.productName()
                        + " rejected the "
                        + phase
                        + " in table "
                        + dialect.quoteIdentifier(table)
                        + " for "
                        + keys.size()
                        + " key(s) "
                        + shown
                        + (keys.size() > shown.size() ? " and more" : "")
                        + ": "
                        + e.getMessage()
                        + dialect.hint(e)
                        + " [SQLState "
                        + e.getSQLState()
                        + ", error "
                        + e.getErrorCode()
                        + "]",
                e.getSQLState(),
                e.getErrorCode(),
                e);
    }

    /** The changes of one table that passed the version guard, split by what they do. */
    private static final class Applied {
        final TablePlan plan;
        final List<RowChange> changes = new ArrayList<>();
        final List<RowChange> deletes = new ArrayList<>();
        final List<RowChange> upserts = new ArrayList<>();
        final List<RowChange> tombstoned = new ArrayList<>();

        Applied(TablePlan plan) {
            this.plan = plan;
        }
    }

    /** The statements of one parent table and its descendants, generated once. */
    private static final class TablePlan {
        final TableSpec spec;
        final List<TableSpec> descendants;
        final Map<String, Integer> descendantIndex = new HashMap<>();
        final String upsertParent;

        /** The upsert of repairs: without the version guard (on MySQL the same text). */
        final String repairParent;

        final String deleteParent;

        /** Per descendant: the delete of its rows for {@link #SELECT_CHUNK} documents. */
        final List<String> deleteChildrenChunk = new ArrayList<>();

        final List<String> insertChild = new ArrayList<>();

        /** Finds U+0000 in the text of this table's changes. */
        final NulInText nul;

        TablePlan(TableSpec spec, TargetDialect dialect) {
            this.spec = spec;
            this.nul = new NulInText(spec);
            this.descendants = MySqlDialect.descendants(spec);
            this.upsertParent = dialect.parentUpsert(spec, true);
            this.repairParent = dialect.parentUpsert(spec, false);
            this.deleteParent = dialect.parentDelete(spec);
            for (int i = 0; i < descendants.size(); i++) {
                TableSpec child = descendants.get(i);
                descendantIndex.put(child.name, i);
                deleteChildrenChunk.add(
                        dialect.childrenDelete(child, spec.keyColumns, SELECT_CHUNK));
                insertChild.add(dialect.childInsert(child));
            }
        }

        /**
         * Whether the key column drops trailing spaces ({@code CHAR}, PAD SPACE); null: unknown.
         */
        Boolean padSpace;

        String pk(RowChange c) {
            return TombstoneKey.encode(c.parent, spec.keyColumns);
        }

        /**
         * The row a key reaches: its exact values, or with trailing spaces removed where the key
         * column ignores them ({@link #padSpace}) — there {@code 'a'} and {@code 'a '} are one row,
         * and the row read back as {@code 'a'} must be found for a change of {@code "a "}.
         */
        String rowKey(String[] values) {
            if (!Boolean.TRUE.equals(padSpace)) {
                return TombstoneKey.encode(values, spec.keyColumns);
            }
            String[] stripped = new String[spec.keyColumns];
            for (int i = 0; i < stripped.length; i++) {
                stripped[i] = values[i] == null ? null : values[i].replaceFirst(" +$", "");
            }
            return TombstoneKey.encode(stripped, stripped.length);
        }

        /** Asks the target once whether a text key column ignores trailing spaces. */
        void resolvePadSpace(Connection conn, TargetDialect dialect) throws SQLException {
            if (padSpace == null) {
                padSpace = dialect.keyIgnoresTrailingSpaces(conn, spec);
            }
        }
    }
}
