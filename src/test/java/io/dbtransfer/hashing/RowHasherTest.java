package io.dbtransfer.hashing;

import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.ColumnType.Kind;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChildRows;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The canonical encoding: equal data hashes equal whatever text form a side produced. */
class RowHasherTest {

    private static ColumnSpec col(String name, ColumnType type) {
        return new ColumnSpec(name, type, name);
    }

    static final TableSpec CHILD =
            new TableSpec(
                    "t_tags",
                    List.of(
                            col("t_id", ColumnType.varchar(10)),
                            col("_idx", ColumnType.of(Kind.INT)),
                            col("tag", ColumnType.of(Kind.TEXT))),
                    2);

    static final TableSpec T =
            new TableSpec(
                    "t",
                    List.of(
                            col("_id", ColumnType.varchar(10)),
                            col("price", ColumnType.decimal(10, 2)),
                            col("at", ColumnType.of(Kind.DATETIME)),
                            col("doc", ColumnType.of(Kind.JSON)),
                            col("name", ColumnType.of(Kind.TEXT)),
                            col("ok", ColumnType.of(Kind.BOOLEAN)),
                            col("d", ColumnType.of(Kind.DOUBLE))),
                    1,
                    List.of(CHILD));

    private static String[] row(
            String price, String at, String doc, String name, String ok, String d) {
        return new String[] {"k1", price, at, doc, name, ok, d};
    }

    private static final String[] BASE =
            row("1.50", "2024-01-02 03:04:05.100", "{\"a\": 1, \"b\": [1, 2]}", "x", "1", "0.5");

    @Test
    void aNullRestOfDocumentColumnIsADocumentWithoutFurtherFields() {
        TableSpec rest =
                new TableSpec(
                        "r",
                        List.of(
                                col("_id", ColumnType.varchar(10)),
                                new ColumnSpec(
                                        "_extra",
                                        ColumnType.of(Kind.JSON),
                                        TableSpec.REST_OF_DOCUMENT)),
                        1);
        // An application's INSERT after cutover leaves _extra NULL; the normalizer writes {}.
        assertThat(RowHasher.row(rest, new String[] {"k", null}))
                .isEqualTo(RowHasher.row(rest, new String[] {"k", "{}"}))
                .isNotEqualTo(RowHasher.row(rest, new String[] {"k", "{\"a\": 1}"}));
        // Only the rest-of-document column: NULL in an ordinary JSON column stays NULL.
        assertThat(RowHasher.row(T, row("1.50", BASE[2], null, "x", "1", "0.5")))
                .isNotEqualTo(RowHasher.row(T, row("1.50", BASE[2], "{}", "x", "1", "0.5")));
    }

    @Test
    void decimalScaleDoesNotMatter() {
        assertThat(RowHasher.row(T, row("1.5", BASE[2], BASE[3], "x", "1", "0.5")))
                .isEqualTo(RowHasher.row(T, BASE));
        assertThat(RowHasher.row(T, row("1.51", BASE[2], BASE[3], "x", "1", "0.5")))
                .isNotEqualTo(RowHasher.row(T, BASE));
    }

    @Test
    void datetimeHasMillisecondPrecision() {
        assertThat(RowHasher.row(T, row("1.50", "2024-01-02 03:04:05.1", BASE[3], "x", "1", "0.5")))
                .isEqualTo(RowHasher.row(T, BASE));
        assertThat(
                        RowHasher.row(
                                T,
                                row("1.50", "2024-01-02T03:04:05.100", BASE[3], "x", "1", "0.5")))
                .isEqualTo(RowHasher.row(T, BASE));
        assertThat(
                        RowHasher.row(
                                T,
                                row("1.50", "2024-01-02 03:04:05.101", BASE[3], "x", "1", "0.5")))
                .isNotEqualTo(RowHasher.row(T, BASE));
    }

