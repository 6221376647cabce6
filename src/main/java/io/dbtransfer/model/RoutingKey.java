package io.dbtransfer.model;

/**
 * The routing key of a document: its collection, U+0000, and its canonical key JSON. Normalize,
 * reconcile and the sink's input are keyed by it, so one document's changes travel one path in
 * order; reconcile's keyed state and the mismatch records store it. Its bytes must never change:
 * they key checkpointed state.
 */
public final class RoutingKey {

    private static final char SEPARATOR = '\u0000';

    private RoutingKey() {}

    /** The routing key of the document with canonical key JSON {@code keyJson}. */
    public static String of(String collection, String keyJson) {
        return collection + SEPARATOR + keyJson;
    }

    /** Every routing key of {@code collection} starts with this. */
    public static String prefix(String collection) {
        return collection + SEPARATOR;
    }

    /** The collection part of a routing key. */
    public static String collection(String routingKey) {
        return routingKey.substring(0, separator(routingKey));
    }

    /** True when {@code routingKey} is a key of {@code collection} (no substring is made). */
    public static boolean isOf(String routingKey, String collection) {
        int n = collection.length();
        return routingKey.length() > n
                && routingKey.charAt(n) == SEPARATOR
                && routingKey.startsWith(collection);
    }

    /** The canonical key JSON part of a routing key. */
    public static String keyJson(String routingKey) {
        return routingKey.substring(separator(routingKey) + 1);
    }

    private static int separator(String routingKey) {
        int i = routingKey.indexOf(SEPARATOR);
        if (i < 0) {
            throw new IllegalArgumentException("not a routing key (no U+0000): " + routingKey);
        }
        return i;
    }
}
