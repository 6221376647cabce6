package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;

import java.util.Locale;

/**
 * The emulator's change-stream resume tokens: {@code {_data: "82" + %016X of the oplog time}}, the
 * prefix of mongod's own token that Flink CDC's {@code ResumeTokenUtils.decodeTimestamp} reads.
 */
final class ResumeToken {

    private static final String DATA = "_data";

    private ResumeToken() {}

    /** The token that stands for the oplog position {@code time} (seconds << 32 | increment). */
    static Document of(long time) {
        return new Document(DATA, String.format(Locale.ROOT, "82%016X", time));
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
