package io.dbtransfer.dialect;

import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.HexFormat;

/** Binds canonical value strings (see {@link ColumnType.Kind}) by kind, and reads keys back. */
public final class ValueCodec {

    private ValueCodec() {}

    /**
     * Binds {@code value} ({@code null} = SQL NULL) as its column kind wants it.
     *
     * @throws IllegalArgumentException when the value is not canonical text of that kind
     */
    public static void bind(PreparedStatement ps, int index, ColumnSpec column, String value)
            throws SQLException {
        ColumnType.Kind kind = column.type.kind;
        if (value == null) {
            ps.setNull(index, sqlType(kind));
            return;
        }
        try {
            switch (kind) {
                case INT:
                case BIGINT:
                    ps.setLong(index, Long.parseLong(value));
                    return;
                case DOUBLE:
                    ps.setDouble(index, Double.parseDouble(value));
                    return;
                case DECIMAL:
                    ps.setBigDecimal(index, new BigDecimal(value));
                    return;
                case BOOLEAN:
                    if (!value.equals("0") && !value.equals("1")) {
                        throw new IllegalArgumentException("expected 0 or 1");
                    }
                    ps.setBoolean(index, value.equals("1"));
                    return;
                case BINARY:
                    ps.setBytes(index, HexFormat.of().parseHex(value));
                    return;
                default:
                    ps.setString(index, value);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Value '"
                            + abbreviate(value)
                            + "' of column "
                            + column.name
                            + " is not a canonical "
                            + column.type.toSql()
                            + " value ("
                            + e.getMessage()
                            + ")",
                    e);
        }
    }

    /** Binds a source version as {@code BIGINT UNSIGNED}. */
    public static void bindVersion(PreparedStatement ps, int index, long version)
            throws SQLException {
        if (version >= 0) {
            ps.setLong(index, version);
        } else {
            ps.setBigDecimal(index, new BigDecimal(Long.toUnsignedString(version)));
        }
    }

    /** Reads a {@code BIGINT UNSIGNED} version column. */
    public static long readVersion(ResultSet rs, int index) throws SQLException {
        return Long.parseUnsignedLong(rs.getString(index));
    }

    /**
     * Reads a key column selected through {@link MySqlDialect#keyReadExpression} as the canonical
     * string the sink would have bound for it.
     */
    public static String readKey(ResultSet rs, int index, ColumnSpec column) throws SQLException {
        switch (column.type.kind) {
            case INT:
            case BIGINT:
            case BOOLEAN:
                return Long.toString(rs.getLong(index));
            case DOUBLE:
                return Double.toString(rs.getDouble(index));
            case DECIMAL:
                return rs.getBigDecimal(index).toPlainString();
            default:
                return rs.getString(index);
        }
    }

    private static int sqlType(ColumnType.Kind kind) {
        switch (kind) {
            case INT:
                return Types.INTEGER;
            case BIGINT:
                return Types.BIGINT;
            case DOUBLE:
                return Types.DOUBLE;
            case DECIMAL:
                return Types.DECIMAL;
            case BOOLEAN:
                return Types.BOOLEAN;
            case BINARY:
                return Types.VARBINARY;
            default:
                return Types.VARCHAR;
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}
