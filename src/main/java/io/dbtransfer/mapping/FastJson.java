package io.dbtransfer.mapping;

import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A fast path for the Extended JSON the job reads and writes on every document, byte-for-byte and
 * type-for-type equal to the BSON library's {@code JsonReader} / relaxed {@code JsonWriter}.
 *
 * <p>The reader handles plain JSON plus the wrappers that carry the common types ({@code $oid},
 * {@code $date}, {@code $numberInt}, {@code $numberLong}, {@code $numberDouble}, {@code
 * $numberDecimal}), calling the same conversions the library calls. On anything else (another
 * {@code $} key, single quotes, shell syntax, malformed text) it gives up and the library parses
 * the whole text, so results — and error messages — are the library's. The writer writes documents,
 * arrays, strings, numbers, booleans, nulls, ObjectIds and dates itself, and hands every other
 * value to {@link CanonicalValues#jsonByLibrary}. {@code NormalizerGoldenTest} and {@code
 * FastJsonTest} hold both to the library's output.
 */
public final class FastJson {

    /** Thrown (without a stack trace) when the fast reader leaves the text to the library. */
    private static final class GiveUp extends RuntimeException {
        private static final long serialVersionUID = 1L;

        GiveUp() {
            super(null, null, false, false);
        }
    }

    private static final GiveUp GIVE_UP = new GiveUp();

    /** The library's own {@code $date} string formatting and parsing ({@code null}: not found). */
    private static final MethodHandle FORMAT_DATE;

    private static final MethodHandle PARSE_DATE;

