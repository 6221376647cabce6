package io.dbtransfer.hashing;

import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChildRows;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Arrays;

/**
 * The one pure hash of the rows a document has in MySQL, used on both sides: from {@link
 * io.dbtransfer.model.RowChange} values (source) and from rows read back through {@link
 * CanonicalValues#fromJdbc} (MySQL).
 *
 * <p>Canonical encoding of a row: table name, then per column either {@code 0x00} (SQL NULL) or
 * {@code 0x01}, the UTF-8 length and bytes of the value's normal form (DECIMAL at the column's
 * scale, DATETIME with exactly 3 fractional digits, JSON with sorted keys and re-serialized
 * numbers, DOUBLE/BOOLEAN re-printed). A row hashes to the first 128 bits of MD5 of that encoding
 * (not a security hash; a stable, well-mixed one). A document hashes to the sum modulo 2^128 of its
 * row hashes (parent and every child row), so child rows may be read in any order; a document with
 * no rows (deleted) hashes to zero.
 */
public final class RowHasher {

    private static final DateTimeFormatter LENIENT_DATETIME =
            new DateTimeFormatterBuilder()
                    .appendPattern("yyyy-MM-dd[ ]['T']HH:mm:ss")
                    .optionalStart()
                    .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
                    .optionalEnd()
                    .toFormatter();

    /** The normal form of a rest-of-document column holding no field. */
    private static final String EMPTY_DOCUMENT = "{}";

    private RowHasher() {}

    /** The hash of one row of {@code table}; values aligned with its columns. */
    public static Hash128 row(TableSpec table, String[] values) {
        return row(table, values, false);
    }

    /**
     * {@link #row(TableSpec, String[])} of a row read from the target through {@link
     * CanonicalValues#fromJdbc}: its JSON values are in their normal form already (that method
     * canonicalizes them), so they are hashed as they are instead of being parsed once more.
     */
    public static Hash128 rowAsRead(TableSpec table, String[] values) {
        return row(table, values, true);
    }

    private static Hash128 row(TableSpec table, String[] values, boolean jsonCanonical) {
        if (values.length != table.columns.size()) {
            throw new IllegalArgumentException(
                    "Row of "
                            + table.name
                            + " has "
                            + values.length
                            + " values, the table has "
                            + table.columns.size()
                            + " columns");
        }
        HashInput out = HashInput.reset();
        writeString(out, table.name);
        for (int i = 0; i < values.length; i++) {
            ColumnSpec column = table.columns.get(i);
            // NULL in the rest-of-document column is a document without further fields, as "{}"
            // is: an application writing SQL after cutover leaves it NULL. The normalizer always
            // writes a JSON object there, so no hash of a migrated row changes.
            String v =
                    values[i] == null && TableSpec.REST_OF_DOCUMENT.equals(column.sourcePath)
                            ? normalForm(EMPTY_DOCUMENT, column.type)
                            : jsonCanonical && column.type.kind == ColumnType.Kind.JSON
                                    ? values[i]
                                    : normalForm(values[i], column.type);
            if (v == null) {
                out.write(0);
            } else {
                out.write(1);
                writeString(out, v);
            }
        }
        return Hash128.of(md5(out));
    }

    /**
     * The hash of a whole document: parent row plus every child row set ({@code null} parent = no
     * rows). Child row sets name their table; it must be {@code parentTable} or one of its
     * descendants.
     */
    public static Hash128 document(TableSpec parentTable, String[] parent, ChildRows[] children) {
        Hash128 sum = Hash128.ZERO;
        if (parent != null) {
            sum = sum.plus(row(parentTable, parent));
        }
        if (children != null) {
            for (ChildRows set : children) {
                TableSpec child = find(parentTable, set.table);
                if (child == null) {
                    throw new IllegalArgumentException(
                            "Child table " + set.table + " is not below " + parentTable.name);
                }
                for (String[] r : set.rows) {
                    sum = sum.plus(row(child, r));
                }
            }
        }
        return sum;
    }

    /** The per-key digest that bucket digests xor together: key text, version, document hash. */
    public static Hash128 keyDigest(String keyText, long version, Hash128 document) {
        HashInput out = HashInput.reset();
        writeString(out, keyText);
        writeLong(out, version);
        writeLong(out, document.hi);
        writeLong(out, document.lo);
        return Hash128.of(md5(out));
    }

    /** The sweep bucket of a key text, in {@code [0, buckets)}. */
    public static int bucket(String keyText, int buckets) {
        byte[] h = md5(keyText.getBytes(StandardCharsets.UTF_8));
        int v =
                ((h[0] & 0xff) << 24)
                        | ((h[1] & 0xff) << 16)
                        | ((h[2] & 0xff) << 8)
                        | (h[3] & 0xff);
        return Math.floorMod(v, buckets);
    }

