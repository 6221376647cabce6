package io.dbtransfer.outputs;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.MismatchRecord;
import io.dbtransfer.model.RowChange;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.flink.util.function.SerializableFunction;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Attaches the optional Kafka topics to the job's streams: the changelog (the rows the MySQL change
 * sink receives), the dead letters (the normalizer's side output) and the mismatches.
 *
 * <p>{@link #prepare} checks the brokers before anything else happens; the sink factories give one
 * {@link KafkaSink} per configured topic, which {@code MigrationPipeline} wires.
 */
public final class KafkaOutputs {

    private final KafkaSettings settings;
    private final Mapping mapping;

    private KafkaOutputs(KafkaSettings settings, Mapping mapping) {
        this.settings = settings;
        this.mapping = mapping;
    }

    /** Reads the settings and, when a topic is configured, checks the brokers and topics. */
    public static KafkaOutputs prepare(JobConfig config) {
        KafkaSettings settings = KafkaSettings.from(config);
        if (settings.enabled()) {
            KafkaProbe.check(settings);
        }
        return new KafkaOutputs(settings, config.mapping());
    }

    /** The dead-letter topic's sink, or {@code null} when none is configured. */
    public KafkaSink<DeadLetter> deadLetterSink() {
        return settings.deadLetterTopic == null
                ? null
                : sink(
                        settings.deadLetterTopic,
                        (DeadLetter d) -> KafkaJson.messageKey(d.collection, d.key),
                        KafkaJson::deadLetter);
    }

    /** The changelog topic's sink, or {@code null} when none is configured. */
    public KafkaSink<RowChange> changelogSink() {
        if (settings.changelogTopic == null) {
            return null;
        }
        KafkaJson json = new KafkaJson(mapping);
        return sink(
                settings.changelogTopic,
                (RowChange c) -> KafkaJson.messageKey(c.collection, c.key),
                json::changelog);
    }

    /** The mismatch topic's sink, or {@code null} when none is configured. */
    public KafkaSink<MismatchRecord> mismatchSink() {
        return settings.mismatchTopic == null
                ? null
                : sink(
                        settings.mismatchTopic,
                        (MismatchRecord m) -> KafkaJson.messageKey(m.collection, m.key),
                        KafkaJson::mismatch);
    }

    private <T> KafkaSink<T> sink(
            String topic,
            SerializableFunction<T, byte[]> key,
            SerializableFunction<T, byte[]> value) {
        KafkaSinkBuilder<T> builder =
                KafkaSink.<T>builder()
                        .setKafkaProducerConfig(settings.clientProperties())
                        .setBootstrapServers(settings.bootstrapServers)
                        .setRecordSerializer(new JsonRecords<>(topic, key, value));
        if (settings.exactlyOnce) {
            builder.setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                    .setTransactionalIdPrefix(settings.transactionalIdPrefix(topic))
                    .setProperty(
                            ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                            Long.toString(settings.transactionTimeout.toMillis()));
        } else {
            builder.setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE);
        }
        return builder.build();
    }

    /** Serializes one record as a keyed JSON message of one topic. */
    private static final class JsonRecords<T> implements KafkaRecordSerializationSchema<T> {
        private static final long serialVersionUID = 1L;

        private final String topic;
        private final SerializableFunction<T, byte[]> key;
        private final SerializableFunction<T, byte[]> value;

        JsonRecords(
                String topic,
                SerializableFunction<T, byte[]> key,
                SerializableFunction<T, byte[]> value) {
            this.topic = topic;
            this.key = key;
            this.value = value;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                T element, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, null, key.apply(element), value.apply(element));
        }
    }
}