    @Test
    void theDatetimeFastPathGivesTheFormattersNormalFormForEveryShapedText() {
        // Texts of the shape yyyy-MM-dd HH:mm:ss.SSS with digits anywhere in and out of range
        // (month 13, day 31 of February, hour 24, year 0000 …): the fast path (the text itself)
        // must agree with the formatters wherever it is taken.
        java.util.Random random = new java.util.Random(20261203);
        int fast = 0;
        for (int i = 0; i < 50_000; i++) {
            String v =
                    String.format(
                            java.util.Locale.ROOT,
                            "%04d-%02d-%02d %02d:%02d:%02d.%03d",
                            random.nextInt(3) == 0
                                    ? random.nextInt(10_000)
                                    : 1970 + random.nextInt(80),
                            random.nextInt(14),
                            random.nextInt(33),
                            random.nextInt(26),
                            random.nextInt(61),
                            random.nextInt(61),
                            random.nextInt(1000));
            String slow;
            try {
                slow = RowHasher.datetimeByFormatter(v);
            } catch (RuntimeException e) {
                slow = v; // normalForm hashes text that does not parse as it is
            }
            assertThat(RowHasher.normalForm(v, ColumnType.of(Kind.DATETIME))).as(v).isEqualTo(slow);
            if (RowHasher.isNormalDatetime(v)) {
                fast++;
            }
        }
        assertThat(fast).as("the fast path is taken").isGreaterThan(12_000);
        assertThat(RowHasher.isNormalDatetime("2024-02-28 23:59:59.999")).isTrue();
        assertThat(RowHasher.isNormalDatetime("2024-02-29 00:00:00.000")).isTrue();
        assertThat(RowHasher.isNormalDatetime("2023-02-29 00:00:00.000")).isFalse();
        assertThat(RowHasher.isNormalDatetime("1900-02-29 00:00:00.000")).isFalse();
        assertThat(RowHasher.isNormalDatetime("2000-02-29 00:00:00.000")).isTrue();
        assertThat(RowHasher.isNormalDatetime("2024-04-31 00:00:00.000")).isFalse();
        assertThat(RowHasher.isNormalDatetime("2024-12-31 23:59:59.999")).isTrue();
        assertThat(RowHasher.isNormalDatetime("2024-02-28T23:59:59.999")).isFalse();
        assertThat(RowHasher.isNormalDatetime("2024-02-28 23:59:59.99")).isFalse();
        assertThat(RowHasher.isNormalDatetime("0000-01-01 00:00:00.000")).isFalse();
        assertThat(RowHasher.isNormalDatetime("2024-0a-28 23:59:59.999")).isFalse();
    }

    @Test
    void aRowAsReadHashesItsCanonicalJsonAsItIsAndAgreesWithRow() {
        TableSpec t =
                new TableSpec(
                        "t",
                        List.of(
                                col("_id", ColumnType.varchar(10)),
                                col("at", ColumnType.of(Kind.DATETIME)),
                                col("doc", ColumnType.of(Kind.JSON))),
                        1);
        String canonical =
                io.dbtransfer.mapping.CanonicalValues.canonicalJsonText(
                        "{\"b\": 2, \"a\": [1, {\"d\": 1, \"c\": 2}]}");
        String[] asRead = {"k", "2024-05-06 07:08:09.010", canonical};
        assertThat(RowHasher.rowAsRead(t, asRead)).isEqualTo(RowHasher.row(t, asRead));
        assertThat(RowHasher.rowAsRead(t, new String[] {"k", null, null}))
                .isEqualTo(RowHasher.row(t, new String[] {"k", null, null}));
        // The written side's text in document order hashes as the canonical text read back.
        String[] written = {
            "k", "2024-05-06 07:08:09.010", "{\"b\": 2, \"a\": [1, {\"d\": 1, \"c\": 2}]}"
        };
        assertThat(RowHasher.row(t, written)).isEqualTo(RowHasher.rowAsRead(t, asRead));
    }

    @Test
    void jsonKeyOrderAndWhitespaceDoNotMatterButNullVersusAbsentDoes() {
        assertThat(RowHasher.row(T, row("1.50", BASE[2], "{\"b\":[1,2],\"a\":1}", "x", "1", "0.5")))
                .isEqualTo(RowHasher.row(T, BASE));
        String withNull = "{\"a\": 1, \"b\": [1, 2], \"c\": null}";
        assertThat(RowHasher.row(T, row("1.50", BASE[2], withNull, "x", "1", "0.5")))
                .isNotEqualTo(RowHasher.row(T, BASE));
        assertThat(
                        RowHasher.row(
                                T,
                                row("1.50", BASE[2], "{\"a\": 1, \"b\": [2, 1]}", "x", "1", "0.5")))
                .as("array order matters")
                .isNotEqualTo(RowHasher.row(T, BASE));
    }

    @Test
    void sqlNullDiffersFromEmptyStringAndFromTheWordNull() {
        Hash128 nullName = RowHasher.row(T, row("1.50", BASE[2], BASE[3], null, "1", "0.5"));
        assertThat(nullName)
                .isNotEqualTo(RowHasher.row(T, row("1.50", BASE[2], BASE[3], "", "1", "0.5")))
                .isNotEqualTo(RowHasher.row(T, row("1.50", BASE[2], BASE[3], "NULL", "1", "0.5")));
    }

    @Test
    void booleanAndDoubleForms() {
        assertThat(RowHasher.row(T, row("1.50", BASE[2], BASE[3], "x", "true", "0.50")))
                .isEqualTo(RowHasher.row(T, BASE));
    }

