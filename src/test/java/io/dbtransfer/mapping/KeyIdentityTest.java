package io.dbtransfer.mapping;

import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The owner and target identities of document keys. */
class KeyIdentityTest {

    private static String owner(BsonValue id) {
        return KeyIdentity.owner(CanonicalValues.canonicalJson(id));
    }

    @Test
    void numbersAreOneOwnerWhateverTheirBsonTypeAsInMongoDbsUniqueIndex() {
        String five = owner(new BsonInt32(5));
        assertThat(five).isEqualTo("{\"$numberLong\": \"5\"}");
        assertThat(owner(new BsonInt64(5))).isEqualTo(five);
        assertThat(owner(new BsonDouble(5.0))).isEqualTo(five);
        assertThat(owner(new BsonDecimal128(Decimal128.parse("5.00")))).isEqualTo(five);
        // Negative zero is zero to MongoDB (and Decimal128's bigDecimalValue() refuses it).
        assertThat(owner(new BsonDecimal128(Decimal128.NEGATIVE_ZERO)))
                .isEqualTo(owner(new BsonDouble(-0.0)))
                .isEqualTo(owner(new BsonInt32(0)));
        assertThat(owner(new BsonInt64(Long.MIN_VALUE)))
                .isEqualTo("{\"$numberLong\": \"-9223372036854775808\"}");
        // Not integral, or beyond a long: the canonical JSON itself.
        assertThat(owner(new BsonDouble(5.5)))
                .isEqualTo(CanonicalValues.canonicalJson(new BsonDouble(5.5)));
        assertThat(owner(new BsonDouble(Double.NaN)))
                .isEqualTo(CanonicalValues.canonicalJson(new BsonDouble(Double.NaN)));
        assertThat(owner(new BsonDouble(1e30)))
                .isEqualTo(CanonicalValues.canonicalJson(new BsonDouble(1e30)));
    }

    @Test
    void stringsObjectIdsAndDocumentsAreTheirCanonicalJson() {
        ObjectId oid = new ObjectId();
        assertThat(owner(new BsonString("5")))
                .isEqualTo("\"5\"")
                .isNotEqualTo(owner(new BsonInt32(5)));
        assertThat(owner(new BsonObjectId(oid)))
                .isNotEqualTo(owner(new BsonString(oid.toHexString())));
        assertThat(owner(new BsonString("a"))).isNotEqualTo(owner(new BsonString("a ")));
        BsonDocument compound = new BsonDocument("a", new BsonInt32(1));
        assertThat(owner(compound)).isEqualTo(CanonicalValues.canonicalJson(compound));
        assertThat(KeyIdentity.owner("{\"$numberInt\": not json"))
                .isEqualTo("{\"$numberInt\": not json");
    }

    @Test
    void targetIdentityMergesWhatAKeyColumnCouldMerge() {
        assertThat(KeyIdentity.target("t", new String[] {"a "}, 1))
                .isEqualTo(KeyIdentity.target("t", new String[] {"a"}, 1))
                .isEqualTo("t\u0000a");
        assertThat(KeyIdentity.target("t", new String[] {"a"}, 1))
                .isNotEqualTo(KeyIdentity.target("u", new String[] {"a"}, 1))
                .isNotEqualTo(KeyIdentity.target("t", new String[] {" a"}, 1));
        // Only the key columns count.
        assertThat(KeyIdentity.target("t", new String[] {"k", "x"}, 1)).isEqualTo("t\u0000k");
        assertThat(KeyIdentity.target("t", new String[] {"k", "x "}, 2))
                .isEqualTo("t\u0000k\u0000x");
        assertThat(KeyIdentity.target("t", null, 1)).isEqualTo("t");
    }
}
