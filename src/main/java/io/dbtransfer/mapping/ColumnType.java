package io.dbtransfer.mapping;

import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;

/**
 * A MySQL column type together with the canonical text form its values take inside DBtransfer.
 *
 * <p>Values travel as canonical strings (see {@link Kind}) from the normalizer to the sink and to
 * the reconciler; the sink binds them by kind, and rows read back from MySQL are turned into the
 * same strings, so both sides hash equal values to equal bytes.
 */
public final class ColumnType implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Column kinds and the canonical text of their values. */
    public enum Kind {
        /** {@code INT}; decimal digits. */
        INT,
        /** {@code BIGINT}; decimal digits. */
        BIGINT,
        /** {@code DOUBLE}; {@link Double#toString(double)} of a finite value. */
        DOUBLE,
        /** {@code DECIMAL(p,s)}; {@link java.math.BigDecimal#toPlainString()} at scale s. */
        DECIMAL,
        /** {@code BOOLEAN}; "0" or "1". */
        BOOLEAN,
        /** {@code VARCHAR(n)}, n in characters; the string. */
        VARCHAR,
        /** {@code CHAR(n)}; the string. */
        CHAR,
        /** {@code LONGTEXT}; the string. */
        TEXT,
        /** {@code DATETIME(3)} in UTC; {@code yyyy-MM-dd HH:mm:ss.SSS}. */
        DATETIME,
        /** {@code JSON}; compact JSON text. */
        JSON,
        /** {@code VARBINARY(n)} / {@code LONGBLOB}; lower-case hex. */
        BINARY
    }

    public final Kind kind;

    /** Length for VARCHAR / CHAR / VARBINARY (0 = LONGBLOB for BINARY); precision for DECIMAL. */
    public final int length;

    /** Scale for DECIMAL. */
    public final int scale;

    /** BSON types a column can be declared for, beyond what its kind stores (see {@link #bson}). */
    public enum Bson {
        /** Whatever the kind's rules accept. */
        ANY,
        /** {@code OBJECTID}: an ObjectId only, stored as 24 lower-case hex digits in CHAR(24). */
        OBJECT_ID,
        /** {@code UUID}: a binary subtype 4 only, stored as its 36-character text in CHAR(36). */
        UUID_TEXT,
        /** {@code BINARY_UUID}: a binary subtype 4 only, stored as 16 bytes in VARBINARY(16). */
        UUID_BYTES
    }

    /**
     * The BSON type the column is declared for, so that the value comes back as that type ({@link
     * RowsToDocument}) and other types are refused instead of silently converted.
     */
    public final Bson bson;

    private ColumnType(Kind kind, int length, int scale) {
        this(kind, length, scale, Bson.ANY);
    }

    private ColumnType(Kind kind, int length, int scale, Bson bson) {
        this.kind = Objects.requireNonNull(kind);
        this.length = length;
        this.scale = scale;
        this.bson = bson;
    }

    public static ColumnType of(Kind kind) {
        return new ColumnType(kind, 0, 0);
    }

    public static ColumnType varchar(int length) {
        return new ColumnType(Kind.VARCHAR, length, 0);
    }

    public static ColumnType fixedChar(int length) {
        return new ColumnType(Kind.CHAR, length, 0);
    }

    public static ColumnType decimal(int precision, int scale) {
        return new ColumnType(Kind.DECIMAL, precision, scale);
    }

    public static ColumnType binary(int length) {
        return new ColumnType(Kind.BINARY, length, 0);
    }

    /**
     * Parses a type as written in a mapping: {@code INT, BIGINT, DOUBLE, DECIMAL(p,s), BOOLEAN,
     * VARCHAR(n), CHAR(n), TEXT, DATETIME, JSON, VARBINARY(n), BLOB}.
     *
     * @throws IllegalArgumentException naming the accepted types
     */
    public static ColumnType parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT).replace(" ", "");
        try {
            if (t.startsWith("VARCHAR(")) {
                return varchar(Integer.parseInt(t.substring(8, t.length() - 1)));
            }
            if (t.startsWith("CHAR(")) {
                return fixedChar(Integer.parseInt(t.substring(5, t.length() - 1)));
            }
            if (t.startsWith("VARBINARY(")) {
                return binary(Integer.parseInt(t.substring(10, t.length() - 1)));
            }
            if (t.startsWith("DECIMAL(")) {
                String[] ps = t.substring(8, t.length() - 1).split(",");
                return decimal(
                        Integer.parseInt(ps[0]), ps.length > 1 ? Integer.parseInt(ps[1]) : 0);
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Malformed column type '" + text + "'", e);
        }
        switch (t) {
            case "OBJECTID":
                return new ColumnType(Kind.CHAR, 24, 0, Bson.OBJECT_ID);
            case "UUID":
                return new ColumnType(Kind.CHAR, 36, 0, Bson.UUID_TEXT);
            case "BINARY_UUID":
                return new ColumnType(Kind.BINARY, 16, 0, Bson.UUID_BYTES);
            case "INT":
            case "INTEGER":
                return of(Kind.INT);
            case "BIGINT":
                return of(Kind.BIGINT);
            case "DOUBLE":
                return of(Kind.DOUBLE);
            case "BOOLEAN":
            case "BOOL":
                return of(Kind.BOOLEAN);
            case "TEXT":
            case "LONGTEXT":
                return of(Kind.TEXT);
            case "DATETIME":
            case "DATETIME(3)":
                return of(Kind.DATETIME);
            case "JSON":
                return of(Kind.JSON);
            case "BLOB":
            case "LONGBLOB":
                return binary(0);
            default:
                throw new IllegalArgumentException(
                        "Unknown column type '"
                                + text
                                + "'; use one of INT, BIGINT, DOUBLE, DECIMAL(p,s), BOOLEAN,"
                                + " VARCHAR(n), CHAR(n), TEXT, DATETIME, JSON, VARBINARY(n), BLOB,"
                                + " OBJECTID, UUID, BINARY_UUID");
        }
    }

    /** The MySQL DDL form of this type. */
    public String toSql() {
        switch (kind) {
            case INT:
                return "INT";
            case BIGINT:
                return "BIGINT";
            case DOUBLE:
                return "DOUBLE";
            case DECIMAL:
                return "DECIMAL(" + length + "," + scale + ")";
            case BOOLEAN:
                return "BOOLEAN";
            case VARCHAR:
                return "VARCHAR(" + length + ")";
            case CHAR:
                return "CHAR(" + length + ")";
            case TEXT:
                return "LONGTEXT";
            case DATETIME:
                return "DATETIME(3)";
            case JSON:
                return "JSON";
            case BINARY:
                return length == 0 ? "LONGBLOB" : "VARBINARY(" + length + ")";
            default:
                throw new IllegalStateException(kind.name());
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ColumnType)) {
            return false;
        }
        ColumnType that = (ColumnType) o;
        return kind == that.kind
                && length == that.length
                && scale == that.scale
                && bson == that.bson;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, length, scale, bson);
    }

    @Override
    public String toString() {
        switch (bson) {
            case OBJECT_ID:
                return "OBJECTID";
            case UUID_TEXT:
                return "UUID";
            case UUID_BYTES:
                return "BINARY_UUID";
            default:
                return toSql();
        }
    }
}
