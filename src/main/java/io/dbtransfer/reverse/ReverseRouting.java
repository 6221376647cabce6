package io.dbtransfer.reverse;

import io.dbtransfer.hashing.KeyTexts;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.RoutingKey;

import org.bson.BsonValue;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which document a binlog row belongs to (pure, no Flink): every mapped table, parent or child,
 * routes to its parent table and collection; the row's document key is its first column ({@code
 * _id}), which a parent row holds as its key and every child row holds as the key of the document
 * it belongs to (see {@link io.dbtransfer.mapping.MappingParser}).
 */
public final class ReverseRouting implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Where the rows of one table go: the document's parent table and collection. */
    public record Route(String collection, TableSpec parent, TableSpec table)
            implements Serializable {
        /** The name of the column holding the document key in {@link #table()}. */
        public String keyColumn() {
            return table.columns.get(0).name;
        }
    }

    private final Map<String, Route> byTable = new LinkedHashMap<>();

    public ReverseRouting(Mapping mapping) {
        for (Map.Entry<String, TableSpec> e : mapping.byCollection().entrySet()) {
            TableSpec parent = e.getValue();
            byTable.put(parent.name, new Route(e.getKey(), parent, parent));
            for (TableSpec child : TableSpec.descendants(parent)) {
                byTable.put(child.name, new Route(e.getKey(), parent, child));
            }
        }
    }

    /** The route of a table, or {@code null} when the mapping does not know it. */
    public Route route(String table) {
        return byTable.get(table);
    }

    /** Every mapped table (parents and children). */
    public Collection<String> tables() {
        return byTable.keySet();
    }

    /** The parent route of a collection, or {@code null}. */
    public Route collection(String collection) {
        for (Route r : byTable.values()) {
            if (r.collection.equals(collection) && r.parent == r.table) {
                return r;
            }
        }
        return null;
    }

    /**
     * The key text of a binlog column value as the forward sink wrote it: text as itself, integers
     * as their digits, bytes as lowercase hex; {@code null} stays {@code null}.
     */
    public static String keyText(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Integer
                || value instanceof Long
                || value instanceof Short
                || value instanceof Byte
                || value instanceof BigInteger) {
            return value.toString();
        }
        if (value instanceof BigDecimal d) {
            return d.stripTrailingZeros().toPlainString();
        }
        if (value instanceof byte[] b) {
            return HexFormat.of().formatHex(b);
        }
        if (value instanceof ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            byte[] b = new byte[copy.remaining()];
            copy.get(b);
            return HexFormat.of().formatHex(b);
        }
        return value.toString();
    }

    /**
     * The {@code _id} values a key column text can stand for, the one a new document gets first:
     * for a text column an ObjectId (24 lowercase hex digits), else the string, then an integer
     * when the text is one's digits; for an integer column Int32 when it fits, then Int64. The
     * writer keeps the type of the document MongoDB already holds.
     */
    public static List<BsonValue> idCandidates(
            String collection, String keyText, ColumnType keyType) {
        List<BsonValue> out = new ArrayList<>();
        for (String routingKey : KeyTexts.candidates(collection, keyText, keyType)) {
            out.add(CanonicalValues.parseCanonicalJson(RoutingKey.keyJson(routingKey)));
        }
        return out;
    }
}
