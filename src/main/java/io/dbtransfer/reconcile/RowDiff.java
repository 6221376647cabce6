package io.dbtransfer.reconcile;

import io.dbtransfer.hashing.RowHasher;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChildRows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Names what differs between the rows the source says a document has and the rows MySQL holds:
 * parent columns ({@code stars,title}), and per child table the missing and extra rows and the
 * differing columns of rows with the same key ({@code child table reviews_comments: 1 row
 * missing}). Values compare in {@link RowHasher}'s normal form, so equal data in other spellings is
 * equal. Pure.
 */
public final class RowDiff {

    private RowDiff() {}

    /**
     * Describes the differences; empty when the rows are equal.
     *
     * @param table the parent table
     * @param sourceParent the parent row the source says must exist, or {@code null} for none
     * @param sourceChildren the source's child row sets (may be {@code null})
     * @param mysqlParent the parent row MySQL holds, or {@code null}
     * @param mysqlChildren the rows MySQL holds per child table name (absent table: no rows)
     * @param versionDiffers whether MySQL's {@code _src_version} differs (named first)
     */
    public static String describe(
            TableSpec table,
            String[] sourceParent,
            ChildRows[] sourceChildren,
            String[] mysqlParent,
            Map<String, List<String[]>> mysqlChildren,
            boolean versionDiffers) {
        List<String> parts = new ArrayList<>();
        if (versionDiffers && sourceParent != null && mysqlParent != null) {
            Set<String> columns = new LinkedHashSet<>();
            columns.add(TableSpec.VERSION_COLUMN);
            columns.addAll(differingColumns(table, sourceParent, mysqlParent));
            parts.add(String.join(",", columns));
        } else if (sourceParent == null && mysqlParent != null) {
            parts.add("parent row extra");
        } else if (sourceParent != null && mysqlParent == null) {
            parts.add("parent row missing");
        } else if (sourceParent != null) {
            Set<String> columns = differingColumns(table, sourceParent, mysqlParent);
            if (!columns.isEmpty()) {
                parts.add(String.join(",", columns));
            }
        }
        Map<String, String[][]> source = new LinkedHashMap<>();
        if (sourceChildren != null) {
            for (ChildRows set : sourceChildren) {
                source.put(set.table, set.rows == null ? new String[0][] : set.rows);
            }
        }
        for (TableSpec child : TableSpec.descendants(table)) {
            String[][] want = source.getOrDefault(child.name, new String[0][]);
            List<String[]> have = mysqlChildren.getOrDefault(child.name, List.of());
            String d = describeChild(child, Arrays.asList(want), have);
            if (!d.isEmpty()) {
                parts.add("child table " + child.name + ": " + d);
            }
        }
        return String.join("; ", parts);
    }

    private static String describeChild(TableSpec child, List<String[]> want, List<String[]> have) {
        Map<String, String[]> byKey = new LinkedHashMap<>();
        for (String[] row : have) {
            byKey.put(key(child, row), row);
        }
        int missing = 0;
        int differing = 0;
        Set<String> columns = new LinkedHashSet<>();
        for (String[] row : want) {
            String[] other = byKey.remove(key(child, row));
            if (other == null) {
                missing++;
            } else {
                Set<String> c = differingColumns(child, row, other);
                if (!c.isEmpty()) {
                    differing++;
                    columns.addAll(c);
                }
            }
        }
        int extra = byKey.size();
        StringJoiner out = new StringJoiner(", ");
        if (missing > 0) {
            out.add(rows(missing) + " missing");
        }
        if (extra > 0) {
            out.add(rows(extra) + " extra");
        }
        if (differing > 0) {
            out.add(String.join(",", columns) + " in " + rows(differing));
        }
        return out.toString();
    }

    private static String rows(int n) {
        return n + (n == 1 ? " row" : " rows");
    }

    private static String key(TableSpec table, String[] row) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < table.keyColumns; i++) {
            sb.append(RowHasher.normalForm(row[i], table.columns.get(i).type)).append('\u0000');
        }
        return sb.toString();
    }

    private static Set<String> differingColumns(TableSpec table, String[] a, String[] b) {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < table.columns.size(); i++) {
            String x = i < a.length ? a[i] : null;
            String y = i < b.length ? b[i] : null;
            if (!Objects.equals(
                    RowHasher.normalForm(x, table.columns.get(i).type),
                    RowHasher.normalForm(y, table.columns.get(i).type))) {
                out.add(table.columns.get(i).name);
            }
        }
        return out;
    }
}
