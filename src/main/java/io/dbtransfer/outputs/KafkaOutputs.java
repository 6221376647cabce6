package io.dbtransfer.outputs;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.pipeline.OperatorUids;
import io.dbtransfer.pipeline.PipelineSinks;
import io.dbtransfer.reconcile.MismatchRecord;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.function.SerializableFunction;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Attaches the optional Kafka topics to the job's streams: the changelog (the rows the MySQL change
 * sink receives), the dead letters (the normalizer's side output) and the mismatches.
 *
 * <p>{@link #prepare} checks the brokers before anything else happens; {@link #withDeadLetterTopic}
 * and {@link #attach} add one {@link KafkaSink} per configured topic, each with a permanent uid
 * from {@link OperatorUids}.
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

    /**
     * The pipeline's sinks plus the dead-letter topic, when configured: {@code
     * MigrationPipeline.define} attaches it to the normalizer's dead-letter side output (which the
     * stream it returns no longer carries when reconciliation sits between normalize and the sink).
     */
    public PipelineSinks withDeadLetterTopic(PipelineSinks sinks) {
        if (settings.deadLetterTopic == null) {
            return sinks;
        }
        return sinks.withDeadLetterTopic(
                sink(
                        settings.deadLetterTopic,
                        (DeadLetter d) -> KafkaJson.messageKey(d.collection, d.key),
                        KafkaJson::deadLetter));
    }

    /**
     * Adds the changelog and mismatch topics' sinks. {@code rows} is what {@code
     * MigrationPipeline.define} returns (what the MySQL change sink receives); {@code mismatches}
     * may be null when reconciliation is off.
     */
    public void attach(
            SingleOutputStreamOperator<RowChange> rows, DataStream<MismatchRecord> mismatches) {
        if (settings.changelogTopic != null) {
            KafkaJson json = new KafkaJson(mapping);
            rows.sinkTo(
                            sink(
                                    settings.changelogTopic,
                                    (RowChange c) -> KafkaJson.messageKey(c.collection, c.key),
                                    json::changelog))
                    .uid(OperatorUids.KAFKA_CHANGELOG_SINK)
                    .name(OperatorUids.KAFKA_CHANGELOG_SINK_NAME);
        }
        if (settings.mismatchTopic != null) {
            if (mismatches == null) {
                throw new IllegalStateException(
                        "kafka.mismatch-topic is set but there is no mismatch stream");
            }
            mismatches
                    .sinkTo(
                            sink(
                                    settings.mismatchTopic,
                                    (MismatchRecord m) -> KafkaJson.messageKey(m.collection, m.key),
                                    KafkaJson::mismatch))
                    .uid(OperatorUids.KAFKA_MISMATCH_SINK)
                    .name(OperatorUids.KAFKA_MISMATCH_SINK_NAME);
        }
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
