package io.dbtransfer.outputs;

import io.dbtransfer.model.ConfigException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks the Kafka outputs before the job starts: brokers reachable, topics present, and (for
 * exactly-once) the transaction timeout within the brokers' {@code transaction.max.timeout.ms}.
 * Every problem becomes a {@link ConfigException} that names the setting and the fix.
 */
public final class KafkaProbe {

    /** Default time the checks may take, unless {@code default.api.timeout.ms} is passed. */
    static final long DEFAULT_TIMEOUT_MS = 30_000;

    private KafkaProbe() {}

    public static void check(KafkaSettings settings) {
        Properties props = settings.clientProperties();
        long timeoutMs =
                Long.parseLong(
                        props.getProperty(
                                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                                Long.toString(DEFAULT_TIMEOUT_MS)));
        props.putIfAbsent(
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                Long.toString(Math.min(timeoutMs, DEFAULT_TIMEOUT_MS)));
        props.putIfAbsent(
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
        props.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, "dbtransfer-kafka-probe");
        List<String> topics = new ArrayList<>();
        for (String t :
                new String[] {
                    settings.changelogTopic, settings.deadLetterTopic, settings.mismatchTopic
                }) {
            if (t != null && !topics.contains(t)) {
                topics.add(t);
            }
        }
        try (Admin admin = Admin.create(props)) {
            Collection<Node> nodes =
                    get(
                            admin.describeCluster().nodes(),
                            timeoutMs,
                            settings,
                            "reach the Kafka brokers");
            Map<String, TopicDescription> described;
            try {
                described =
                        admin.describeTopics(topics)
                                .allTopicNames()
                                .get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    throw new ConfigException(
                            "Kafka topic missing: one of "
                                    + topics
                                    + " does not exist on "
                                    + settings.bootstrapServers
                                    + " ("
                                    + e.getCause().getMessage()
                                    + "); create it (kafka-topics.sh --create --topic NAME"
                                    + " --partitions N) or correct kafka.*-topic");
                }
                throw failure(e.getCause(), settings, "describe the topics " + topics);
            } catch (TimeoutException e) {
                throw failure(e, settings, "describe the topics " + topics);
            }
            if (described.size() < topics.size()) {
                throw new ConfigException("Kafka topics missing: " + topics);
            }
            if (settings.exactlyOnce && !nodes.isEmpty()) {
                checkTransactionTimeout(admin, nodes.iterator().next(), settings, timeoutMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("Interrupted while checking Kafka", e);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw failure(e, settings, "create a Kafka client");
        }
    }

    private static void checkTransactionTimeout(
            Admin admin, Node node, KafkaSettings settings, long timeoutMs)
            throws InterruptedException {
        ConfigResource broker =
                new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(node.id()));
        Map<ConfigResource, Config> configs =
                get(
                        admin.describeConfigs(List.of(broker)).all(),
                        timeoutMs,
                        settings,
                        "read the broker configuration");
        ConfigEntry max = configs.get(broker).get("transaction.max.timeout.ms");
        if (max == null || max.value() == null) {
            return;
        }
        long limit = Long.parseLong(max.value());
        long wanted = settings.transactionTimeout.toMillis();
        if (wanted > limit) {
            throw new ConfigException(
                    "kafka.transaction-timeout ("
                            + wanted
                            + " ms) exceeds the brokers' transaction.max.timeout.ms ("
                            + limit
                            + " ms): the producers could not start a transaction. Lower"
                            + " kafka.transaction-timeout, or raise transaction.max.timeout.ms"
                            + " on the brokers");
        }
    }

    private static <T> T get(
            org.apache.kafka.common.KafkaFuture<T> future,
            long timeoutMs,
            KafkaSettings settings,
            String what)
            throws InterruptedException {
        try {
            return future.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw failure(e.getCause(), settings, what);
        } catch (TimeoutException e) {
            throw failure(e, settings, what);
        }
    }

    private static ConfigException failure(Throwable cause, KafkaSettings settings, String what) {
        return new ConfigException(
                "Kafka: could not "
                        + what
                        + " at kafka.bootstrap-servers="
                        + settings.bootstrapServers
                        + " ("
                        + cause.getClass().getSimpleName()
                        + ": "
                        + cause.getMessage()
                        + "); check the address, that the brokers run, and the client"
                        + " properties (security.protocol, SASL, TLS) in kafka.properties.*",
                cause);
    }
}
