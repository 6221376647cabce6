package io.dbtransfer.workload;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads {@code \n}-terminated lines of UTF-8 text and says which ones are not valid UTF-8 (instead
 * of failing the whole file or silently replacing bytes). A UTF-8 byte-order mark at the start of
 * the stream is dropped; a trailing {@code \r} is left to the caller.
 */
final class Utf8LineReader implements Closeable {

    private final InputStream in;
    private final CharsetDecoder strict =
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;
    private byte[] line = new byte[1024];
    private long lineNumber;
    private String invalidReason;

    Utf8LineReader(InputStream in) {
        this.in = in;
    }

    /** The next line without its {@code \n}, or null at the end; invalid bytes become U+FFFD. */
    String next() throws IOException {
        int length = 0;
        boolean any = false;
        while (true) {
            if (position == limit) {
                limit = in.read(buffer, 0, buffer.length);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    if (!any) {
                        return null;
                    }
                    break;
                }
            }
            any = true;
            int start = position;
            while (position < limit && buffer[position] != '\n') {
                position++;
            }
            int n = position - start;
            if (length + n > line.length) {
                line = Arrays.copyOf(line, Math.max(line.length * 2, length + n));
            }
            System.arraycopy(buffer, start, line, length, n);
            length += n;
            if (position < limit) {
                position++; // the '\n'
                break;
            }
        }
        lineNumber++;
        int offset = 0;
        if (lineNumber == 1
                && length >= 3
                && line[0] == (byte) 0xEF
                && line[1] == (byte) 0xBB
                && line[2] == (byte) 0xBF) {
            offset = 3;
        }
        ByteBuffer bytes = ByteBuffer.wrap(line, offset, length - offset);
        try {
            CharBuffer chars = strict.reset().decode(bytes);
            invalidReason = null;
            return chars.toString();
        } catch (CharacterCodingException e) {
            invalidReason = "not valid UTF-8 (" + firstInvalidByte(offset, length) + ")";
            return new String(line, offset, length - offset, StandardCharsets.UTF_8);
        }
    }

    /** 1-based number of the line {@link #next()} returned last. */
    long lineNumber() {
        return lineNumber;
    }

    /** Why the last line is not valid UTF-8, or null if it is. */
    String invalidReason() {
        return invalidReason;
    }

    private String firstInvalidByte(int offset, int length) {
        ByteBuffer bytes = ByteBuffer.wrap(line, offset, length - offset);
        strict.reset().decode(bytes, CharBuffer.allocate(length + 1), true);
        int at = bytes.position();
        if (at >= offset + length) {
            return "an incomplete character at the end of the line";
        }
        return String.format(
                "byte 0x%02X at byte %d of the line", line[at] & 0xFF, at - offset + 1);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
