package io.dbtransfer.outputs;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.model.ConfigException;

import org.apache.flink.connector.base.DeliveryGuarantee;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The Kafka outputs a job asks for; build them with {@link #builder()} (or {@link #from} a job
 * configuration), which checks them and names the setting, the cause and the fix of a wrong one. No
 * topic set means no Kafka at all.
 */
public final class KafkaSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Compression codecs the job jar carries (it leaves out the native zstd and snappy). */
    public static final List<String> COMPRESSION_CODECS = List.of("none", "gzip", "lz4");

    public final String bootstrapServers;
    public final String changelogTopic;
    public final String deadLetterTopic;
    public final String mismatchTopic;
    public final boolean exactlyOnce;
    public final String transactionalIdPrefix;
    public final Duration transactionTimeout;
    private final Map<String, String> clientProperties;

    private KafkaSettings(Builder b) {
        this.bootstrapServers = b.bootstrapServers;
        this.changelogTopic = b.changelogTopic;
        this.deadLetterTopic = b.deadLetterTopic;
        this.mismatchTopic = b.mismatchTopic;
        this.exactlyOnce = b.exactlyOnce;
        this.transactionalIdPrefix = b.transactionalIdPrefix;
        this.transactionTimeout = b.transactionTimeout;
        this.clientProperties = new TreeMap<>(b.clientProperties);
    }

    /** Settings with the options' defaults and no topic; {@link Builder#build} checks them. */
    public static Builder builder() {
        return new Builder();
    }

    /** The settings of a job configuration ({@code kafka.*} and what they depend on), checked. */
    public static KafkaSettings from(JobConfig config) {
        return builder()
                .bootstrapServers(config.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS))
                .changelogTopic(config.get(JobOptions.KAFKA_CHANGELOG_TOPIC))
                .deadLetterTopic(config.get(JobOptions.KAFKA_DEAD_LETTER_TOPIC))
                .mismatchTopic(config.get(JobOptions.KAFKA_MISMATCH_TOPIC))
                .exactlyOnce(
                        config.get(JobOptions.KAFKA_DELIVERY) == DeliveryGuarantee.EXACTLY_ONCE)
                .transactionalIdPrefix(config.get(JobOptions.KAFKA_TRANSACTIONAL_ID_PREFIX))
                .transactionTimeout(config.get(JobOptions.KAFKA_TRANSACTION_TIMEOUT))
                .clientProperties(config.kafkaProperties())
                .checkpointInterval(config.get(JobOptions.CHECKPOINT_INTERVAL))
                .reconcileEnabled(config.get(JobOptions.RECONCILE_ENABLED))
                .build();
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

    /** Builds {@link KafkaSettings}; every setting has the default of its option. */
    public static final class Builder {
        private String bootstrapServers;
        private String changelogTopic;
        private String deadLetterTopic;
        private String mismatchTopic;
        private boolean exactlyOnce =
                JobOptions.KAFKA_DELIVERY.defaultValue() == DeliveryGuarantee.EXACTLY_ONCE;
        private String transactionalIdPrefix =
                JobOptions.KAFKA_TRANSACTIONAL_ID_PREFIX.defaultValue();
        private Duration transactionTimeout = JobOptions.KAFKA_TRANSACTION_TIMEOUT.defaultValue();
        private Map<String, String> clientProperties = Map.of();
        private Duration checkpointInterval = JobOptions.CHECKPOINT_INTERVAL.defaultValue();
        private boolean reconcileEnabled = JobOptions.RECONCILE_ENABLED.defaultValue();

        private Builder() {}

        /** {@code kafka.bootstrap-servers}: {@code host:port,host:port}. */
        public Builder bootstrapServers(String servers) {
            this.bootstrapServers = servers;
            return this;
        }

        /** {@code kafka.changelog-topic}; {@code null}: none. */
        public Builder changelogTopic(String topic) {
            this.changelogTopic = topic;
            return this;
        }

        /** {@code kafka.dead-letter-topic}; {@code null}: none. */
        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = topic;
            return this;
        }

        /** {@code kafka.mismatch-topic}; {@code null}: none. */
        public Builder mismatchTopic(String topic) {
            this.mismatchTopic = topic;
            return this;
        }

        /** {@code kafka.delivery}: exactly-once (true) or at-least-once. */
        public Builder exactlyOnce(boolean exactlyOnce) {
            this.exactlyOnce = exactlyOnce;
            return this;
        }

        /** {@code kafka.transactional-id-prefix}. */
        public Builder transactionalIdPrefix(String prefix) {
            this.transactionalIdPrefix = prefix;
            return this;
        }

        /** {@code kafka.transaction-timeout}. */
        public Builder transactionTimeout(Duration timeout) {
            this.transactionTimeout = timeout;
            return this;
        }

        /** The pass-through client properties ({@code kafka.properties.*}). */
        public Builder clientProperties(Map<String, String> properties) {
            this.clientProperties = properties;
            return this;
        }

        /** {@code job.checkpoint-interval}: a transaction must outlive it. */
        public Builder checkpointInterval(Duration interval) {
            this.checkpointInterval = interval;
            return this;
        }

        /** {@code reconcile.enabled}: the mismatch topic needs it. */
        public Builder reconcileEnabled(boolean enabled) {
            this.reconcileEnabled = enabled;
            return this;
        }

        /**
         * Checks the settings and builds them.
         *
         * @throws ConfigException naming the setting, what is wrong and how to fix it
         */
        public KafkaSettings build() {
            topic("kafka.changelog-topic", changelogTopic);
            topic("kafka.dead-letter-topic", deadLetterTopic);
            topic("kafka.mismatch-topic", mismatchTopic);
            if (mismatchTopic != null && !reconcileEnabled) {
                throw new ConfigException(
                        "kafka.mismatch-topic is set but reconcile.enabled is false: mismatches"
                                + " come from the reconcile operator; enable it or remove the"
                                + " topic");
            }
            if (exactlyOnce) {
                if (transactionTimeout == null
                        || transactionTimeout.compareTo(checkpointInterval) <= 0) {
                    throw new ConfigException(
                            "kafka.transaction-timeout ("
                                    + transactionTimeout
                                    + ") must be longer than job.checkpoint-interval ("
                                    + checkpointInterval
                                    + "): a transaction stays open from one checkpoint to the"
                                    + " commit after the next; raise kafka.transaction-timeout"
                                    + " (at most the brokers' transaction.max.timeout.ms) or"
                                    + " shorten job.checkpoint-interval");
                }
                if (transactionalIdPrefix == null || transactionalIdPrefix.isBlank()) {
                    throw new ConfigException(
                            "kafka.transactional-id-prefix must not be empty with kafka.delivery"
                                    + " exactly-once: the topics' transactional ids start with"
                                    + " it; set one, e.g. --set"
                                    + " kafka.transactional-id-prefix=dbtransfer, or use"
                                    + " kafka.delivery at-least-once");
                }
            }
            String compression = clientProperties.getOrDefault("compression.type", "none");
            if (!COMPRESSION_CODECS.contains(compression.trim().toLowerCase(Locale.ROOT))) {
                throw new ConfigException(
                        "kafka.properties.compression.type: '"
                                + compression
                                + "' is not available in the job jar (it leaves out the native"
                                + " zstd and snappy codecs); use none, gzip or lz4");
            }
            return new KafkaSettings(this);
        }

        private void topic(String key, String topic) {
            if (topic == null) {
                return;
            }
            if (topic.isBlank() || !topic.matches("[A-Za-z0-9._-]{1,249}")) {
                throw new ConfigException(
                        key
                                + ": '"
                                + topic
                                + "' is not a valid Kafka topic name (1 to 249 characters of"
                                + " letters, digits, '.', '_', '-'); name a valid topic or remove "
                                + key);
            }
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new ConfigException(
                        key
                                + " is set but kafka.bootstrap-servers is not: give the brokers,"
                                + " e.g. --set kafka.bootstrap-servers=broker1:9092,broker2:9092,"
                                + " or remove "
                                + key);
            }
        }
    }
}
