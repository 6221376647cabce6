package io.dbtransfer.embedded.spec;

import org.bson.BsonDocument;
import org.bson.BsonType;
import org.bson.BsonValue;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Compares an expected value of a unified test file with an actual one, as the unified test
 * format's "Evaluating Matches" describes: extra fields only at the root, flexible numbers, and the
 * {@code $$} operators the change-stream files use ({@code $$exists}, {@code $$type}, {@code
 * $$unsetOrMatches}, plus {@code $$matchesEntity}, {@code $$lte}, {@code $$matchAsRoot}).
 */
final class UnifiedMatcher {

    private static final Map<BsonType, String> TYPE_NAMES =
            Map.ofEntries(
                    Map.entry(BsonType.DOUBLE, "double"),
                    Map.entry(BsonType.STRING, "string"),
                    Map.entry(BsonType.DOCUMENT, "object"),
                    Map.entry(BsonType.ARRAY, "array"),
                    Map.entry(BsonType.BINARY, "binData"),
                    Map.entry(BsonType.UNDEFINED, "undefined"),
                    Map.entry(BsonType.OBJECT_ID, "objectId"),
                    Map.entry(BsonType.BOOLEAN, "bool"),
                    Map.entry(BsonType.DATE_TIME, "date"),
                    Map.entry(BsonType.NULL, "null"),
                    Map.entry(BsonType.REGULAR_EXPRESSION, "regex"),
                    Map.entry(BsonType.DB_POINTER, "dbPointer"),
                    Map.entry(BsonType.JAVASCRIPT, "javascript"),
                    Map.entry(BsonType.SYMBOL, "symbol"),
                    Map.entry(BsonType.JAVASCRIPT_WITH_SCOPE, "javascriptWithScope"),
                    Map.entry(BsonType.INT32, "int"),
                    Map.entry(BsonType.TIMESTAMP, "timestamp"),
                    Map.entry(BsonType.INT64, "long"),
                    Map.entry(BsonType.DECIMAL128, "decimal"),
                    Map.entry(BsonType.MIN_KEY, "minKey"),
                    Map.entry(BsonType.MAX_KEY, "maxKey"));

    private final Function<String, BsonValue> entities;

    UnifiedMatcher(Function<String, BsonValue> entities) {
        this.entities = entities;
    }

    /** Matches {@code actual} (null when absent) as a root-level value; throws on a mismatch. */
    void matchRoot(BsonValue expected, BsonValue actual) {
        match(expected, actual, true, "$");
    }

    private void match(BsonValue expected, BsonValue actual, boolean root, String path) {
        if (expected.isDocument()) {
            BsonDocument e = expected.asDocument();
            if (isOperator(e)) {
                operator(e, actual, root, path);
                return;
            }
            check(actual != null && actual.isDocument(), path, "a document", actual);
            BsonDocument a = actual.asDocument();
            for (Map.Entry<String, BsonValue> entry : e.entrySet()) {
                String key = entry.getKey();
                BsonValue value = entry.getValue();
                String at = path + "." + key;
                if (value.isDocument() && isOperator(value.asDocument())) {
                    String op = value.asDocument().getFirstKey();
                    if (op.equals("$$exists")) {
                        boolean wanted = value.asDocument().getBoolean(op).getValue();
                        check(a.containsKey(key) == wanted, at, wanted ? "present" : "absent", a);
                        continue;
                    }
                    operator(value.asDocument(), a.get(key), false, at);
                    continue;
                }
                check(a.containsKey(key), at, "present", a);
                match(value, a.get(key), false, at);
            }
            if (!root) {
                for (String key : a.keySet()) {
                    check(e.containsKey(key), path + "." + key, "no such field", a);
                }
            }
            return;
        }
        if (expected.isArray()) {
            check(actual != null && actual.isArray(), path, "an array", actual);
            List<BsonValue> e = expected.asArray().getValues();
            List<BsonValue> a = actual.asArray().getValues();
            check(e.size() == a.size(), path, e.size() + " elements", actual);
            for (int i = 0; i < e.size(); i++) {
                match(e.get(i), a.get(i), false, path + "[" + i + "]");
            }
            return;
        }
        check(actual != null, path, expected.toString(), null);
        if (expected.isNumber() && actual.isNumber()) {
            check(
                    expected.asNumber().doubleValue() == actual.asNumber().doubleValue(),
                    path,
                    expected.toString(),
                    actual);
            return;
        }
        check(expected.equals(actual), path, expected.toString(), actual);
    }

    private void operator(BsonDocument e, BsonValue actual, boolean root, String path) {
        String op = e.getFirstKey();
        BsonValue argument = e.get(op);
        switch (op) {
            case "$$exists":
                check(
                        (actual != null) == argument.asBoolean().getValue(),
                        path,
                        op + " " + argument,
                        actual);
                return;
            case "$$type":
                check(actual != null, path, "a value of type " + argument, null);
                String name = TYPE_NAMES.get(actual.getBsonType());
                boolean ok =
                        argument.isArray()
                                ? argument.asArray().getValues().stream()
                                        .anyMatch(t -> t.asString().getValue().equals(name))
                                : argument.asString().getValue().equals(name);
                check(ok, path, "type " + argument, actual);
                return;
            case "$$unsetOrMatches":
                if (actual != null) {
                    match(argument, actual, root, path);
                }
                return;
            case "$$matchesEntity":
                match(entities.apply(argument.asString().getValue()), actual, root, path);
                return;
            case "$$lte":
                check(
                        actual != null
                                && actual.isNumber()
                                && actual.asNumber().doubleValue()
                                        <= argument.asNumber().doubleValue(),
                        path,
                        "<= " + argument,
                        actual);
                return;
            case "$$matchAsRoot":
                match(argument, actual, true, path);
                return;
            case "$$matchAsDocument":
                check(actual != null && actual.isString(), path, "an Extended JSON string", actual);
                match(argument, BsonDocument.parse(actual.asString().getValue()), false, path);
                return;
            default:
                throw new UnsupportedOperationException(
                        "runner: matching operator " + op + " is not implemented");
        }
    }

    private static boolean isOperator(BsonDocument d) {
        return d.size() == 1 && d.getFirstKey().startsWith("$$");
    }

    private static void check(boolean ok, String path, String wanted, BsonValue actual) {
        if (!ok) {
            throw new AssertionError(
                    String.format(
                            Locale.ROOT,
                            "at %s: expected %s, got %s",
                            path,
                            wanted,
                            actual == null ? "nothing" : actual.toString()));
        }
    }
}
