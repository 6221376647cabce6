package io.dbtransfer.hashing;

import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.model.RoutingKey;

import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.ObjectId;

import java.util.ArrayList;
import java.util.List;

/**
 * Between the job's routing key ({@code collection \0 canonical-_id-JSON}) and the text of the
 * {@code _id} column MySQL holds. Pure.
 */
public final class KeyTexts {

    private KeyTexts() {}

    /**
     * The BSON type of a routing key's {@code _id}, from its canonical Extended JSON: {@code
     * int32}, {@code int64}, {@code objectId}, {@code string} or {@code other}.
     */
    public static String idType(String routingKey) {
        String json = RoutingKey.keyJson(routingKey);
        if (json.startsWith("\"")) {
            return "string";
        }
        if (json.startsWith("{\"$numberInt\"")) {
            return "int32";
        }
        if (json.startsWith("{\"$numberLong\"")) {
            return "int64";
        }
        if (json.startsWith("{\"$oid\"")) {
            return "objectId";
        }
        return "other";
    }

    /** The key column text of a routing key, or {@code null} when it has none in that type. */
    public static String keyText(String routingKey, ColumnType keyType) {
        String json = RoutingKey.keyJson(routingKey);
        try {
            return CanonicalValues.keyValue(CanonicalValues.parseCanonicalJson(json), keyType);
        } catch (CanonicalValues.MismatchException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The routing keys a key column text can come from, most likely first: for text keys an
     * ObjectId (24 hex digits), the string, and Int32/Int64 when the text is an integer's digits;
     * for integer keys Int32 (when it fits) and Int64. Other {@code _id} types (documents, doubles,
     * …) cannot be told from the column text.
     */
    public static List<String> candidates(String collection, String keyText, ColumnType keyType) {
        List<String> out = new ArrayList<>(2);
        String prefix = RoutingKey.prefix(collection);
        switch (keyType.kind) {
            case INT:
            case BIGINT:
                {
                    long v;
                    try {
                        v = Long.parseLong(keyText);
                    } catch (NumberFormatException e) {
                        return out;
                    }
                    if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                        out.add(prefix + CanonicalValues.canonicalJson(new BsonInt32((int) v)));
                    }
                    out.add(prefix + CanonicalValues.canonicalJson(new BsonInt64(v)));
                    return out;
                }
            default:
                if (ObjectId.isValid(keyText) && keyText.equals(keyText.toLowerCase())) {
                    out.add(
                            prefix
                                    + CanonicalValues.canonicalJson(
                                            new BsonObjectId(new ObjectId(keyText))));
                }
                out.add(prefix + CanonicalValues.canonicalJson(new BsonString(keyText)));
                // An integer _id under a text key column is written as its digits.
                Long v = canonicalLong(keyText);
                if (v != null) {
                    if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                        out.add(
                                prefix
                                        + CanonicalValues.canonicalJson(
                                                new BsonInt32((int) (long) v)));
                    }
                    out.add(prefix + CanonicalValues.canonicalJson(new BsonInt64(v)));
                }
                // Any other _id type is written as its canonical Extended JSON.
                BsonValue other = canonicalOther(keyText);
                if (other != null) {
                    out.add(prefix + keyText);
                }
                return out;
        }
    }

    /** The long whose {@code Long.toString} is exactly {@code text}, or {@code null}. */
    private static Long canonicalLong(String text) {
        if (text.isEmpty() || text.length() > 20) {
            return null;
        }
        try {
            long v = Long.parseLong(text);
            return Long.toString(v).equals(text) ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The value whose canonical Extended JSON is exactly {@code text}, when it is of a type {@link
     * CanonicalValues#keyText} writes that way (not a string, ObjectId or integer); else null.
     */
    private static BsonValue canonicalOther(String text) {
        if (text.isEmpty()) {
            return null;
        }
        char first = text.charAt(0);
        if (first != '{' && first != '[' && first != 't' && first != 'f' && first != 'n') {
            return null;
        }
        try {
            BsonValue v = CanonicalValues.parseCanonicalJson(text);
            switch (v.getBsonType()) {
                case STRING:
                case OBJECT_ID:
                case INT32:
                case INT64:
                    return null;
                default:
                    return CanonicalValues.canonicalJson(v).equals(text) ? v : null;
            }
        } catch (RuntimeException e) {
            return null;
        }
    }
}
