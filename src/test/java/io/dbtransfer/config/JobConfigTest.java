package io.dbtransfer.config;

import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.DeliveryGuarantee;
import io.dbtransfer.model.Redact;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Job file loading and validation: every bad value names its setting. */
class JobConfigTest {

    private static final String BASE =
            "mongo:\n  uri: mongodb://localhost:27017/?replicaSet=rs0\n  database: shop\n"
                    + "mysql.url: jdbc:mysql://localhost:3306/shop\n";

    private static JobConfig load(Path dir, String yaml, Map<String, String> overrides)
            throws Exception {
        Path f = dir.resolve("job.yaml");
        Files.writeString(f, yaml);
        return JobConfig.load(f, overrides);
    }

    @Test
    void readsSettingsAndMapping(@TempDir Path dir) throws Exception {
        JobConfig c =
                load(
                        dir,
                        BASE
                                + "sink:\n  delivery-guarantee: idempotent\n  batch-size: 500\n"
                                + "collections:\n  reviews:\n    table: product_reviews\n    key-type: CHAR(24)\n"
                                + "    columns:\n      stars: {path: rating.stars, type: INT}\n      title: TEXT\n",
                        Map.of());
        assertThat(c.get(JobOptions.SINK_DELIVERY)).isEqualTo(DeliveryGuarantee.IDEMPOTENT);
        assertThat(c.get(JobOptions.SINK_BATCH_SIZE)).isEqualTo(500);
        assertThat(c.collections()).containsExactly("reviews");
        TableSpec t = c.mapping().tableFor("reviews");
        assertThat(t.name).isEqualTo("product_reviews");
        assertThat(t.columns)
                .extracting(col -> col.name)
                .containsExactly("_id", "stars", "title", "_extra");
        assertThat(t.columns.get(0).type).isEqualTo(ColumnType.fixedChar(24));
        assertThat(t.columns.get(1).sourcePath).isEqualTo("rating.stars");
    }

    @Test
    void overridesWin(@TempDir Path dir) throws Exception {
        JobConfig c =
                load(
                        dir,
                        BASE + "collections: [a, b]\n",
                        Map.of("sink.batch-size", "7", "mongo.database", "other"));
        assertThat(c.get(JobOptions.SINK_BATCH_SIZE)).isEqualTo(7);
        assertThat(c.get(JobOptions.MONGO_DATABASE)).isEqualTo("other");
        assertThat(c.collections()).containsExactly("a", "b");
    }

    @Test
    void listedCollectionsWithoutMappingGetTheDefaultTable(@TempDir Path dir) throws Exception {
        JobConfig c = load(dir, BASE, Map.of("mongo.collections", "orders;users"));
        assertThat(c.collections()).containsExactly("orders", "users");
        assertThat(c.mapping().tableFor("users").columns)
                .extracting(col -> col.name)
                .containsExactly("_id", "_extra");
    }

