package io.dbtransfer.testing;

import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The Kafka every test of this JVM shares: the brokers named by {@code DBTRANSFER_KAFKA_BOOTSTRAP}
 * if set, else one in-process KRaft broker ({@code KafkaClusterTestKit}, combined broker and
 * controller) started on first use and stopped at JVM exit.
 */
public final class TestKafka {

    /** Environment variable with the bootstrap servers of a real Kafka to test against. */
    public static final String BOOTSTRAP_VARIABLE = "DBTRANSFER_KAFKA_BOOTSTRAP";

    /** The broker's transaction.max.timeout.ms (Kafka's default). */
    public static final long TRANSACTION_MAX_TIMEOUT_MS = 900_000;

    private static final AtomicInteger TOPICS = new AtomicInteger();
    private static KafkaClusterTestKit cluster;
    private static String bootstrap;

    private TestKafka() {}

    /** {@code host:port} of the broker. */
    public static synchronized String bootstrapServers() {
        if (bootstrap == null) {
            String external = System.getenv(BOOTSTRAP_VARIABLE);
            if (external != null && !external.isBlank()) {
                bootstrap = external.trim();
            } else {
                bootstrap = startEmbedded();
            }
        }
        return bootstrap;
    }

    private static String startEmbedded() {
        try {
            KafkaClusterTestKit c =
                    new KafkaClusterTestKit.Builder(
                                    new TestKitNodes.Builder()
                                            .setCombined(true)
                                            .setNumBrokerNodes(1)
                                            .setNumControllerNodes(1)
                                            .build())
                            .setConfigProp("offsets.topic.replication.factor", "1")
                            .setConfigProp("offsets.topic.num.partitions", "1")
                            .setConfigProp("transaction.state.log.replication.factor", "1")
                            .setConfigProp("transaction.state.log.min.isr", "1")
                            .setConfigProp("transaction.state.log.num.partitions", "4")
                            .setConfigProp(
                                    "transaction.max.timeout.ms",
                                    Long.toString(TRANSACTION_MAX_TIMEOUT_MS))
                            .setConfigProp("group.initial.rebalance.delay.ms", "0")
                            .setConfigProp("auto.create.topics.enable", "false")
                            .setConfigProp("num.partitions", "3")
                            .build();
            c.format();
            c.startup();
            c.waitForReadyBrokers();
            cluster = c;
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(TestKafka::shutDown, "test-kafka-shutdown"));
            return c.bootstrapServers();
        } catch (Exception e) {
            throw new IllegalStateException("Could not start the in-process Kafka broker", e);
        }
    }

    /** Creates a topic with a name no other call returns. */
    public static String newTopic(String prefix, int partitions) {
        String name = prefix + "-" + TOPICS.incrementAndGet() + "-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("Could not create topic " + name, e);
        }
        return name;
    }

    /** A consumer that reads only committed transactions, from the beginning. */
    public static KafkaConsumer<byte[], byte[]> readCommitted() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /**
     * Every committed record of a topic, read with {@code read_committed} from the beginning up to
     * the current end (the last stable offset of each partition).
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = readCommitted()) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TestDurations.SHORT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("Could not read " + topic + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    private static synchronized void shutDown() {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (Exception e) {
                // JVM exit: nothing left to do.
            }
        }
    }
}
