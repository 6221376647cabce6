package io.dbtransfer.model;

import java.util.Arrays;
import java.util.Objects;

/** The complete set of rows one document has in one child table (replaces the previous set). */
public class ChildRows {

    /** Child table name. */
    public String table;

    /** Rows, each aligned with the child table's columns (parent key, index, element columns). */
    public String[][] rows;

    public ChildRows() {}

    public ChildRows(String table, String[][] rows) {
        this.table = table;
        this.rows = rows;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ChildRows)) {
            return false;
        }
        ChildRows that = (ChildRows) o;
        return Objects.equals(table, that.table) && Arrays.deepEquals(rows, that.rows);
    }

    @Override
    public int hashCode() {
        return Objects.hash(table, Arrays.deepHashCode(rows));
    }

    @Override
    public String toString() {
        return table + Arrays.deepToString(rows);
    }
}
