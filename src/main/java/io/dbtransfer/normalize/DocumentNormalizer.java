package io.dbtransfer.normalize;

import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.FastJson;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChangeOp;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.MismatchPolicy;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.model.RowChange;

import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.json.JsonParseException;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a MongoDB change into the rows MySQL must hold for that key. Pure: no Flink, no I/O.
 *
 * <p>Each column is filled from its source path (dotted paths reach into nested documents). A
 * column whose source path is {@value TableSpec#REST_OF_DOCUMENT} receives, as one JSON object,
 * every top-level field no other column consumed — so no field is ever dropped silently. The first
 * column is the key column, filled from {@code _id}.
 */
public final class DocumentNormalizer implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Source path of the column that receives every otherwise unmapped field. */
    private static final int EXCERPT_CHARS = 200;

    private final Mapping mapping;
    private final MismatchPolicy policy;

    /** Each collection's table with its paths split once. */
    private final Map<String, Plan> plans = new HashMap<>();

    public DocumentNormalizer(Mapping mapping, MismatchPolicy policy) {
        this.mapping = mapping;
        this.policy = policy;
        mapping.byCollection()
                .forEach((collection, table) -> plans.put(collection, Plan.of(table)));
    }

    /**
     * A table of the mapping with its dotted paths split at their dots, once: the same step
     * strings, with their cached hashes, serve every document. Mirrors the table's tree of child
     * tables.
     */
    private static final class Plan implements Serializable {
        private static final long serialVersionUID = 1L;

        final TableSpec table;

        /** Steps of each column's source path (by column index). */
        final String[][] columnSteps;

        final String[][] ignoredSteps;

        /** Steps of the array path of a child table ({@code null} for the root table). */
        final String[] arraySteps;

        final Plan[] children;
        final int extraIndex;

        /** Every table below the root, depth first (the order the sink expects). */
        final List<TableSpec> descendants;

        /** This table's index in {@link #descendants} (-1 for the root). */
        final int descendantIndex;

        /** The plan of {@code table}, one of {@code descendants} or their root. */
        private Plan(TableSpec table, List<TableSpec> descendants) {
            this.table = table;
            columnSteps = new String[table.columns.size()][];
            for (int i = 0; i < columnSteps.length; i++) {
                columnSteps[i] = split(table.columns.get(i).sourcePath);
            }
            ignoredSteps = new String[table.ignoredPaths.size()][];
            for (int i = 0; i < ignoredSteps.length; i++) {
                ignoredSteps[i] = split(table.ignoredPaths.get(i));
            }
            arraySteps = table.arrayPath == null ? null : split(table.arrayPath);
            children = new Plan[table.children.size()];
            for (int i = 0; i < children.length; i++) {
                children[i] = new Plan(table.children.get(i), descendants);
            }
            extraIndex = TableSpec.extraIndex(table);
            this.descendants = descendants;
            descendantIndex = descendants.indexOf(table);
        }

        static Plan of(TableSpec root) {
            return new Plan(root, TableSpec.descendants(root));
        }
    }

    public Mapping mapping() {
        return mapping;
    }

    /** Normalizes one change; never throws for bad data (that becomes a dead letter). */
    public NormalizeResult normalize(ChangeRecord record, long nowMillis) {
        List<DeadLetter> deadLetters = new ArrayList<>();
        Plan plan = plans.get(record.collection);
        if (plan == null) {
            deadLetters.add(
                    letter(
                            record,
                            "",
                            null,
                            "",
                            "collection '" + record.collection + "' has no mapping",
                            nowMillis));
            return new NormalizeResult(null, deadLetters, 0);
        }
        TableSpec table = plan.table;
        BsonValue id;
        try {
            id = CanonicalValues.parseCanonicalJson(record.key);
        } catch (JsonParseException | IllegalArgumentException e) {
            deadLetters.add(
                    letter(
                            record,
                            "_id",
                            null,
                            "",
                            "unreadable key: " + e.getMessage(),
                            nowMillis));
            return new NormalizeResult(null, deadLetters, 0);
        }
        String[] keyValues;
        try {
            keyValues = new String[] {CanonicalValues.keyValue(id, table.columns.get(0).type)};
        } catch (CanonicalValues.MismatchException e) {
            deadLetters.add(
                    letter(
                            record,
                            "_id",
                            id,
                            table.columns.get(0).type.toSql(),
                            e.getMessage(),
                            nowMillis));
            return new NormalizeResult(null, deadLetters, 0);
        }
        if (record.op == ChangeOp.DELETE) {
            return new NormalizeResult(
                    RowChange.delete(
                            record.collection, table.name, record.key, record.version, keyValues),
                    deadLetters,
                    0);
        }
        BsonDocument document;
        try {
            document = FastJson.parseDocument(record.document);
        } catch (RuntimeException e) {
            deadLetters.add(
                    letter(
                            record,
                            "",
                            null,
                            "document",
                            "document is not valid Extended JSON: " + e.getMessage(),
                            nowMillis));
            return new NormalizeResult(null, deadLetters, 0);
        }
        // What no column consumed: a copy of the document minus every successfully mapped path.
        // Shallow: removePath copies a nested document before it removes anything from it.
        BsonDocument rest = shallowCopy(document);
        rest.remove("_id");
        Mapped mapped = new Mapped(record, nowMillis, deadLetters);
        for (String[] path : plan.ignoredSteps) {
            if (resolve(rest, path) != null) {
                removePath(rest, path, 0, mapped.owned);
                mapped.ignoredFields++;
            }
        }
        String[] values = fill(plan, document, rest, 1, keyValues, "", mapped);
        List<TableSpec> descendants = plan.descendants;
        List<List<String[]>> childRows = new ArrayList<>();
        for (int d = 0; d < descendants.size(); d++) {
            childRows.add(new ArrayList<>());
        }
        for (Plan child : plan.children) {
            addChildRows(child, document, rest, keyValues, "", childRows, mapped);
        }
        int extra = plan.extraIndex;
        if (extra >= 0) {
            values[extra] = CanonicalValues.json(rest);
        } else if (!mapped.skip && !rest.isEmpty()) {
            unmapped(table, "", rest, mapped);
        }
        if (mapped.skip) {
            return new NormalizeResult(null, deadLetters, mapped.ignoredFields);
        }
        ChildRows[] children = new ChildRows[descendants.size()];
        for (int d = 0; d < children.length; d++) {
            children[d] =
                    new ChildRows(
                            descendants.get(d).name, childRows.get(d).toArray(new String[0][]));
        }
        return new NormalizeResult(
                RowChange.upsert(
                        record.collection,
                        table.name,
                        record.key,
                        record.version,
                        values,
                        children),
                deadLetters,
                mapped.ignoredFields);
    }

    /** State of one document's normalization: its dead letters and whether it is skipped. */
    private static final class Mapped {
        final ChangeRecord record;
        final long nowMillis;
        final List<DeadLetter> deadLetters;
        boolean skip;
        int ignoredFields;

        /** Nested documents of the rest documents that are copies made by removePath. */
        final List<BsonDocument> owned = new ArrayList<>(4);

        Mapped(ChangeRecord record, long nowMillis, List<DeadLetter> deadLetters) {
            this.record = record;
            this.nowMillis = nowMillis;
            this.deadLetters = deadLetters;
        }
    }

    /**
     * The row of {@code table} for one source object (the document, or an array element): the first
     * {@code prefix.length} values are given (keys, indexes), the others come from the columns'
     * paths; consumed paths are removed from {@code rest}; the extra column (if any) gets what is
     * left. Marks the document skipped when a value does not fit and the policy says so.
     */
    private String[] fill(
            Plan plan,
            BsonValue source,
            BsonDocument rest,
            int firstColumn,
            String[] prefix,
            String where,
            Mapped mapped) {
        TableSpec table = plan.table;
        String[] values = new String[table.columns.size()];
        System.arraycopy(prefix, 0, values, 0, prefix.length);
        boolean hasExtra = plan.extraIndex >= 0;
        for (int i = firstColumn; i < table.columns.size(); i++) {
            ColumnSpec column = table.columns.get(i);
            if (TableSpec.REST_OF_DOCUMENT.equals(column.sourcePath)) {
                continue;
            }
            BsonValue value =
                    ColumnSpec.ELEMENT.equals(column.sourcePath)
                            ? source
                            : source.isDocument()
                                    ? resolve(source.asDocument(), plan.columnSteps[i])
                                    : null;
            try {
                values[i] = CanonicalValues.fromBson(value, column.type);
                if (ColumnSpec.ELEMENT.equals(column.sourcePath)) {
                    rest.clear(); // a null element is NULL: an element cannot be missing
                } else if (value != null && value.isNull()) {
                    continue; // an explicit null field stays in the extra column: null ≠ missing
                } else {
                    removePath(rest, plan.columnSteps[i], 0, mapped.owned);
                }
            } catch (CanonicalValues.MismatchException e) {
                boolean keep = policy == MismatchPolicy.NULL_AND_KEEP_IN_EXTRA && hasExtra;
                mapped.deadLetters.add(
                        new DeadLetter(
                                mapped.record.collection,
                                mapped.record.key,
                                path(where, column.sourcePath),
                                CanonicalValues.excerpt(value, EXCERPT_CHARS),
                                column.type.toSql(),
                                e.getMessage(),
                                keep ? DeadLetter.ACTION_KEPT_IN_EXTRA : DeadLetter.ACTION_SKIPPED,
                                mapped.record.version,
                                mapped.nowMillis));
                if (!keep) {
                    mapped.skip = true;
                }
            }
        }
        return values;
    }

    /** Rows of one child table (and its descendants) for the array at {@code child.arrayPath}. */
    private void addChildRows(
            Plan plan,
            BsonValue source,
            BsonDocument rest,
            String[] prefix,
            String where,
            List<List<String[]>> rows,
            Mapped mapped) {
        TableSpec child = plan.table;
        boolean element = ColumnSpec.ELEMENT.equals(child.arrayPath);
        BsonValue value =
                element
                        ? source
                        : source.isDocument()
                                ? resolve(source.asDocument(), plan.arraySteps)
                                : null;
        if (value == null || !value.isArray() || value.asArray().isEmpty()) {
            // Missing, null, not an array or empty: nothing to put in rows, so the value stays in
            // the extra column (an empty array stays distinct from a missing field).
            return;
        }
        if (element) {
            rest.clear();
        } else {
            removePath(rest, plan.arraySteps, 0, mapped.owned);
        }
        String path = element ? path(where, ColumnSpec.ELEMENT) : where + child.arrayPath;
        int tableIndex = plan.descendantIndex;
        BsonArray array = value.asArray();
        for (int i = 0; i < array.size(); i++) {
            BsonValue item = array.get(i);
            String[] keys = Arrays.copyOf(prefix, prefix.length + 1);
            keys[prefix.length] = Integer.toString(i);
            String itemWhere = path + "[" + i + "].";
            BsonDocument itemRest =
                    item.isDocument()
                            ? shallowCopy(item.asDocument())
                            : new BsonDocument("$", item);
            String[] row = fill(plan, item, itemRest, keys.length, keys, itemWhere, mapped);
            for (Plan grandChild : plan.children) {
                addChildRows(grandChild, item, itemRest, keys, itemWhere, rows, mapped);
            }
            int extra = plan.extraIndex;
            if (extra >= 0) {
                row[extra] = CanonicalValues.json(itemRest);
            } else if (!itemRest.isEmpty() && !mapped.skip) {
                unmapped(child, itemWhere, itemRest, mapped);
            }
            rows.get(tableIndex).add(row);
        }
    }

    private void unmapped(TableSpec table, String where, BsonDocument rest, Mapped mapped) {
        List<String> paths = new ArrayList<>();
        for (String k : rest.keySet()) {
            paths.add(path(where, k));
        }
        mapped.deadLetters.add(
                new DeadLetter(
                        mapped.record.collection,
                        mapped.record.key,
                        String.join(",", paths),
                        CanonicalValues.excerpt(rest, EXCERPT_CHARS),
                        "a mapped column of " + table.name,
                        "fields not mapped to any column and table "
                                + table.name
                                + " has no extra column; map them, list them under ignore:,"
                                + " or give the table an extra-column",
                        DeadLetter.ACTION_SKIPPED,
                        mapped.record.version,
                        mapped.nowMillis));
        mapped.skip = true;
    }

    /**
     * The dotted path of a field below {@code where} ({@code a[1].} + {@code $} = {@code a[1]}).
     */
    private static String path(String where, String field) {
        if (ColumnSpec.ELEMENT.equals(field) && where.endsWith(".")) {
            return where.substring(0, where.length() - 1);
        }
        return where + field;
    }

    /** A new document holding the same fields (the values themselves are shared). */
    static BsonDocument shallowCopy(BsonDocument document) {
        BsonDocument copy = new BsonDocument();
        copy.putAll(document);
        return copy;
    }

    /** {@code path} split at every dot. */
    static String[] split(String path) {
        List<String> steps = new ArrayList<>();
        int start = 0;
        for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', start)) {
            steps.add(path.substring(start, dot));
            start = dot + 1;
        }
        steps.add(path.substring(start));
        return steps.toArray(new String[0]);
    }

    /**
     * Removes the path {@code steps[from..]}; parents left empty by the removal are removed too.
     * Nested documents on the path are replaced by copies before anything is removed from them, so
     * {@code document} may be a {@link #shallowCopy} that shares its nested documents with the
     * source document. {@code owned} holds the copies made so far for this record (few: one per
     * nested document a mapped path reaches into), which are not copied again.
     */
    static void removePath(
            BsonDocument document, String[] steps, int from, List<BsonDocument> owned) {
        String head = steps[from];
        if (from == steps.length - 1) {
            document.remove(head);
            return;
        }
        BsonValue child = document.get(head);
        if (child != null && child.isDocument()) {
            BsonDocument sub = child.asDocument();
            if (!containsSame(owned, sub)) {
                sub = shallowCopy(sub);
                owned.add(sub);
                document.put(head, sub); // same position: replacing a value keeps its place
            }
            boolean wasEmpty = sub.isEmpty();
            removePath(sub, steps, from + 1, owned);
            if (sub.isEmpty() && !wasEmpty) {
                document.remove(head);
            }
        }
    }

    private static boolean containsSame(List<BsonDocument> documents, BsonDocument document) {
        for (int i = 0; i < documents.size(); i++) {
            if (documents.get(i) == document) {
                return true;
            }
        }
        return false;
    }

    /**
     * The value at the path {@code steps}, or {@code null} when any step is missing or not a
     * document.
     */
    static BsonValue resolve(BsonDocument document, String[] steps) {
        BsonValue current = document;
        for (String step : steps) {
            if (!current.isDocument()) {
                return null;
            }
            current = current.asDocument().get(step);
            if (current == null) {
                return null;
            }
        }
        return current;
    }

    private static DeadLetter letter(
            ChangeRecord record,
            String path,
            BsonValue value,
            String expected,
            String reason,
            long nowMillis) {
        return new DeadLetter(
                record.collection,
                record.key,
                path,
                value == null
                        ? (record.document == null
                                ? ""
                                : record.document.substring(
                                        0, Math.min(EXCERPT_CHARS, record.document.length())))
                        : CanonicalValues.excerpt(value, EXCERPT_CHARS),
                expected,
                reason,
                DeadLetter.ACTION_SKIPPED,
                record.version,
                nowMillis);
    }
}