    private static TableSpec find(TableSpec parent, String name) {
        for (TableSpec t : TableSpec.descendants(parent)) {
            if (t.name.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /**
     * The form a canonical value is hashed in, so that equal data compares equal whichever side
     * produced the text.
     */
    public static String normalForm(String value, ColumnType type) {
        if (value == null) {
            return null;
        }
        try {
            return parsedForm(value, type);
        } catch (RuntimeException e) {
            // Text that does not parse as its type hashes as it is (still the same on both sides).
            return value;
        }
    }

    private static String parsedForm(String value, ColumnType type) {
        switch (type.kind) {
            case DECIMAL:
                return new BigDecimal(value.trim())
                        .setScale(type.scale, RoundingMode.UNNECESSARY)
                        .toPlainString();
            case DOUBLE:
                return Double.toString(Double.parseDouble(value.trim()));
            case INT:
            case BIGINT:
                return Long.toString(Long.parseLong(value.trim()));
            case BOOLEAN:
                return value.equals("1") || value.equalsIgnoreCase("true") ? "1" : "0";
            case DATETIME:
                return isNormalDatetime(value) ? value : datetimeByFormatter(value);
            case JSON:
                return CanonicalValues.canonicalJsonText(value);
            default:
                return value;
        }
    }

    /** The DATETIME normal form through the formatters (the definition the fast path keeps). */
    static String datetimeByFormatter(String value) {
        return CanonicalValues.DATETIME.format(LocalDateTime.parse(value.trim(), LENIENT_DATETIME));
    }

    /**
     * True when {@code value} is {@code yyyy-MM-dd HH:mm:ss.SSS} with fields that {@link
     * #datetimeByFormatter} leaves as they are (year 1–9999, a day that exists in its month of the
     * proleptic Gregorian calendar, which the formatters would move to the month's last day
     * otherwise): its normal form is itself. The values {@link CanonicalValues} writes take this
     * path; anything else goes through the formatters.
     */
    static boolean isNormalDatetime(String v) {
        if (v.length() != 23
                || v.charAt(4) != '-'
                || v.charAt(7) != '-'
                || v.charAt(10) != ' '
                || v.charAt(13) != ':'
                || v.charAt(16) != ':'
                || v.charAt(19) != '.') {
            return false;
        }
        int year = number(v, 0, 4);
        int month = number(v, 5, 2);
        int day = number(v, 8, 2);
        int hour = number(v, 11, 2);
        int minute = number(v, 14, 2);
        int second = number(v, 17, 2);
        int millis = number(v, 20, 3);
        return year >= 1
                && month >= 1
                && month <= 12
                && day >= 1
                && day <= daysIn(year, month)
                && hour >= 0
                && hour <= 23
                && minute >= 0
                && minute <= 59
                && second >= 0
                && second <= 59
                && millis >= 0;
    }

    /** Days of {@code month} (1–12) in {@code year} (proleptic Gregorian, as java.time). */
    private static int daysIn(int year, int month) {
        switch (month) {
            case 2:
                return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28;
            case 4:
            case 6:
            case 9:
            case 11:
                return 30;
            default:
                return 31;
        }
    }

    /** The decimal digits {@code v[at, at + width)} as a number, or -1 when one is no digit. */
    private static int number(String v, int at, int width) {
        int n = 0;
        for (int i = at; i < at + width; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /**
     * The string's UTF-8 byte count (8 bytes, big-endian), then its UTF-8 bytes. ASCII text, most
     * of what is hashed, is copied char by char into the buffer instead of through {@code getBytes}
     * (9 % of the normalize task's samples in a JFR of the 1M benchmark); the bytes are the same.
     */
    private static void writeString(HashInput out, String s) {
        int n = s.length();
        out.ensure(8 + n);
        byte[] buf = out.buf;
        int at = out.len + 8;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                writeLong(out, b.length);
                out.write(b);
                return;
            }
            buf[at + i] = (byte) c;
        }
        writeLong(out, n);
        out.len += n;
    }

    private static void writeLong(HashInput out, long v) {
        out.ensure(8);
        for (int i = 56; i >= 0; i -= 8) {
            out.buf[out.len++] = (byte) (v >>> i);
        }
    }

    /**
     * The bytes a hash is taken of. Replaces a {@code ByteArrayOutputStream}, whose synchronized
     * {@code write(int)} per byte was the hottest frame of reconcile's hashing (JFR, 1M-document
     * benchmark); the bytes are the same.
     */
    private static final class HashInput {
        /**
         * One per thread, emptied per hash: a new one per row grew from 128 bytes by copying (3 %
         * of the reconcile task's samples). Nothing is hashed while a hash input is being filled.
         */
        private static final ThreadLocal<HashInput> PER_THREAD =
                ThreadLocal.withInitial(HashInput::new);

        byte[] buf = new byte[1024];
        int len;

        static HashInput reset() {
            HashInput in = PER_THREAD.get();
            if (in.buf.length > 1 << 20) {
                in.buf = new byte[1024]; // do not keep a huge row's buffer
            }
            in.len = 0;
            return in;
        }

        void ensure(int more) {
            if (len + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
            }
        }

        void write(int b) {
            ensure(1);
            buf[len++] = (byte) b;
        }

        void write(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
        }
    }

    /** One MD5 per thread: looking up a new one per row cost more than hashing the row. */
    private static final ThreadLocal<MessageDigest> MD5 =
            ThreadLocal.withInitial(
                    () -> {
                        try {
                            return MessageDigest.getInstance("MD5");
                        } catch (NoSuchAlgorithmException e) {
                            throw new IllegalStateException("MD5 is not available in this JVM", e);
                        }
                    });

    private static byte[] md5(byte[] data) {
        MessageDigest md5 = MD5.get();
        md5.reset();
        return md5.digest(data); // digest() also resets it for the next row
    }

    private static byte[] md5(HashInput in) {
        MessageDigest md5 = MD5.get();
        md5.reset();
        md5.update(in.buf, 0, in.len);
        return md5.digest(); // digest() also resets it for the next row
    }
}
