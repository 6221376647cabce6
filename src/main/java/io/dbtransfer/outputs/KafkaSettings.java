package io.dbtransfer.outputs;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;

import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The Kafka outputs a job configuration asks for (validated by {@link JobConfig}); no topic set
 * means no Kafka at all.
 */
public final class KafkaSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    public final String bootstrapServers;
    public final String changelogTopic;
    public final String deadLetterTopic;
    public final String mismatchTopic;
    public final boolean exactlyOnce;
    public final String transactionalIdPrefix;
    public final Duration transactionTimeout;
    private final Map<String, String> clientProperties;

    private KafkaSettings(JobConfig config) {
        this.bootstrapServers = config.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS);
        this.changelogTopic = config.get(JobOptions.KAFKA_CHANGELOG_TOPIC);
        this.deadLetterTopic = config.get(JobOptions.KAFKA_DEAD_LETTER_TOPIC);
        this.mismatchTopic = config.get(JobOptions.KAFKA_MISMATCH_TOPIC);
        this.exactlyOnce =
                config.get(JobOptions.KAFKA_DELIVERY)
                        == org.apache.flink.connector.base.DeliveryGuarantee.EXACTLY_ONCE;
        this.transactionalIdPrefix = config.get(JobOptions.KAFKA_TRANSACTIONAL_ID_PREFIX);
        this.transactionTimeout = config.get(JobOptions.KAFKA_TRANSACTION_TIMEOUT);
        this.clientProperties = new TreeMap<>(config.kafkaProperties());
    }

    public static KafkaSettings from(JobConfig config) {
        return new KafkaSettings(config);
    }

    /** True when at least one topic is configured. */
    public boolean enabled() {
        return changelogTopic != null || deadLetterTopic != null || mismatchTopic != null;
    }

    /**
     * The client properties: the pass-through ones plus {@code bootstrap.servers}. May hold
     * secrets: never log them.
     */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.setProperty("bootstrap.servers", bootstrapServers);
        return p;
    }

    /** The transactional-id prefix of one topic's sink: {@code <prefix>-<topic>}. */
    public String transactionalIdPrefix(String topic) {
        return transactionalIdPrefix + "-" + topic;
    }

    @Override
    public String toString() {
        // Client properties may hold secrets: only their names.
        return "KafkaSettings{servers="
                + bootstrapServers
                + ", changelog="
                + changelogTopic
                + ", deadLetters="
                + deadLetterTopic
                + ", mismatches="
                + mismatchTopic
                + ", exactlyOnce="
                + exactlyOnce
                + ", properties="
                + clientProperties.keySet()
                + "}";
    }
}
