package io.dbtransfer.mapping;

import org.bson.BsonBinary;
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
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Canonical text of values per column type. */
class CanonicalValuesTest {

    private static String of(org.bson.BsonValue v, String type) throws Exception {
        return CanonicalValues.fromBson(v, ColumnType.parse(type));
    }

    @Test
    void numbers() throws Exception {
        assertThat(of(new BsonInt32(-5), "INT")).isEqualTo("-5");
        assertThat(of(new BsonInt64(Long.MAX_VALUE), "BIGINT")).isEqualTo("9223372036854775807");
        assertThat(of(new BsonDouble(0.1), "DOUBLE")).isEqualTo("0.1");
        assertThat(of(new BsonDecimal128(Decimal128.parse("12.5")), "DECIMAL(10,2)"))
                .isEqualTo("12.50");
        assertThat(of(new BsonInt32(3), "DECIMAL(10,2)")).isEqualTo("3.00");
        assertThatThrownBy(
                        () -> of(new BsonDecimal128(Decimal128.parse("12.345")), "DECIMAL(10,2)"))
                .hasMessageContaining("more decimals");
        assertThatThrownBy(
                        () -> of(new BsonDecimal128(Decimal128.parse("123456789")), "DECIMAL(5,2)"))
                .hasMessageContaining("more digits");
        assertThatThrownBy(() -> of(new BsonDouble(Double.NaN), "DOUBLE"))
                .hasMessageContaining("NaN");
        assertThatThrownBy(() -> of(new BsonDouble(-0.0), "BIGINT"))
                .hasMessageContaining("not an integer");
    }

    @Test
    void datesIncludingBefore1970AndAfter2038() throws Exception {
        assertThat(of(new BsonDateTime(-1), "DATETIME")).isEqualTo("1969-12-31 23:59:59.999");
        assertThat(of(new BsonDateTime(4102444800000L), "DATETIME"))
                .isEqualTo("2100-01-01 00:00:00.000");
        assertThatThrownBy(() -> of(new BsonDateTime(-40000000000000L), "DATETIME"))
                .hasMessageContaining("outside the DATETIME range");
    }

    @Test
    void stringsCountCharactersNotBytes() throws Exception {
        assertThat(of(new BsonString("😀😀😀"), "VARCHAR(3)")).isEqualTo("😀😀😀");
        assertThatThrownBy(() -> of(new BsonString("😀😀😀😀"), "VARCHAR(3)"))
                .hasMessageContaining("4 characters");
    }

    @Test
    void otherKinds() throws Exception {
        assertThat(of(BsonBoolean.TRUE, "BOOLEAN")).isEqualTo("1");
        assertThat(of(new BsonBinary(new byte[] {1, (byte) 0xff}), "BLOB")).isEqualTo("01ff");
        assertThat(of(BsonNull.VALUE, "INT")).isNull();
        assertThat(of(null, "INT")).isNull();
        assertThatThrownBy(() -> of(new BsonString("1"), "INT"))
                .hasMessageContaining("string value does not fit INT");
    }

    @Test
    void keysAreInjectiveAsCanonicalJsonAndReadableAsText() {
        ObjectId oid = new ObjectId();
        assertThat(CanonicalValues.canonicalJson(new BsonObjectId(oid)))
                .isNotEqualTo(CanonicalValues.canonicalJson(new BsonString(oid.toHexString())));
        assertThat(CanonicalValues.canonicalJson(new BsonInt32(1)))
                .isNotEqualTo(CanonicalValues.canonicalJson(new BsonInt64(1)));
        assertThat(
                        CanonicalValues.parseCanonicalJson(
                                CanonicalValues.canonicalJson(new BsonInt64(1))))
                .isEqualTo(new BsonInt64(1));
        assertThat(CanonicalValues.keyText(new BsonObjectId(oid))).isEqualTo(oid.toHexString());
        assertThat(CanonicalValues.keyText(new BsonInt64(12))).isEqualTo("12");
        assertThat(CanonicalValues.keyText(new BsonDocument("a", new BsonInt32(1))))
                .isEqualTo("{\"a\": {\"$numberInt\": \"1\"}}");
    }

    @Test
    void jsonTextComparesIndependentOfKeyOrderAndSpacing() {
        assertThat(
                        CanonicalValues.canonicalJsonText(
                                "{\"b\": 1, \"a\": {\"d\": [1, {\"z\": 2, \"y\": 3}], \"c\": true}}"))
                .isEqualTo(
                        CanonicalValues.canonicalJsonText(
                                "{\"a\":{\"c\":true,\"d\":[1,{\"y\":3,\"z\":2}]},\"b\":1}"));
        assertThat(CanonicalValues.canonicalJsonText("{\"a\": 1}"))
                .isNotEqualTo(CanonicalValues.canonicalJsonText("{\"a\": 2}"));
        assertThat(new BigDecimal("1")).isNotNull();
    }

    /**
     * A DBPointer in a JSON column parses back as a DBPointer, not as a {$ref, $id} document
     * (relaxed JSON's legacy form), and the other legacy types keep their type too.
     */
    @Test
    void legacyTypesKeepTheirTypeThroughTheJsonColumn() {
        BsonDocument doc =
                new BsonDocument(
                                "ptr",
                                new org.bson.BsonDbPointer(
                                        "db.coll", new ObjectId("65a1b2c3d4e5f6a7b8c900ff")))
                        .append(
                                "nested",
                                new org.bson.BsonArray(
                                        java.util.List.of(
                                                new org.bson.BsonDbPointer(
                                                        "db.other",
                                                        new ObjectId("65a1b2c3d4e5f6a7b8c900fe")))))
                        .append("sym", new org.bson.BsonSymbol("s"))
                        .append("undef", new org.bson.BsonUndefined())
                        .append("bin80", new BsonBinary((byte) 0x80, new byte[] {1, 2}));

        BsonDocument back = BsonDocument.parse(CanonicalValues.json(doc));

        assertThat(back).isEqualTo(doc);
        assertThat(back.get("ptr")).isInstanceOf(org.bson.BsonDbPointer.class);
    }

    @Test
    void jsonReorderedByJsonbReadsBackAsTheSameValues() {
        // jsonb (and MySQL 8's JSON) store keys shorter-first: the wrappers come back reordered.
        String written =
                "{\"ts\": {\"$timestamp\": {\"t\": 1565545664, \"i\": 7}}, \"re\":"
                        + " {\"$regularExpression\": {\"pattern\": \"^a\", \"options\": \"i\"}},"
                        + " \"p\": {\"$dbPointer\": {\"$ref\": \"db.c\", \"$id\": {\"$oid\":"
                        + " \"65a1b2c3d4e5f6a7b8c9aaaa\"}}}}";
        String jsonb =
                "{\"p\": {\"$dbPointer\": {\"$id\": {\"$oid\": \"65a1b2c3d4e5f6a7b8c9aaaa\"},"
                        + " \"$ref\": \"db.c\"}}, \"re\": {\"$regularExpression\": {\"options\":"
                        + " \"i\", \"pattern\": \"^a\"}}, \"ts\": {\"$timestamp\": {\"i\": 7, \"t\":"
                        + " 1565545664}}}";
        assertThat(CanonicalValues.canonicalJsonText(jsonb))
                .isEqualTo(CanonicalValues.canonicalJsonText(written));
    }
}