    @Test
    void valuesDoNotRunIntoEachOther() {
        TableSpec two =
                new TableSpec(
                        "two",
                        List.of(
                                col("a", ColumnType.of(Kind.TEXT)),
                                col("b", ColumnType.of(Kind.TEXT))),
                        1);
        assertThat(RowHasher.row(two, new String[] {"ab", "c"}))
                .isNotEqualTo(RowHasher.row(two, new String[] {"a", "bc"}));
    }

    @Test
    void documentHashIgnoresChildRowOrderButSeesEveryChildRow() {
        String[][] tags = {{"k1", "0", "red"}, {"k1", "1", "blue"}};
        String[][] reversed = {{"k1", "1", "blue"}, {"k1", "0", "red"}};
        Hash128 a = RowHasher.document(T, BASE, new ChildRows[] {new ChildRows("t_tags", tags)});
        assertThat(RowHasher.document(T, BASE, new ChildRows[] {new ChildRows("t_tags", reversed)}))
                .isEqualTo(a);
        assertThat(
                        RowHasher.document(
                                T,
                                BASE,
                                new ChildRows[] {
                                    new ChildRows("t_tags", new String[][] {tags[0]})
                                }))
                .isNotEqualTo(a);
        assertThat(RowHasher.document(T, BASE, new ChildRows[0])).isNotEqualTo(a);
        assertThat(RowHasher.document(T, null, new ChildRows[0])).isEqualTo(Hash128.ZERO);
    }

    @Test
    void unknownChildTableAndWrongWidthAreClearErrors() {
        assertThatThrownBy(
                        () ->
                                RowHasher.document(
                                        T,
                                        BASE,
                                        new ChildRows[] {new ChildRows("nope", new String[0][])}))
                .hasMessageContaining("nope")
                .hasMessageContaining("not below t");
        assertThatThrownBy(() -> RowHasher.row(T, new String[] {"k1"}))
                .hasMessageContaining("1 values")
                .hasMessageContaining("7 columns");
    }

    @Test
    void keyDigestCoversVersionAndBucketsAreStable() {
        Hash128 h = RowHasher.row(T, BASE);
        assertThat(RowHasher.keyDigest("k1", 1, h)).isNotEqualTo(RowHasher.keyDigest("k1", 2, h));
        assertThat(RowHasher.keyDigest("k1", 1, h)).isNotEqualTo(RowHasher.keyDigest("k2", 1, h));
        assertThat(RowHasher.bucket("k1", 256))
                .isEqualTo(RowHasher.bucket("k1", 256))
                .isBetween(0, 255);
    }

    @Test
    void hash128SumCarriesAndIsOrderFree() {
        Hash128 max = new Hash128(0, -1L);
        assertThat(max.plus(new Hash128(0, 1))).isEqualTo(new Hash128(1, 0));
        Hash128 a = new Hash128(5, 7);
        Hash128 b = new Hash128(-3, -9);
        assertThat(a.plus(b)).isEqualTo(b.plus(a));
        assertThat(a.xor(b).xor(b)).isEqualTo(a);
        assertThat(a.toHex()).hasSize(32);
    }

    /**
     * The row hash's input, written out here independently of the hasher: the table name, then per
     * column 0 for SQL NULL or 1 and the value, each string as its UTF-8 byte count (8 bytes,
     * big-endian) and bytes. Reconcile's checkpointed hashes depend on it: a change of this
     * encoding needs a new state version.
     */
    @Test
    void theRowHashIsMd5OfTheDocumentedEncodingForAsciiAndOtherText() throws Exception {
        TableSpec texts =
                new TableSpec(
                        "t_é",
                        List.of(
                                col("_id", ColumnType.varchar(10)),
                                col("a", ColumnType.of(Kind.TEXT)),
                                col("b", ColumnType.of(Kind.TEXT)),
                                col("c", ColumnType.of(Kind.TEXT))),
                        1);
        String[][] rows = {
            {"k1", "plain ascii", null, ""},
            {"k2", "caf\u00e9", "\u65e5\u672c", "emoji \ud83d\ude00 and \u007f"},
            {"k3", "x".repeat(5000), "\u00e9".repeat(3000), "a\u0080"},
        };
        for (String[] r : rows) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
            writeUtf8(out, texts.name);
            for (String v : r) {
                if (v == null) {
                    out.write(0);
                } else {
                    out.write(1);
                    writeUtf8(out, v);
                }
            }
            byte[] md5 = java.security.MessageDigest.getInstance("MD5").digest(bytes.toByteArray());
            assertThat(RowHasher.row(texts, r)).isEqualTo(Hash128.of(md5));
        }
    }

    private static void writeUtf8(java.io.DataOutputStream out, String s) throws Exception {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeLong(b.length);
        out.write(b);
    }
}
