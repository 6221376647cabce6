package io.dbtransfer.mapping;

import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonType;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.bson.types.Decimal128;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Canonical text of column values, computed the same way from a BSON value (source side) and from a
 * JDBC result (MySQL side), so equal data gives equal strings on both sides.
 */
public final class CanonicalValues {

    /** Formats DATETIME(3) values. */
    public static final DateTimeFormatter DATETIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    /** Relaxed Extended JSON, the form documents and JSON columns take in MySQL. */
    public static final JsonWriterSettings RELAXED =
            JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    /** Canonical Extended JSON, lossless, used for document keys. */
    public static final JsonWriterSettings CANONICAL =
            JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();

    private static final long MAX_SAFE_DOUBLE_INT = 1L << 53;
    private static final Instant MIN_DATETIME = Instant.parse("1000-01-01T00:00:00Z");
    private static final Instant MAX_DATETIME = Instant.parse("9999-12-31T23:59:59.999Z");

    private CanonicalValues() {}

    /** Thrown when a value does not fit its column type without loss. */
    public static final class MismatchException extends Exception {
        private static final long serialVersionUID = 1L;

        public MismatchException(String reason) {
            super(reason);
        }
    }

    /**
     * The canonical text of a BSON value in a column of the given type; {@code null} for BSON null
     * or a missing value.
     *
     * @throws MismatchException when the value cannot be stored in that type without loss
     */
    public static String fromBson(BsonValue value, ColumnType type) throws MismatchException {
        if (value == null || value.isNull()) {
            return null;
        }
        switch (type.bson) {
            case OBJECT_ID:
                if (value.getBsonType() != BsonType.OBJECT_ID) {
                    throw mismatch(value, type);
                }
                return value.asObjectId().getValue().toHexString();
            case UUID_TEXT:
                return uuid(value, type).toString();
            case UUID_BYTES:
                return HexFormat.of().formatHex(uuidBytes(value, type));
            default:
                break;
        }
        switch (type.kind) {
            case INT:
                {
                    long v = integral(value, type);
                    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                        throw new MismatchException("value " + v + " overflows INT");
                    }
                    return Long.toString(v);
                }
            case BIGINT:
                return Long.toString(integral(value, type));
            case DOUBLE:
                return Double.toString(toDouble(value));
            case DECIMAL:
                return decimal(value, type);
            case BOOLEAN:
                if (value.isBoolean()) {
                    return value.asBoolean().getValue() ? "1" : "0";
                }
                throw mismatch(value, type);
            case VARCHAR:
            case CHAR:
            case TEXT:
                {
                    String s = text(value, type);
                    if (type.kind != ColumnType.Kind.TEXT
                            && s.codePointCount(0, s.length()) > type.length) {
                        throw new MismatchException(
                                "string of "
                                        + s.codePointCount(0, s.length())
                                        + " characters is longer than "
                                        + type.toSql());
                    }
                    return s;
                }
            case DATETIME:
                {
                    if (value.getBsonType() != BsonType.DATE_TIME) {
                        throw mismatch(value, type);
                    }
                    Instant instant = Instant.ofEpochMilli(value.asDateTime().getValue());
                    if (instant.isBefore(MIN_DATETIME) || instant.isAfter(MAX_DATETIME)) {
                        throw new MismatchException(
                                "date " + instant + " is outside the DATETIME range 1000-9999");
                    }
                    return datetime(value.asDateTime().getValue());
                }
            case JSON:
                return json(value);
            case BINARY:
                {
                    if (value.getBsonType() != BsonType.BINARY) {
                        throw mismatch(value, type);
                    }
                    byte subtype = value.asBinary().getType();
                    if (subtype != 0) {
                        throw new MismatchException(
                                "binary subtype "
                                        + (subtype & 0xff)
                                        + " is not generic binary data (subtype 0); declare the"
                                        + " column UUID / BINARY_UUID for UUIDs or JSON to keep"
                                        + " the subtype");
                    }
                    byte[] data = value.asBinary().getData();
                    if (type.length > 0 && data.length > type.length) {
                        throw new MismatchException(
                                data.length + " bytes are longer than " + type.toSql());
                    }
                    return HexFormat.of().formatHex(data);
                }
            default:
                throw new IllegalStateException(type.kind.name());
        }
    }

    /**
     * {@link #DATETIME} of an instant of the years 1000–9999 (UTC), written digit by digit: the
     * same text as the formatter, several times faster.
     */
    static String datetime(long epochMillis) {
        LocalDateTime t =
                LocalDateTime.ofEpochSecond(
                        Math.floorDiv(epochMillis, 1000L),
                        (int) Math.floorMod(epochMillis, 1000L) * 1_000_000,
                        ZoneOffset.UTC);
        char[] c = new char[23];
        digits(c, 0, t.getYear(), 4);
        c[4] = '-';
        digits(c, 5, t.getMonthValue(), 2);
        c[7] = '-';
        digits(c, 8, t.getDayOfMonth(), 2);
        c[10] = ' ';
        digits(c, 11, t.getHour(), 2);
        c[13] = ':';
        digits(c, 14, t.getMinute(), 2);
        c[16] = ':';
        digits(c, 17, t.getSecond(), 2);
        c[19] = '.';
        digits(c, 20, t.getNano() / 1_000_000, 3);
        return new String(c);
    }

    private static void digits(char[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * The key text of a document {@code _id}: an ObjectId as 24 hex digits, a string as itself, an
     * integer as its digits, anything else as canonical Extended JSON.
     */
    public static String keyText(BsonValue id) {
        switch (id.getBsonType()) {
            case OBJECT_ID:
                return id.asObjectId().getValue().toHexString();
            case STRING:
                return id.asString().getValue();
            case INT32:
                return Integer.toString(id.asInt32().getValue());
            case INT64:
                return Long.toString(id.asInt64().getValue());
            default:
                return canonicalJson(id);
        }
    }

    /** Canonical Extended JSON of a single value (used as the routing key of a document). */
    public static String canonicalJson(BsonValue value) {
        // The common key types written directly: the same text as the library's writer
        // (NormalizerGoldenTest, FastJsonTest).
        switch (value.getBsonType()) {
            case OBJECT_ID:
                return "{\"$oid\": \"" + value.asObjectId().getValue().toHexString() + "\"}";
            case STRING:
                {
                    StringBuilder out = new StringBuilder(value.asString().getValue().length() + 2);
                    FastJson.string(out, value.asString().getValue());
                    return out.toString();
                }
            case INT32:
                return "{\"$numberInt\": \"" + value.asInt32().getValue() + "\"}";
            case INT64:
                return "{\"$numberLong\": \"" + value.asInt64().getValue() + "\"}";
            default:
                return canonicalJsonByLibrary(value);
        }
    }

    /** {@link #canonicalJson} as the BSON library writes it (the reference for the fast path). */
    static String canonicalJsonByLibrary(BsonValue value) {
        String wrapped = new BsonDocument("v", value).toJson(CANONICAL);
        // {"v": X}
        return wrapped.substring(6, wrapped.length() - 1);
    }

    /** Parses a value written by {@link #canonicalJson(BsonValue)}. */
    public static BsonValue parseCanonicalJson(String json) {
        return FastJson.parseValue(json);
    }

    /** Relaxed JSON text of any BSON value, keys of documents kept in source order. */
    public static String json(BsonValue value) {
        return FastJson.relaxed(value);
    }

    /**
     * {@link #json} as the BSON library writes it: the reference for {@link FastJson}, which hands
     * it the values it does not write itself.
     */
    static String jsonByLibrary(BsonValue value) {
        value = dbPointersAsExtendedJson(value);
        if (value.isDocument()) {
            return value.asDocument().toJson(RELAXED);
        }
        String wrapped = new BsonDocument("v", value).toJson(RELAXED);
        return wrapped.substring(6, wrapped.length() - 1);
    }

    /**
     * {@code value} with every DBPointer replaced by the document {@code {"$dbPointer": {"$ref":
     * ns, "$id": oid}}}: relaxed JSON writes a DBPointer in the legacy {@code {"$ref", "$id"}}
     * form, which parses back as a plain document (a DBRef), so the type would be lost; this form
     * parses back as the DBPointer it was. {@code value} itself when it holds none.
     */
    static BsonValue dbPointersAsExtendedJson(BsonValue value) {
        switch (value.getBsonType()) {
            case DB_POINTER:
                {
                    org.bson.BsonDbPointer p = (org.bson.BsonDbPointer) value;
                    return new BsonDocument(
                            "$dbPointer",
                            new BsonDocument("$ref", new BsonString(p.getNamespace()))
                                    .append("$id", new org.bson.BsonObjectId(p.getId())));
                }
            case DOCUMENT:
                {
                    BsonDocument out = null;
                    for (Map.Entry<String, BsonValue> e : value.asDocument().entrySet()) {
                        BsonValue v = dbPointersAsExtendedJson(e.getValue());
                        if (v != e.getValue() && out == null) {
                            out = new BsonDocument();
                            for (Map.Entry<String, BsonValue> before :
                                    value.asDocument().entrySet()) {
                                if (before.getKey().equals(e.getKey())) {
                                    break;
                                }
                                out.append(before.getKey(), before.getValue());
                            }
                        }
                        if (out != null) {
                            out.append(e.getKey(), v);
                        }
                    }
                    return out == null ? value : out;
                }
            case ARRAY:
                {
                    org.bson.BsonArray out = null;
                    List<BsonValue> items = value.asArray().getValues();
                    for (int i = 0; i < items.size(); i++) {
                        BsonValue v = dbPointersAsExtendedJson(items.get(i));
                        if (v != items.get(i) && out == null) {
                            out = new org.bson.BsonArray(new ArrayList<>(items.subList(0, i)));
                        }
                        if (out != null) {
                            out.add(v);
                        }
                    }
                    return out == null ? value : out;
                }
            case JAVASCRIPT_WITH_SCOPE:
                {
                    org.bson.BsonJavaScriptWithScope c = value.asJavaScriptWithScope();
                    BsonValue scope = dbPointersAsExtendedJson(c.getScope());
                    return scope == c.getScope()
                            ? value
                            : new org.bson.BsonJavaScriptWithScope(c.getCode(), scope.asDocument());
                }
            default:
                return value;
        }
    }

    /**
     * Canonical form of JSON text for comparison: keys sorted, numbers and nested values
     * re-serialized, whitespace normalized. MySQL 8 reorders JSON object keys; MariaDB keeps the
     * text — this form makes both compare equal to the source.
     */
    public static String canonicalJsonText(String jsonText) {
        if (jsonText == null) {
            return null;
        }
        // PostgreSQL's jsonb (and MySQL 8's JSON) store object keys shorter-first; the wrappers
        // whose key order the parser needs are put back first.
        return FastJson.relaxedSortedKeys(
                FastJson.parseValue(JsonbKeyOrder.reorderWrappers(jsonText)));
    }

    /** The canonical text of column {@code index} (1-based) of the current JDBC row. */
    public static String fromJdbc(ResultSet rs, int index, ColumnType type) throws SQLException {
        switch (type.kind) {
            case INT:
            case BIGINT:
                {
                    long v = rs.getLong(index);
                    return rs.wasNull() ? null : Long.toString(v);
                }
            case DOUBLE:
                {
                    double v = rs.getDouble(index);
                    return rs.wasNull() ? null : Double.toString(v);
                }
            case DECIMAL:
                {
                    BigDecimal v = rs.getBigDecimal(index);
                    return v == null
                            ? null
                            : v.setScale(type.scale, RoundingMode.UNNECESSARY).toPlainString();
                }
            case BOOLEAN:
                {
                    boolean v = rs.getBoolean(index);
                    return rs.wasNull() ? null : (v ? "1" : "0");
                }
            case DATETIME:
                {
                    LocalDateTime v = rs.getObject(index, LocalDateTime.class);
                    return v == null ? null : DATETIME.format(v);
                }
            case JSON:
                return canonicalJsonText(rs.getString(index));
            case BINARY:
                {
                    byte[] v = rs.getBytes(index);
                    return v == null ? null : HexFormat.of().formatHex(v);
                }
            case CHAR:
                {
                    // Without the padding, as MySQL returns CHAR values (PostgreSQL keeps it).
                    String v = rs.getString(index);
                    return v == null ? null : v.replaceFirst(" +$", "");
                }
            default:
                return rs.getString(index);
        }
    }

    /** The form a value takes for comparison: JSON re-canonicalized, everything else as is. */
    public static String comparable(String canonical, ColumnType type) {
        return type.kind == ColumnType.Kind.JSON ? canonicalJsonText(canonical) : canonical;
    }

    private static String text(BsonValue value, ColumnType type) throws MismatchException {
        switch (value.getBsonType()) {
            case STRING:
                return value.asString().getValue();
            default:
                throw mismatch(value, type);
        }
    }

    /** True for Decimal128 {@code -0} (which has no BigDecimal form). */
    public static boolean isNegativeZero(Decimal128 d) {
        if (!d.isNegative() || d.isNaN() || d.isInfinite()) {
            return false;
        }
        try {
            return d.bigDecimalValue().signum() == 0;
        } catch (ArithmeticException e) {
            return true;
        }
    }

    private static byte[] uuidBytes(BsonValue value, ColumnType type) throws MismatchException {
        if (value.getBsonType() != BsonType.BINARY
                || value.asBinary().getType() != 4
                || value.asBinary().getData().length != 16) {
            throw new MismatchException(
                    "a "
                            + value.getBsonType().name().toLowerCase(java.util.Locale.ROOT)
                            + " value is not a UUID (binary subtype 4, 16 bytes) for "
                            + type);
        }
        return value.asBinary().getData();
    }

    private static java.util.UUID uuid(BsonValue value, ColumnType type) throws MismatchException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(uuidBytes(value, type));
        return new java.util.UUID(b.getLong(), b.getLong());
    }

    private static long integral(BsonValue value, ColumnType type) throws MismatchException {
        switch (value.getBsonType()) {
            case INT32:
                return value.asInt32().getValue();
            case INT64:
                return value.asInt64().getValue();
            case DOUBLE:
                {
                    double d = value.asDouble().getValue();
                    if (d == Math.rint(d)
                            && !Double.isInfinite(d)
                            && Math.abs(d) <= MAX_SAFE_DOUBLE_INT
                            && !(d == 0 && 1 / d < 0)) {
                        return (long) d;
                    }
                    throw new MismatchException(
                            "double " + d + " is not an integer that " + type.toSql() + " holds");
                }
            case DECIMAL128:
                {
                    Decimal128 d = value.asDecimal128().getValue();
                    try {
                        return d.bigDecimalValue().longValueExact();
                    } catch (ArithmeticException e) {
                        throw new MismatchException(
                                "decimal "
                                        + d
                                        + " is not an integer that "
                                        + type.toSql()
                                        + " holds");
                    }
                }
            default:
                throw mismatch(value, type);
        }
    }

    private static double toDouble(BsonValue value) throws MismatchException {
        switch (value.getBsonType()) {
            case DOUBLE:
                {
                    double d = value.asDouble().getValue();
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        throw new MismatchException(d + " cannot be stored in a MySQL DOUBLE");
                    }
                    if (d == 0 && 1 / d < 0) {
                        throw new MismatchException(
                                "-0.0 is not kept by MySQL DOUBLE columns (it reads back as 0)");
                    }
                    return d;
                }
            case INT32:
                return value.asInt32().getValue();
            case INT64:
                {
                    long v = value.asInt64().getValue();
                    if (Math.abs(v) > MAX_SAFE_DOUBLE_INT) {
                        throw new MismatchException("int64 " + v + " loses precision as DOUBLE");
                    }
                    return v;
                }
            default:
                throw mismatch(value, ColumnType.of(ColumnType.Kind.DOUBLE));
        }
    }

    private static String decimal(BsonValue value, ColumnType type) throws MismatchException {
        BigDecimal d;
        switch (value.getBsonType()) {
            case DECIMAL128:
                {
                    Decimal128 dec = value.asDecimal128().getValue();
                    if (dec.isNaN() || dec.isInfinite()) {
                        throw new MismatchException(dec + " cannot be stored in " + type.toSql());
                    }
                    if (isNegativeZero(dec)) {
                        throw new MismatchException(
                                "negative zero would lose its sign in " + type.toSql());
                    }
                    d = dec.bigDecimalValue();
                    break;
                }
            case INT32:
                d = BigDecimal.valueOf(value.asInt32().getValue());
                break;
            case INT64:
                d = BigDecimal.valueOf(value.asInt64().getValue());
                break;
            case DOUBLE:
                {
                    double v = value.asDouble().getValue();
                    if (Double.isNaN(v) || Double.isInfinite(v)) {
                        throw new MismatchException(v + " cannot be stored in " + type.toSql());
                    }
                    if (v == 0 && 1 / v < 0) {
                        throw new MismatchException("-0.0 would lose its sign in " + type.toSql());
                    }
                    d = new BigDecimal(Double.toString(v));
                    break;
                }
            default:
                throw mismatch(value, type);
        }
        BigDecimal scaled;
        try {
            scaled = d.setScale(type.scale, RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw new MismatchException(
                    d.toPlainString() + " has more decimals than " + type.toSql());
        }
        if (scaled.precision() - scaled.scale() > type.length - type.scale
                && scaled.unscaledValue().compareTo(BigInteger.ZERO) != 0) {
            throw new MismatchException(
                    d.toPlainString() + " has more digits than " + type.toSql());
        }
        return scaled.toPlainString();
    }

    private static MismatchException mismatch(BsonValue value, ColumnType type) {
        return new MismatchException(
                "a "
                        + value.getBsonType().name().toLowerCase(java.util.Locale.ROOT)
                        + " value does not fit "
                        + type);
    }

    /** A short excerpt of a value for a dead-letter record (at most {@code max} characters). */
    public static String excerpt(BsonValue value, int max) {
        String s = value == null ? "<missing>" : json(value == null ? new BsonString("") : value);
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    /** The key column's value for a document key. */
    public static String keyValue(BsonValue id, ColumnType keyType) throws MismatchException {
        switch (keyType.kind) {
            case VARCHAR:
            case CHAR:
                {
                    String text = keyText(id);
                    if (text.codePointCount(0, text.length()) > keyType.length) {
                        throw new MismatchException("key is longer than " + keyType.toSql());
                    }
                    return text;
                }
            default:
                return CanonicalValues.fromBson(id, keyType);
        }
    }
}
