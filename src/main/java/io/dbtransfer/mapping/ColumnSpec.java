package io.dbtransfer.mapping;

import java.io.Serializable;
import java.util.Objects;

/** One target column: its name, its type and the document field path it is filled from. */
public final class ColumnSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Source path of a child-table column filled with the array element itself. */
    public static final String ELEMENT = "$";

    /** Column name in MySQL (unquoted). */
    public final String name;

    /** Column type. */
    public final ColumnType type;

    /** Dotted field path in the source document ({@code _id}, {@code rating.stars}, …). */
    public final String sourcePath;

    public ColumnSpec(String name, ColumnType type, String sourcePath) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.sourcePath = Objects.requireNonNull(sourcePath, "sourcePath");
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ColumnSpec)) {
            return false;
        }
        ColumnSpec that = (ColumnSpec) o;
        return name.equals(that.name)
                && type.equals(that.type)
                && sourcePath.equals(that.sourcePath);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, sourcePath);
    }

    @Override
    public String toString() {
        return name + " " + type + " <- " + sourcePath;
    }
}