    static {
        MethodHandle format = null;
        MethodHandle parse = null;
        try {
            Class<?> c = Class.forName("org.bson.json.DateTimeFormatter");
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(c, MethodHandles.lookup());
            format =
                    lookup.findStatic(c, "format", MethodType.methodType(String.class, long.class));
            parse = lookup.findStatic(c, "parse", MethodType.methodType(long.class, String.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Dates then take the library's path (slower, same bytes).
        }
        FORMAT_DATE = format;
        PARSE_DATE = parse;
    }

    private static final long LAST_MS_OF_YEAR_9999 = 253402300799999L;

    /**
     * Field names read recently, by hash: documents of one collection repeat the same names. Shared
     * by all threads without locking: a slot holds some complete name or null, and a name is used
     * only after comparing it with the text.
     */
    private static final String[] NAMES = new String[1024];

    private FastJson() {}

    /** The document in {@code json}; the same as {@link BsonDocument#parse(String)}. */
    public static BsonDocument parseDocument(String json) {
        try {
            Reader r = new Reader(json);
            r.skipSpace();
            if (r.peek() != '{') {
                throw GIVE_UP;
            }
            BsonValue v = r.value();
            r.skipSpace();
            if (r.pos != json.length() || !v.isDocument()) {
                throw GIVE_UP;
            }
            return v.asDocument();
        } catch (GiveUp e) {
            return BsonDocument.parse(json);
        }
    }

    /**
     * The value in {@code json}; the same as {@code BsonDocument.parse("{\"v\": " + json +
     * "}").get("v")}.
     */
    public static BsonValue parseValue(String json) {
        try {
            Reader r = new Reader(json);
            r.skipSpace();
            BsonValue v = r.value();
            r.skipSpace();
            if (r.pos != json.length()) {
                throw GIVE_UP;
            }
            return v;
        } catch (GiveUp e) {
            return BsonDocument.parse("{\"v\": " + json + "}").get("v");
        }
    }

    /** Relaxed Extended JSON of {@code value}; the same text as {@link CanonicalValues#json}. */
    public static String relaxed(BsonValue value) {
        StringBuilder out = new StringBuilder(128);
        write(out, value, false);
        return out.toString();
    }

    /**
     * {@link #relaxed} with the keys of every document, at any depth, in {@link String#compareTo}
     * order: the text of {@code relaxed} of a copy whose documents were rebuilt with sorted keys,
     * without building that copy.
     */
    public static String relaxedSortedKeys(BsonValue value) {
        StringBuilder out = new StringBuilder(128);
        write(out, value, true);
        return out.toString();
    }

    private static void write(StringBuilder out, BsonValue value, boolean sortKeys) {
        switch (value.getBsonType()) {
            case DOCUMENT:
                {
                    BsonDocument document = value.asDocument();
                    Collection<Map.Entry<String, BsonValue>> entries = document.entrySet();
                    if (sortKeys && document.size() > 1) {
                        List<Map.Entry<String, BsonValue>> sorted = new ArrayList<>(entries);
                        sorted.sort(Map.Entry.comparingByKey());
                        entries = sorted;
                    }
                    out.append('{');
                    boolean first = true;
                    for (Map.Entry<String, BsonValue> e : entries) {
                        if (!first) {
                            out.append(", ");
                        }
                        first = false;
                        string(out, e.getKey());
                        out.append(": ");
                        write(out, e.getValue(), sortKeys);
                    }
                    out.append('}');
                    return;
                }
            case ARRAY:
                {
                    out.append('[');
                    List<BsonValue> items = value.asArray().getValues();
                    for (int i = 0; i < items.size(); i++) {
                        if (i > 0) {
                            out.append(", ");
                        }
                        write(out, items.get(i), sortKeys);
                    }
                    out.append(']');
                    return;
                }
            case STRING:
                string(out, value.asString().getValue());
                return;
            case INT32:
                out.append(value.asInt32().getValue());
                return;
            case INT64:
                out.append(value.asInt64().getValue());
                return;
            case DOUBLE:
                {
                    double d = value.asDouble().getValue();
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        break;
                    }
                    out.append(Double.toString(d));
                    return;
                }
            case BOOLEAN:
                out.append(value.asBoolean().getValue() ? "true" : "false");
                return;
            case NULL:
                out.append("null");
                return;
            case OBJECT_ID:
                out.append("{\"$oid\": \"")
                        .append(value.asObjectId().getValue().toHexString())
                        .append("\"}");
                return;
            case DATE_TIME:
                {
                    long millis = value.asDateTime().getValue();
                    if (FORMAT_DATE == null || millis < 0 || millis > LAST_MS_OF_YEAR_9999) {
                        break;
                    }
                    String text;
                    try {
                        text = (String) FORMAT_DATE.invokeExact(millis);
                    } catch (Throwable t) {
                        break;
                    }
                    out.append("{\"$date\": ");
                    string(out, text);
                    out.append('}');
                    return;
                }
            default:
                break;
        }
        out.append(CanonicalValues.jsonByLibrary(value));
    }

    /** A JSON string as the library's writer escapes it. */
    static void string(StringBuilder out, String s) {
        out.append('"');
        int n = s.length();
        int plain = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                continue;
            }
            out.append(s, plain, i);
            plain = i + 1;
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\b':
                    out.append("\\b");
                    break;
                case '\f':
                    out.append("\\f");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (writtenAsIs(Character.getType(c))) {
                        out.append(c);
                    } else {
                        out.append("\\u")
                                .append(Integer.toHexString((c & 0xf000) >> 12))
                                .append(Integer.toHexString((c & 0x0f00) >> 8))
                                .append(Integer.toHexString((c & 0x00f0) >> 4))
                                .append(Integer.toHexString(c & 0x000f));
                    }
            }
        }
        out.append(s, plain, n);
        out.append('"');
    }

    /** The character categories the library's writer does not escape. */
    private static boolean writtenAsIs(int type) {
        switch (type) {
            case Character.UPPERCASE_LETTER:
            case Character.LOWERCASE_LETTER:
            case Character.TITLECASE_LETTER:
            case Character.OTHER_LETTER:
            case Character.DECIMAL_DIGIT_NUMBER:
            case Character.LETTER_NUMBER:
            case Character.OTHER_NUMBER:
            case Character.SPACE_SEPARATOR:
            case Character.CONNECTOR_PUNCTUATION:
            case Character.DASH_PUNCTUATION:
            case Character.START_PUNCTUATION:
            case Character.END_PUNCTUATION:
            case Character.INITIAL_QUOTE_PUNCTUATION:
            case Character.FINAL_QUOTE_PUNCTUATION:
            case Character.OTHER_PUNCTUATION:
            case Character.MATH_SYMBOL:
            case Character.CURRENCY_SYMBOL:
            case Character.MODIFIER_SYMBOL:
            case Character.OTHER_SYMBOL:
                return true;
            default:
                return false;
        }
    }

    /** A recursive-descent reader over one text; throws {@link #GIVE_UP} on anything unusual. */
    private static final class Reader {
        final String s;
        int pos;

        Reader(String s) {
            this.s = s;
        }

        int peek() {
            return pos < s.length() ? s.charAt(pos) : -1;
        }

        void skipSpace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                    pos++;
                } else {
                    return;
                }
            }
        }

        void expect(char c) {
            skipSpace();
            if (pos >= s.length() || s.charAt(pos) != c) {
                throw GIVE_UP;
            }
            pos++;
        }

        BsonValue value() {
            skipSpace();
            int c = peek();
            switch (c) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return new BsonString(string());
                case 't':
                    return literal("true", BsonBoolean.TRUE);
                case 'f':
                    return literal("false", BsonBoolean.FALSE);
                case 'n':
                    return literal("null", BsonNull.VALUE);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw GIVE_UP;
            }
        }

        BsonValue literal(String word, BsonValue value) {
            if (!s.startsWith(word, pos)) {
                throw GIVE_UP;
            }
            pos += word.length();
            delimiter();
            return value;
        }

        /** The next character must end a value (or the text must end). */
        void delimiter() {
            int c = peek();
            if (c == -1 || c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r'
                    || c == '\t') {
                return;
            }
            throw GIVE_UP;
        }

        BsonValue number() {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            int digits = digits();
            if (digits == 0 || (digits > 1 && s.charAt(pos - digits) == '0')) {
                throw GIVE_UP;
            }
            boolean fraction = false;
            if (peek() == '.') {
                pos++;
                if (digits() == 0) {
                    throw GIVE_UP;
                }
                fraction = true;
            }
            int c = peek();
            if (c == 'e' || c == 'E') {
                pos++;
                c = peek();
                if (c == '+' || c == '-') {
                    pos++;
                }
                if (digits() == 0) {
                    throw GIVE_UP;
                }
                fraction = true;
            }
            delimiter();
            String lexeme = s.substring(start, pos);
            if (fraction) {
                return new BsonDouble(Double.parseDouble(lexeme));
            }
            if (digits > 18) {
                throw GIVE_UP;
            }
            long v = Long.parseLong(lexeme);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                return new BsonInt64(v);
            }
            return new BsonInt32((int) v);
        }

        int digits() {
            int start = pos;
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                pos++;
            }
            return pos - start;
        }

        /**
         * A field name: like {@link #string()}, but a name seen before is the same String object
         * (from {@link #NAMES}), so it is neither copied nor hashed again.
         */
        String name() {
            int start = pos + 1;
            int quote = s.indexOf('"', start);
            if (quote < 0) {
                throw GIVE_UP;
            }
            if (nextBackslash != -1 && nextBackslash < start) {
                nextBackslash = s.indexOf('\\', start);
            }
            if (nextBackslash != -1 && nextBackslash < quote) {
                return string();
            }
            int length = quote - start;
            int h = 0;
            for (int i = start; i < quote; i++) {
                h = 31 * h + s.charAt(i);
            }
            int slot = (h ^ (h >>> 16)) & (NAMES.length - 1);
            String cached = NAMES[slot];
            pos = quote + 1;
            if (cached != null && cached.length() == length && s.startsWith(cached, start)) {
                return cached;
            }
            String name = s.substring(start, quote);
            NAMES[slot] = name;
            return name;
        }

        /** Position of the next backslash at or after {@code pos} (-1: none left). */
        private int nextBackslash = -2;

        String string() {
            pos++; // the opening quote
            int quote = s.indexOf('"', pos);
            if (quote < 0) {
                throw GIVE_UP;
            }
            if (nextBackslash != -1 && nextBackslash < pos) {
                nextBackslash = s.indexOf('\\', pos);
            }
            if (nextBackslash == -1 || nextBackslash > quote) {
                // No escape: the text up to the quote (raw control characters included, as the
                // library reads them).
                String out = s.substring(pos, quote);
                pos = quote + 1;
                return out;
            }
            StringBuilder b = new StringBuilder(quote - pos + 16);
            while (true) {
                // Invariant: nextBackslash is the first backslash at or after pos (or -1).
                if (nextBackslash == -1 || nextBackslash > quote) {
                    String out = b.append(s, pos, quote).toString();
                    pos = quote + 1;
                    return out;
                }
                b.append(s, pos, nextBackslash);
                pos = nextBackslash + 1;
                if (pos >= s.length()) {
                    throw GIVE_UP;
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case '"':
                    case '\\':
                    case '/':
                        b.append(e);
                        break;
                    case 'b':
                        b.append('\b');
                        break;
                    case 'f':
                        b.append('\f');
                        break;
                    case 'n':
                        b.append('\n');
                        break;
                    case 'r':
                        b.append('\r');
                        break;
                    case 't':
                        b.append('\t');
                        break;
                    case 'u':
                        {
                            if (pos + 4 > s.length()) {
                                throw GIVE_UP;
                            }
                            int u = 0;
                            for (int k = 0; k < 4; k++) {
                                int h = Character.digit(s.charAt(pos + k), 16);
                                if (h < 0) {
                                    throw GIVE_UP;
                                }
                                u = u * 16 + h;
                            }
                            pos += 4;
                            b.append((char) u);
                            break;
                        }
                    default:
                        throw GIVE_UP;
                }
                nextBackslash = s.indexOf('\\', pos);
                if (quote < pos) {
                    quote = s.indexOf('"', pos); // the quote found was an escaped one
                    if (quote < 0) {
                        throw GIVE_UP;
                    }
                }
            }
        }

        BsonArray array() {
            pos++;
            List<BsonValue> items = new ArrayList<>();
            skipSpace();
            if (peek() == ']') {
                pos++;
                return new BsonArray(items);
            }
            while (true) {
                items.add(value());
                skipSpace();
                int c = peek();
                pos++;
                if (c == ']') {
                    return new BsonArray(items);
                }
                if (c != ',') {
                    throw GIVE_UP;
                }
            }
        }

        BsonValue object() {
            pos++;
            skipSpace();
            if (peek() == '}') {
                pos++;
                return new BsonDocument();
            }
            if (peek() != '"') {
                throw GIVE_UP;
            }
            String name = name();
            if (!name.isEmpty() && name.charAt(0) == '$') {
                return wrapper(name);
            }
            BsonDocument doc = new BsonDocument();
            while (true) {
                expect(':');
                if (doc.put(name, value()) != null) {
                    throw GIVE_UP; // duplicate names: the library's rule decides
                }
                skipSpace();
                int c = peek();
                pos++;
                if (c == '}') {
                    return doc;
                }
                if (c != ',') {
                    throw GIVE_UP;
                }
                skipSpace();
                if (peek() != '"') {
                    throw GIVE_UP;
                }
                name = name();
                if (!name.isEmpty() && name.charAt(0) == '$') {
                    throw GIVE_UP;
                }
            }
        }

        /** A one-key {@code {"$type": …}} wrapper (its first key already read). */
        BsonValue wrapper(String name) {
            expect(':');
            skipSpace();
            BsonValue out;
            try {
                switch (name) {
                    case "$oid":
                        out = new BsonObjectId(new ObjectId(stringValue()));
                        break;
                    case "$numberInt":
                        out = new BsonInt32(Integer.valueOf(stringValue()));
                        break;
                    case "$numberLong":
                        out = new BsonInt64(Long.valueOf(stringValue()));
                        break;
                    case "$numberDouble":
                        out = new BsonDouble(Double.valueOf(stringValue()));
                        break;
                    case "$numberDecimal":
                        out = new BsonDecimal128(Decimal128.parse(stringValue()));
                        break;
                    case "$date":
                        out = new BsonDateTime(date());
                        break;
                    default:
                        throw GIVE_UP;
                }
            } catch (IllegalArgumentException e) {
                throw GIVE_UP; // the library reports it in its own words
            }
            expect('}');
            return out;
        }

        String stringValue() {
            if (peek() != '"') {
                throw GIVE_UP;
            }
            return string();
        }

        long date() {
            int c = peek();
            if (c == '"') {
                if (PARSE_DATE == null) {
                    throw GIVE_UP;
                }
                String text = string();
                try {
                    return (long) PARSE_DATE.invokeExact(text);
                } catch (Throwable t) {
                    throw GIVE_UP;
                }
            }
            if (c == '{') {
                pos++;
                skipSpace();
                if (peek() != '"' || !"$numberLong".equals(string())) {
                    throw GIVE_UP;
                }
                expect(':');
                skipSpace();
                long v = Long.valueOf(stringValue());
                expect('}');
                return v;
            }
            BsonValue n = number();
            if (n.isInt32()) {
                return n.asInt32().getValue();
            }
            if (n.isInt64()) {
                return n.asInt64().getValue();
            }
            throw GIVE_UP;
        }
    }
}
