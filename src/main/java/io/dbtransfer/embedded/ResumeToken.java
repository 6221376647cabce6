package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;

import java.util.Locale;

/**
 * The emulator's change-stream resume tokens: {@code {_data: "82" + %016X of the oplog time}}, the
 * prefix of mongod's own token that Flink CDC's {@code ResumeTokenUtils.decodeTimestamp} reads,
 * followed, as mongod's tokens carry a token type and a {@code fromInvalidate} flag, by nothing for
 * an event's token, {@code "00"} for a high-water mark ({@code postBatchResumeToken} of a stream
 * that read everything) and {@code "01"} for an {@code invalidate} event's token.
 */
final class ResumeToken {

    /** What a token stands for: an event, a position between events, or an invalidate. */
    enum Kind {
        EVENT,
        HIGH_WATER_MARK,
        INVALIDATE
    }

    private static final String DATA = "_data";
    private static final String HIGH_WATER_MARK = "00";
    private static final String INVALIDATE = "01";

    private ResumeToken() {}

    /** The token of the event logged at {@code time} (seconds << 32 | increment). */
    static Document of(long time) {
        return new Document(DATA, String.format(Locale.ROOT, "82%016X", time));
    }

    /** The token of a position after every entry up to {@code time}; no event needs to be there. */
    static Document highWaterMark(long time) {
        return new Document(DATA, String.format(Locale.ROOT, "82%016X", time) + HIGH_WATER_MARK);
    }

    /**
     * The token of the {@code invalidate} event that follows the drop or rename at {@code time}.
     */
    static Document invalidate(long time) {
        return new Document(DATA, String.format(Locale.ROOT, "82%016X", time) + INVALIDATE);
    }

    /**
     * What a token {@link #decode} accepts stands for. A token in another layout (mongod's own) is
     * taken for a high-water mark: the emulator does not check that an event stands there.
     */
    static Kind kind(Object token) {
        decode(token);
        Object data = ((Document) token).get(DATA);
        String rest;
        if (data instanceof String) {
            rest = ((String) data).substring(18);
        } else {
            byte[] bytes = ((BinData) data).getData();
            rest =
                    bytes.length == 9
                            ? ""
                            : bytes.length == 10
                                    ? String.format(Locale.ROOT, "%02X", bytes[9] & 0xFF)
                                    : "?";
        }
        if (rest.isEmpty()) {
            return Kind.EVENT;
        }
        return rest.equals(INVALIDATE) ? Kind.INVALIDATE : Kind.HIGH_WATER_MARK;
    }

    /**
     * The oplog time a token stands for. Accepts the hex-string form (and mongod's longer tokens,
     * whose first nine bytes have the same layout) and the binary form.
     */
    static long decode(Object token) {
        if (!(token instanceof Document)) {
            throw invalid(token);
        }
        Object data = ((Document) token).get(DATA);
        if (data instanceof String) {
            String hex = (String) data;
            if (hex.length() >= 18 && hex.regionMatches(true, 0, "82", 0, 2)) {
                try {
                    return Long.parseUnsignedLong(hex.substring(2, 18), 16);
                } catch (NumberFormatException e) {
                    throw invalid(token);
                }
            }
        } else if (data instanceof BinData) {
            byte[] bytes = ((BinData) data).getData();
            if (bytes.length >= 9 && (bytes[0] & 0xFF) == 0x82) {
                long time = 0;
                for (int i = 1; i <= 8; i++) {
                    time = (time << 8) | (bytes[i] & 0xFF);
                }
                return time;
            }
        }
        throw invalid(token);
    }

    private static MongoServerError invalid(Object token) {
        return new MongoServerError(
                260, "InvalidResumeToken", "Invalid resume token for this emulator: " + token);
    }
}