    @Test
    void sourceParallelismIsOptionalPositiveAndWithinTheMaxParallelism(@TempDir Path dir)
            throws Exception {
        JobConfig unset = load(dir, BASE + "collections: [a]\n", Map.of());
        assertThat(unset.options().getOptional(JobOptions.SOURCE_PARALLELISM)).isEmpty();
        JobConfig four = load(dir, BASE + "collections: [a]\nsource.parallelism: 4\n", Map.of());
        assertThat(four.get(JobOptions.SOURCE_PARALLELISM)).isEqualTo(4);
        assertThatThrownBy(
                        () ->
                                load(
                                        dir,
                                        BASE + "collections: [a]\nsource.parallelism: 0\n",
                                        Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.parallelism must be at least 1");
        assertThatThrownBy(
                        () ->
                                load(
                                        dir,
                                        BASE
                                                + "collections: [a]\njob.max-parallelism: 8\n"
                                                + "source.parallelism: 9\n",
                                        Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.parallelism: 9 is above job.max-parallelism (8)");
    }

    @Test
    void badValuesNameTheSetting(@TempDir Path dir) {
        assertThatThrownBy(
                        () ->
                                load(
                                        dir,
                                        BASE + "collections: [a]\nsink.batch-size: lots\n",
                                        Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sink.batch-size")
                .hasMessageContaining("lots");
        assertThatThrownBy(
                        () -> load(dir, BASE + "collections: [a]\nsink.batch-size: 0\n", Map.of()))
                .hasMessageContaining("sink.batch-size must be at least 1");
        assertThatThrownBy(
                        () ->
                                load(
                                        dir,
                                        BASE + "collections: [a]\nsink.delivery-guarantee: maybe\n",
                                        Map.of()))
                .hasMessageContaining("sink.delivery-guarantee");
        assertThatThrownBy(
                        () -> load(dir, BASE + "collections: [a]\nsink.batchsize: 3\n", Map.of()))
                .hasMessageContaining("Unknown setting 'sink.batchsize'");
        assertThatThrownBy(
                        () ->
                                load(
                                        dir,
                                        BASE
                                                + "collections:\n  a:\n    columns:\n      x: FLOAT8\n",
                                        Map.of()))
                .hasMessageContaining("collections.a.columns.x.type")
                .hasMessageContaining("Unknown column type 'FLOAT8'");
        assertThatThrownBy(
                        () ->
                                load(
                                        dir,
                                        "mongo.database: d\nmysql.url: jdbc:mysql://h/d\ncollections: [a]\n",
                                        Map.of()))
                .hasMessageContaining("mongo.uri is not set");
        assertThatThrownBy(
                        () ->
                                load(
                                        dir,
                                        BASE + "collections: [a]\nmysql.url: postgres://x\n",
                                        Map.of()))
                .hasMessageContaining("mysql.url must be a JDBC URL");
        assertThatThrownBy(() -> load(dir, BASE, Map.of()))
                .hasMessageContaining("No collection to migrate");
        assertThatThrownBy(() -> load(dir, BASE + "collections: [a\n", Map.of()))
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void secretsAreRedacted(@TempDir Path dir) throws Exception {
        JobConfig c =
                load(
                        dir,
                        "mongo:\n  uri: mongodb://u:s3cret@h:1/?replicaSet=rs0\n  database: d\n"
                                + "mysql:\n  url: jdbc:mysql://h/d?password=s3cret\n  password: s3cret\ncollections: [a]\n",
                        Map.of());
        assertThat(c.redactedSettings().toString()).doesNotContain("s3cret");
        assertThat(Redact.uri("mongodb://u:p%40ss@h:1/db")).isEqualTo("mongodb://u:******@h:1/db");
    }

    @Test
    void kafkaDeliveryIsParsedHere(@TempDir Path dir) throws Exception {
        // The kafka.* settings are checked by outputs.KafkaSettings (KafkaSettingsTest).
        String yaml = BASE + "collections: [a]\n";
        assertThatThrownBy(() -> load(dir, yaml, Map.of("kafka.delivery", "twice")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "kafka.delivery: 'twice' is not valid; use one of"
                                + " exactly-once, at-least-once");
        JobConfig ok =
                load(
                        dir,
                        yaml,
                        Map.of(
                                "kafka.bootstrap-servers", "b:9092",
                                "kafka.changelog-topic", "c",
                                "kafka.delivery", "at-least-once",
                                "kafka.transaction-timeout", "2 s"));
        assertThat(ok.get(JobOptions.KAFKA_DELIVERY))
                .isEqualTo(org.apache.flink.connector.base.DeliveryGuarantee.AT_LEAST_ONCE);
    }

    @Test
    void kafkaClientPropertiesPassThroughWithTheFileUnderneathAndSecretsMasked(@TempDir Path dir)
            throws Exception {
        Path secret = dir.resolve("client.properties");
        Files.writeString(
                secret,
                "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule"
                        + " required username=\"u\" password=\"s3cret\";\n"
                        + "security.protocol=SASL_PLAINTEXT\n");
        JobConfig c =
                load(
                        dir,
                        BASE
                                + "collections: [a]\n"
                                + "kafka:\n  properties:\n    security.protocol: SASL_SSL\n"
                                + "    sasl.mechanism: PLAIN\n"
                                + "    ssl.truststore.password: changeit\n"
                                + "  properties-file: "
                                + secret
                                + "\n",
                        Map.of());
        assertThat(c.kafkaProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("ssl.truststore.password", "changeit")
                .containsKey("sasl.jaas.config");
        assertThat(c.kafkaProperties().get("sasl.jaas.config")).contains("s3cret");
        assertThat(c.redactedSettings().toString())
                .doesNotContain("changeit")
                .contains("kafka.properties.sasl.mechanism=PLAIN");
        // A placeholder without its environment variable is refused, naming the variable.
        assertThatThrownBy(
                        () ->
                                load(
                                        dir,
                                        BASE
                                                + "collections: [a]\n"
                                                + "kafka.properties.sasl.jaas.config: 'x"
                                                + " password=\"${DBTRANSFER_KAFKA_PASSWORD}\";'\n",
                                        Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("DBTRANSFER_KAFKA_PASSWORD")
                .hasMessageContaining("sasl.jaas.config");
        assertThatThrownBy(
                        () ->
                                load(
                                        dir,
                                        BASE + "collections: [a]\n",
                                        Map.of("kafka.properties-file", dir + "/missing")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.properties-file: cannot read");
    }

    @Test
    void theTargetTypeFollowsTheUrlAndMustAgreeWithIt(@TempDir Path dir) throws Exception {
        assertThat(load(dir, BASE + "collections: [a]\n", Map.of()).targetType())
                .isEqualTo(io.dbtransfer.model.TargetType.MYSQL);
        Map<String, String> pg =
                Map.of(
                        "mysql.url", "jdbc:postgresql://localhost:5432/shop",
                        "reconcile.enabled", "false");
        assertThat(load(dir, BASE + "collections: [a]\n", pg).targetType())
                .isEqualTo(io.dbtransfer.model.TargetType.POSTGRESQL);
        Map<String, String> named = new java.util.HashMap<>(pg);
        named.put("target.type", "postgresql");
        assertThat(load(dir, BASE + "collections: [a]\n", named).targetType())
                .isEqualTo(io.dbtransfer.model.TargetType.POSTGRESQL);
        assertThatThrownBy(
                        () ->
                                load(
                                        dir,
                                        BASE + "collections: [a]\n",
                                        Map.of("target.type", "postgresql")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("target.type is postgresql but mysql.url")
                .hasMessageContaining("names a mysql server");
        assertThatThrownBy(
                        () -> load(dir, BASE + "collections: [a]\n", Map.of("target.type", "db2")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("target.type: 'db2' is not a target type");
        // Reconciliation runs on PostgreSQL too (its default, enabled, is accepted).
        JobConfig reconciled =
                load(
                        dir,
                        BASE + "collections: [a]\n",
                        Map.of(
                                "mysql.url",
                                "jdbc:postgresql://h/shop",
                                "reconcile.repair",
                                "true"));
        assertThat(reconciled.targetType()).isEqualTo(io.dbtransfer.model.TargetType.POSTGRESQL);
        assertThat(reconciled.get(io.dbtransfer.config.JobOptions.RECONCILE_ENABLED)).isTrue();
        // Idempotent delivery works on PostgreSQL (the rows of deleted documents it once left were
        // the first read of a re-read snapshot chunk, now held until its checkpoint completed).
        Map<String, String> idempotent = new java.util.HashMap<>(pg);
        idempotent.put("sink.delivery-guarantee", "idempotent");
        assertThat(load(dir, BASE + "collections: [a]\n", idempotent).get(JobOptions.SINK_DELIVERY))
                .isEqualTo(DeliveryGuarantee.IDEMPOTENT);
    }
}
