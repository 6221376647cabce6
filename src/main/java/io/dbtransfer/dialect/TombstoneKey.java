package io.dbtransfer.dialect;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The unambiguous ASCII text of a document key (its key column values) stored in the tombstone
 * table: a JSON array of strings with every non-ASCII character escaped, e.g. {@code ["a\u00e9"]}.
 *
 * <p>Keys whose text exceeds {@value MySqlDialect#TOMBSTONE_PK_LENGTH} characters are stored as
 * {@code #sha256:<hex>} of that text (which cannot start a JSON array).
 */
public final class TombstoneKey {

    private TombstoneKey() {}

    /** Encodes the first {@code count} values of {@code values}; none may be {@code null}. */
    public static String encode(String[] values, int count) {
        if (values == null || values.length < count) {
            throw new IllegalArgumentException(
                    "Expected "
                            + count
                            + " key value(s), got "
                            + (values == null ? 0 : values.length));
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            if (values[i] == null) {
                throw new IllegalArgumentException("Key value " + i + " is null");
            }
            if (i > 0) {
                sb.append(',');
            }
            appendJsonString(sb, values[i]);
        }
        sb.append(']');
        if (sb.length() <= MySqlDialect.TOMBSTONE_PK_LENGTH) {
            return sb.toString();
        }
        return "#sha256:" + HexFormat.of().formatHex(sha256(sb.toString()));
    }

    /** Encodes all values of a key. */
    public static String encode(List<String> values) {
        return encode(values.toArray(new String[0]), values.size());
    }

    private static void appendJsonString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
