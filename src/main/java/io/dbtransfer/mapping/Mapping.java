package io.dbtransfer.mapping;

import java.io.Serializable;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The mapping of every captured collection to its target table (and that table's children). */
public final class Mapping implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Map<String, TableSpec> byCollection;

    public Mapping(Map<String, TableSpec> byCollection) {
        this.byCollection = Collections.unmodifiableMap(new LinkedHashMap<>(byCollection));
    }

    /** The table of a collection, or {@code null} when the collection is not mapped. */
    public TableSpec tableFor(String collection) {
        return byCollection.get(collection);
    }

    public Map<String, TableSpec> byCollection() {
        return byCollection;
    }

    /** Every parent table, in collection order. */
    public Collection<TableSpec> tables() {
        return byCollection.values();
    }

    /** The parent or child table of that name, or {@code null}. */
    public TableSpec findTable(String name) {
        for (TableSpec parent : byCollection.values()) {
            TableSpec found = find(parent, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static TableSpec find(TableSpec table, String name) {
        if (table.name.equals(name)) {
            return table;
        }
        for (TableSpec child : table.children) {
            TableSpec found = find(child, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Mapping && byCollection.equals(((Mapping) o).byCollection);
    }

    @Override
    public int hashCode() {
        return byCollection.hashCode();
    }

    @Override
    public String toString() {
        return byCollection.toString();
    }
}
