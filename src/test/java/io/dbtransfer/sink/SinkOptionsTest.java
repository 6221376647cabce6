package io.dbtransfer.sink;

import io.dbtransfer.model.DeliveryGuarantee;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Defaults, validation messages and the password-free {@code toString} of {@link SinkOptions}. */
class SinkOptionsTest {

    private static SinkOptions.Builder valid() {
        return SinkOptions.builder().jdbcUrl("jdbc:mysql://db:3306/shop");
    }

    @Test
    void defaults() {
        SinkOptions o = valid().build();
        assertThat(o.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThat(o.batchSize()).isEqualTo(SinkOptions.DEFAULT_BATCH_SIZE).isEqualTo(1000);
        assertThat(o.flushIntervalMs()).isEqualTo(1000);
        // Derived from the target by MySqlChangeSink (see derivedPrefixIsPerTargetAndStable).
        assertThat(o.transactionalIdPrefix()).isNull();
        assertThat(o.maxRetries()).isEqualTo(SinkOptions.DEFAULT_MAX_RETRIES);
        assertThat(o.tombstoneRetentionMs()).isEqualTo(SinkOptions.DEFAULT_TOMBSTONE_RETENTION_MS);
        assertThat(o.username()).isNull();
        assertThat(o.password()).isNull();
    }

    @Test
    void everyViolationNamesTheSettingAndItsRange() {
        assertThatThrownBy(() -> SinkOptions.builder().build())
                .hasMessageContaining("jdbcUrl must be a JDBC URL");
        assertThatThrownBy(() -> valid().batchSize(0).build())
                .hasMessage("batchSize must be between 1 and 100000, got 0");
        assertThatThrownBy(() -> valid().flushIntervalMs(-1).build())
                .hasMessage("flushIntervalMs must be >= 0 (0 = no timed flush), got -1");
        assertThatThrownBy(() -> valid().transactionalIdPrefix("a:b").build())
                .hasMessage(
                        "transactionalIdPrefix must be 1 to 32 characters of [A-Za-z0-9_.-],"
                                + " got 'a:b'");
        assertThatThrownBy(() -> valid().transactionalIdPrefix("").build())
                .hasMessageContaining("transactionalIdPrefix");
        assertThatThrownBy(() -> valid().maxRetries(101).build())
                .hasMessage("maxRetries must be between 0 and 100, got 101");
        assertThatThrownBy(() -> valid().tombstoneRetentionMs(5).build())
                .hasMessage("tombstoneRetentionMs must be 0 (keep forever) or >= 60000, got 5");
        assertThatThrownBy(() -> valid().deliveryGuarantee(null).build())
                .hasMessage("deliveryGuarantee must not be null");
    }

    @Test
    void derivedPrefixIsPerTargetAndStable() {
        String p =
                SinkOptions.derivedPrefix(
                        "jdbc:mysql://db:3306/shop?user=u", java.util.List.of("orders", "items"));
        assertThat(p).matches("dbt-[0-9a-f]{16}");
        assertThat(valid().transactionalIdPrefix(p).build().transactionalIdPrefix()).isEqualTo(p);
        // Same database and tables (any order, any host or options): same prefix.
        assertThat(
                        SinkOptions.derivedPrefix(
                                "jdbc:mysql://other:3307/shop",
                                java.util.List.of("items", "orders")))
                .isEqualTo(p);
        // Another database or another set of tables: another prefix.
        assertThat(
                        SinkOptions.derivedPrefix(
                                "jdbc:mysql://db:3306/shop2", java.util.List.of("orders", "items")))
                .isNotEqualTo(p);
        assertThat(
                        SinkOptions.derivedPrefix(
                                "jdbc:mysql://db:3306/shop", java.util.List.of("items")))
                .isNotEqualTo(p);
        assertThat(SinkOptions.databaseOf("jdbc:mysql://h/db;x=1")).isEqualTo("db");
        assertThat(SinkOptions.databaseOf("jdbc:mysql://h:1")).isEmpty();
    }

    @Test
    void toStringNeverShowsPasswords() {
        SinkOptions o =
                SinkOptions.builder()
                        .jdbcUrl("jdbc:mysql://db/shop?user=u&password=s3cret&ssl=true")
                        .username("u")
                        .password("hunter2")
                        .build();
        assertThat(o.toString())
                .doesNotContain("s3cret")
                .doesNotContain("hunter2")
                .contains("password=" + io.dbtransfer.model.Redact.MASK + "&ssl=true");
    }

    @Test
    void equalityAndCopies() {
        SinkOptions a = valid().batchSize(7).password("p").build();
        assertThat(a.toBuilder().build()).isEqualTo(a).hasSameHashCodeAs(a);
        assertThat(a.toBuilder().password("q").build()).isNotEqualTo(a);
    }
}
