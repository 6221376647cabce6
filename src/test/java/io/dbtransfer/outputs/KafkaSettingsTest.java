package io.dbtransfer.outputs;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.model.ConfigException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Kafka settings builder: defaults of the options, and messages naming setting, cause, fix. */
class KafkaSettingsTest {

    private static KafkaSettings.Builder brokers() {
        return KafkaSettings.builder().bootstrapServers("b:9092");
    }

    @Test
    void noTopicIsNoKafkaAndTheDefaultsAreTheOptions() {
        KafkaSettings s = KafkaSettings.builder().build();
        assertThat(s.enabled()).isFalse();
        assertThat(s.exactlyOnce).isTrue();
        assertThat(s.transactionTimeout).isEqualTo(Duration.ofMinutes(15));
        assertThat(s.transactionalIdPrefix("changes")).isEqualTo("dbtransfer-changes");
        KafkaSettings on =
                brokers()
                        .changelogTopic("changes")
                        .clientProperties(Map.of("sasl.jaas.config", "secret"))
                        .build();
        assertThat(on.enabled()).isTrue();
        assertThat(on.clientProperties()).containsEntry("bootstrap.servers", "b:9092");
        assertThat(on.toString()).doesNotContain("secret");
    }

    @Test
    void aTopicWithoutBrokersNamesBothAndTheFix() {
        assertThatThrownBy(() -> KafkaSettings.builder().changelogTopic("changes").build())
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "kafka.changelog-topic is set but kafka.bootstrap-servers is not: give"
                                + " the brokers, e.g. --set"
                                + " kafka.bootstrap-servers=broker1:9092,broker2:9092, or remove"
                                + " kafka.changelog-topic");
    }

    @Test
    void anInvalidTopicNameIsNamedWithTheRule() {
        assertThatThrownBy(() -> brokers().deadLetterTopic("dead letters").build())
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "kafka.dead-letter-topic: 'dead letters' is not a valid Kafka topic name"
                                + " (1 to 249 characters of letters, digits, '.', '_', '-');"
                                + " name a valid topic or remove kafka.dead-letter-topic");
        assertThatThrownBy(() -> brokers().mismatchTopic("").build())
                .hasMessageStartingWith("kafka.mismatch-topic: '' is not a valid Kafka topic");
    }

    @Test
    void theMismatchTopicNeedsReconciliation() {
        assertThatThrownBy(() -> brokers().mismatchTopic("m").reconcileEnabled(false).build())
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "kafka.mismatch-topic is set but reconcile.enabled is false: mismatches"
                                + " come from the reconcile operator; enable it or remove the"
                                + " topic");
    }

    @Test
    void anExactlyOnceTransactionMustOutliveACheckpointInterval() {
        assertThatThrownBy(
                        () ->
                                brokers()
                                        .changelogTopic("c")
                                        .transactionTimeout(Duration.ofSeconds(2))
                                        .checkpointInterval(Duration.ofSeconds(5))
                                        .build())
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "kafka.transaction-timeout (PT2S) must be longer than"
                                + " job.checkpoint-interval (PT5S): a transaction stays open from"
                                + " one checkpoint to the commit after the next; raise"
                                + " kafka.transaction-timeout (at most the brokers'"
                                + " transaction.max.timeout.ms) or shorten"
                                + " job.checkpoint-interval");
        assertThat(
                        brokers()
                                .changelogTopic("c")
                                .exactlyOnce(false)
                                .transactionTimeout(Duration.ofSeconds(2))
                                .build()
                                .exactlyOnce)
                .as("at-least-once has no transactions")
                .isFalse();
    }

    @Test
    void anExactlyOncePrefixMustNotBeEmpty() {
        assertThatThrownBy(() -> brokers().changelogTopic("c").transactionalIdPrefix(" ").build())
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "kafka.transactional-id-prefix must not be empty with kafka.delivery"
                                + " exactly-once: the topics' transactional ids start with it; set"
                                + " one, e.g. --set kafka.transactional-id-prefix=dbtransfer, or"
                                + " use kafka.delivery at-least-once");
    }

    @Test
    void aCompressionCodecTheJarLacksIsNamedWithTheOnesItHas() {
        assertThatThrownBy(
                        () ->
                                KafkaSettings.builder()
                                        .clientProperties(Map.of("compression.type", "zstd"))
                                        .build())
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "kafka.properties.compression.type: 'zstd' is not available in the job"
                                + " jar (it leaves out the native zstd and snappy codecs); use"
                                + " none, gzip or lz4");
    }

    @Test
    void aJobFileIsReadIntoCheckedSettings(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("job.yaml");
        Files.writeString(
                f,
                "mongo:\n  uri: mongodb://localhost:27017/?replicaSet=rs0\n  database: shop\n"
                        + "mysql.url: jdbc:mysql://localhost:3306/shop\ncollections: [a]\n");
        KafkaSettings s =
                KafkaSettings.from(
                        JobConfig.load(
                                f,
                                Map.of(
                                        "kafka.bootstrap-servers", "b:9092",
                                        "kafka.changelog-topic", "c",
                                        "kafka.delivery", "at-least-once",
                                        "kafka.transaction-timeout", "2 s")));
        assertThat(s.changelogTopic).isEqualTo("c");
        assertThat(s.exactlyOnce).isFalse();
        assertThatThrownBy(
                        () ->
                                KafkaSettings.from(
                                        JobConfig.load(
                                                f,
                                                Map.of(
                                                        "kafka.bootstrap-servers", "b:9092",
                                                        "kafka.mismatch-topic", "m",
                                                        "reconcile.enabled", "false"))))
                .hasMessageContaining("kafka.mismatch-topic is set but reconcile.enabled is false");
    }
}
