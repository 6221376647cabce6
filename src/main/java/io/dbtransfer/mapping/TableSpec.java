package io.dbtransfer.mapping;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A target table: its name and columns. The first {@code keyColumns} columns form the primary key.
 *
 * <p>For a parent table the key is the document key (column {@code _id}); for a child table the key
 * is the parent key followed by the array index {@code _idx} (and further indexes for nested
 * arrays). The sink adds the system column {@code _src_version} to parent tables; it is not listed
 * here.
 */
public final class TableSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Name of the version column the sink keeps on every parent row. */
    public static final String VERSION_COLUMN = "_src_version";

    public final String name;
    public final List<ColumnSpec> columns;
    public final int keyColumns;

    /** Child tables (arrays mapped to tables), in write order. */
    public final List<TableSpec> children;

    /**
     * For a child table: the path of its array, relative to the parent table's document (or, for a
     * grand-child, to the parent's array element; {@value ColumnSpec#ELEMENT} = the element
     * itself). {@code null} for a parent table.
     */
    public final String arrayPath;

    /** Field paths the mapping explicitly ignores (not written, counted); parent tables only. */
    public final List<String> ignoredPaths;

    public TableSpec(
            String name,
            List<ColumnSpec> columns,
            int keyColumns,
            List<TableSpec> children,
            String arrayPath,
            List<String> ignoredPaths) {
        this.arrayPath = arrayPath;
        this.ignoredPaths = List.copyOf(ignoredPaths);
        this.name = Objects.requireNonNull(name, "name");
        this.columns = Collections.unmodifiableList(new ArrayList<>(columns));
        this.keyColumns = keyColumns;
        this.children = Collections.unmodifiableList(new ArrayList<>(children));
        if (keyColumns < 1 || keyColumns > columns.size()) {
            throw new IllegalArgumentException(
                    "Table " + name + " needs between 1 and " + columns.size() + " key columns");
        }
    }

    public TableSpec(
            String name, List<ColumnSpec> columns, int keyColumns, List<TableSpec> children) {
        this(name, columns, keyColumns, children, null, List.of());
    }

    public TableSpec(String name, List<ColumnSpec> columns, int keyColumns) {
        this(name, columns, keyColumns, List.of());
    }

    public List<ColumnSpec> keyColumnSpecs() {
        return columns.subList(0, keyColumns);
    }

    public int indexOf(String columnName) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name.equals(columnName)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TableSpec)) {
            return false;
        }
        TableSpec that = (TableSpec) o;
        return keyColumns == that.keyColumns
                && name.equals(that.name)
                && columns.equals(that.columns)
                && children.equals(that.children)
                && Objects.equals(arrayPath, that.arrayPath)
                && ignoredPaths.equals(that.ignoredPaths);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, columns, keyColumns, children);
    }

    @Override
    public String toString() {
        return name + columns;
    }

    /** The source path of the column that holds the rest of the document as JSON. */
    public static final String REST_OF_DOCUMENT = "*";

    /** Every table below this one, depth first. */
    public static List<TableSpec> descendants(TableSpec table) {
        List<TableSpec> out = new ArrayList<>();
        addDescendants(table, out);
        return out;
    }

    private static void addDescendants(TableSpec table, List<TableSpec> out) {
        for (TableSpec child : table.children) {
            out.add(child);
            addDescendants(child, out);
        }
    }

    /** Index of the extra JSON column, or -1. */
    public static int extraIndex(TableSpec table) {
        for (int i = 0; i < table.columns.size(); i++) {
            if (REST_OF_DOCUMENT.equals(table.columns.get(i).sourcePath)) {
                return i;
            }
        }
        return -1;
    }
}
