package io.dbtransfer.hashing;

import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.model.RoutingKey;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code _id}s a key column text can come from, per key column type. */
class KeyTextsTest {

    private static List<String> types(String text, String keyType) {
        List<String> out = new ArrayList<>();
        for (String routingKey : KeyTexts.candidates("c", text, ColumnType.parse(keyType))) {
            out.add(KeyTexts.idType(routingKey) + " " + RoutingKey.keyJson(routingKey));
        }
        return out;
    }

    @Test
    void anIntegerTextUnderATextKeyCanBeAStringOrAnIntegerId() {
        assertThat(types("17", "VARCHAR(16)"))
                .containsExactly(
                        "string \"17\"",
                        "int32 {\"$numberInt\": \"17\"}",
                        "int64 {\"$numberLong\": \"17\"}");
        assertThat(types("-9000000000", "VARCHAR(32)"))
                .containsExactly(
                        "string \"-9000000000\"", "int64 {\"$numberLong\": \"-9000000000\"}");
    }

    @Test
    void digitsAnIntegerIsNeverWrittenAsAreOnlyAString() {
        assertThat(types("017", "VARCHAR(16)")).containsExactly("string \"017\"");
        assertThat(types("+5", "VARCHAR(16)")).containsExactly("string \"+5\"");
        assertThat(types("99999999999999999999", "VARCHAR(32)"))
                .containsExactly("string \"99999999999999999999\"");
    }

    @Test
    void twentyFourLowerHexDigitsCanBeAnObjectIdOrAString() {
        String hex = "5f0c1a2b3c4d5e6f70819203";
        assertThat(types(hex, "VARCHAR(24)"))
                .containsExactly("objectId {\"$oid\": \"" + hex + "\"}", "string \"" + hex + "\"");
    }

    @Test
    void anIntegerKeyColumnHoldsInt32OrInt64() {
        assertThat(types("5", "BIGINT"))
                .containsExactly("int32 {\"$numberInt\": \"5\"}", "int64 {\"$numberLong\": \"5\"}");
        assertThat(types("x", "BIGINT")).isEmpty();
    }

    @Test
    void otherIdTypesUnderATextKeyAreTheirCanonicalJson() {
        assertThat(types("{\"$numberDouble\": \"1.5\"}", "VARCHAR(64)"))
                .containsExactly(
                        "string \"{\\\"$numberDouble\\\": \\\"1.5\\\"}\"",
                        "other {\"$numberDouble\": \"1.5\"}");
        assertThat(types("{\"a\": {\"$numberInt\": \"1\"}}", "VARCHAR(64)")).hasSize(2);
        assertThat(types("{\"a\": 1}", "VARCHAR(64)"))
                .as("not canonical: only a string _id writes this text")
                .hasSize(1);
    }
}
