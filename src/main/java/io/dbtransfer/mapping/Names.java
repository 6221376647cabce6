package io.dbtransfer.mapping;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Deterministic MySQL names for field paths: flattening, cleaning and shortening with a hash. */
public final class Names {

    /** MySQL's limit for table and column names, in characters. */
    public static final int MAX_LENGTH = 64;

    /** Characters of the hash suffix a shortened name ends with ({@code _} + 8 hex digits). */
    private static final int HASH_SUFFIX = 9;

    private Names() {}

    /**
     * The column name of a field path: dots become underscores ({@code product.title →
     * product_title}).
     */
    public static String column(String path) {
        return identifier(path.replace('.', '_'));
    }

    /** The child table of an array field: {@code <parent>_<path with _ for .>}. */
    public static String childTable(String parentTable, String arrayPath) {
        return identifier(parentTable + "_" + arrayPath.replace('.', '_'));
    }

    /**
     * A name MySQL accepts: characters outside the Basic Multilingual Plane and U+0000 become
     * {@code _}, a trailing space becomes {@code _}, and a name longer than {@value #MAX_LENGTH}
     * characters keeps its first 55 characters plus {@code _} and 8 hex digits of the SHA-256 of
     * the whole original name (deterministic; distinct long names get distinct suffixes).
     */
    public static String identifier(String name) {
        StringBuilder clean = new StringBuilder(name.length());
        name.codePoints()
                .forEach(
                        cp -> {
                            if (cp == 0 || Character.isSupplementaryCodePoint(cp)) {
                                clean.append('_');
                            } else {
                                clean.appendCodePoint(cp);
                            }
                        });
        String s = clean.toString();
        if (s.isEmpty()) {
            s = "_";
        }
        if (s.endsWith(" ")) {
            s = s.substring(0, s.length() - 1) + "_";
        }
        if (s.length() <= MAX_LENGTH) {
            return s;
        }
        return s.substring(0, MAX_LENGTH - HASH_SUFFIX) + "_" + hash8(name);
    }

    private static String hash8(String text) {
        try {
            byte[] d =
                    MessageDigest.getInstance("SHA-256")
                            .digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
