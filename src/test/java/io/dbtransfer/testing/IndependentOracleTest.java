package io.dbtransfer.testing;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.util.Date;

import static org.assertj.core.api.Assertions.assertThat;

/** The oracle's value comparison, which every equality check of the ITCases goes through. */
class IndependentOracleTest {

    private static final Date AT = new Date(1_764_720_000_123L);

    @Test
    void aDateInsideTheExtraColumnEqualsTheSameDate() {
        // What the live simulator's replacements carry (editedAt) and MySQL's _extra holds.
        Document expected = new Document("editedAt", AT).append("n", 1);
        Document parsed =
                Document.parse(
                        "{\"editedAt\": {\"$date\": {\"$numberLong\": \"1764720000123\"}},"
                                + " \"n\": {\"$numberLong\": \"1\"}}");
        assertThat(IndependentOracle.same(expected, parsed)).isTrue();
        assertThat(IndependentOracle.same(expected, new Document(parsed).append("editedAt", null)))
                .isFalse();
        assertThat(
                        IndependentOracle.same(
                                expected,
                                new Document(parsed)
                                        .append("editedAt", new Date(AT.getTime() + 1))))
                .isFalse();
    }

    @Test
    void aDateInAMappedColumnEqualsItsUtcDatetime() {
        assertThat(IndependentOracle.same(AT, LocalDateTime.parse("2025-12-03T00:00:00.123")))
                .isTrue();
        assertThat(IndependentOracle.same(AT, LocalDateTime.parse("2025-12-03T00:00:00.124")))
                .isFalse();
    }
}
