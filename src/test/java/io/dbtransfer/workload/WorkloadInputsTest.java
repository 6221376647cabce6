package io.dbtransfer.workload;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The loader's line reader (UTF-8 checked per line) and its duplicate-id index. */
class WorkloadInputsTest {

    @Test
    void lineReaderReportsInvalidUtf8PerLineAndKeepsTheRest() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}); // BOM
        bytes.write("first 😀\n".getBytes(StandardCharsets.UTF_8));
        bytes.write(new byte[] {'b', 'a', 'd', ' ', (byte) 0xC3, '(', '\n'});
        bytes.write("\nlast without newline".getBytes(StandardCharsets.UTF_8));
        try (Utf8LineReader r = new Utf8LineReader(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(r.next()).isEqualTo("first 😀");
            assertThat(r.invalidReason()).isNull();
            assertThat(r.next()).startsWith("bad ");
            assertThat(r.lineNumber()).isEqualTo(2);
            assertThat(r.invalidReason())
                    .isEqualTo("not valid UTF-8 (byte 0xC3 at byte 5 of the line)");
            assertThat(r.next()).isEmpty();
            assertThat(r.invalidReason()).isNull();
            assertThat(r.next()).isEqualTo("last without newline");
            assertThat(r.lineNumber()).isEqualTo(4);
            assertThat(r.next()).isNull();
        }
    }

    @Test
    void lineReaderHandlesLinesLongerThanItsBuffer() throws Exception {
        String longLine = "x".repeat(200_000) + "é";
        byte[] bytes = (longLine + "\nnext\n").getBytes(StandardCharsets.UTF_8);
        try (Utf8LineReader r = new Utf8LineReader(new ByteArrayInputStream(bytes))) {
            assertThat(r.next()).isEqualTo(longLine);
            assertThat(r.next()).isEqualTo("next");
            assertThat(r.next()).isNull();
        }
    }

    @Test
    void idIndexReturnsTheFirstLineOfADuplicate() {
        ReviewIdIndex index = new ReviewIdIndex();
        for (int i = 0; i < 100_000; i++) {
            assertThat(index.putIfAbsent("R" + i, i + 2)).isZero();
        }
        assertThat(index.size()).isEqualTo(100_000);
        assertThat(index.putIfAbsent("R0", 500_000)).isEqualTo(2);
        assertThat(index.putIfAbsent("R99999", 500_001)).isEqualTo(100_001);
        assertThat(index.putIfAbsent("R100000", 500_002)).isZero();
        assertThat(index.size()).isEqualTo(100_001);
    }
}
