package io.dbtransfer.config;

import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.Redact;

import org.apache.flink.configuration.ConfigOption;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The list of secret settings stays complete, and no secret value reaches printed output. */
class RedactTest {

    /** Last words of a key that suggest a secret. */
    private static final Pattern SECRET_SOUNDING =
            Pattern.compile(
                    "(?i).*(password|passwd|passphrase|secret|jaas|token|credentials?|key"
                            + "|user-info|private)([-.]file)?$");

    /** Options whose key sounds secret but whose value is not, each with the reason. */
    private static final Map<String, String> NOT_SECRET =
            Map.of(
                    JobOptions.MYSQL_PASSWORD_FILE.key(), "a path; the file holds the secret",
                    JobOptions.MONGO_PASSWORD_FILE.key(), "a path; the file holds the secret");

    @Test
    void everySecretSoundingSettingIsInTheListOrExplained() {
        List<String> missing = new ArrayList<>();
        for (ConfigOption<?> option : JobOptions.ALL) {
            String key = option.key();
            if (SECRET_SOUNDING.matcher(key).matches()
                    && !Redact.SECRET_SETTINGS.contains(key)
                    && !NOT_SECRET.containsKey(key)) {
                missing.add(key);
            }
        }
        assertThat(missing)
                .as("settings that look secret: add them to Redact.SECRET_SETTINGS or NOT_SECRET")
                .isEmpty();
        Set<String> known = new TreeSet<>();
        JobOptions.ALL.forEach(o -> known.add(o.key()));
        assertThat(known).containsAll(Redact.SECRET_SETTINGS).containsAll(NOT_SECRET.keySet());
    }

    @Test
    void everyKafkaPasswordPropertyIsInTheList() {
        Set<String> passwords = new TreeSet<>();
        for (ConfigDef def :
                List.of(
                        ProducerConfig.configDef(),
                        ConsumerConfig.configDef(),
                        AdminClientConfig.configDef())) {
            def.configKeys()
                    .forEach(
                            (name, key) -> {
                                if (key.type == ConfigDef.Type.PASSWORD) {
                                    passwords.add(name);
                                }
                            });
        }
        assertThat(passwords).as("the Kafka clients declare password properties").isNotEmpty();
        assertThat(Redact.SECRET_KAFKA_PROPERTIES).containsAll(passwords);
        for (String name : passwords) {
            assertThat(Redact.isSecret(JobConfig.KAFKA_PROPERTIES_PREFIX + name)).as(name).isTrue();
        }
    }

    @Test
    void secretsUnknownToTheListAreMaskedByTheirLastWordAndOrdinaryOnesAreNot() {
        for (String name :
                List.of(
                        "sasl.oauthbearer.client.credentials.client.secret",
                        "some.plugin.client.secret",
                        "some.plugin.api.key",
                        "some.plugin.token",
                        "ssl.truststore.password")) {
            assertThat(Redact.isSecret("kafka.properties." + name)).as(name).isTrue();
        }
        for (String name :
                List.of("security.protocol", "sasl.mechanism", "ssl.truststore.location")) {
            assertThat(Redact.isSecret("kafka.properties." + name)).as(name).isFalse();
        }
        assertThat(Redact.isSecret("mysql.password")).isTrue();
        assertThat(Redact.isSecret("mysql.password-file")).isFalse();
        assertThat(Redact.isSecret("mongo.uri")).isFalse();
    }

    @Test
    void uriPasswordsAreMaskedInEveryForm() {
        assertThat(Redact.uri("mongodb://u:p%40ss@h:1/db")).isEqualTo("mongodb://u:******@h:1/db");
        assertThat(Redact.uri("jdbc:mysql://h:3306/d?user=u&password=pw1&sslMode=REQUIRED"))
                .isEqualTo("jdbc:mysql://h:3306/d?user=u&password=******&sslMode=REQUIRED");
        assertThat(Redact.uri("jdbc:mysql://h/d?trustCertificateKeyStorePassword=pw2"))
                .doesNotContain("pw2");
        assertThat(Redact.uri("jdbc:mariadb://u:pw3@h/d")).doesNotContain("pw3");
    }

    /**
     * Every secret a job file can hold, each a distinct value; none appears in the printed settings
     * nor in the error messages of settings that are refused.
     */
    @Test
    void noSecretValueAppearsInPrintedSettingsOrErrors(@TempDir Path dir) throws Exception {
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("mysql.password", "s3-mysql-setting");
        for (String name : Redact.SECRET_KAFKA_PROPERTIES) {
            secrets.put("kafka.properties." + name, "s3-kafka-" + name.replace('.', '-'));
        }
        secrets.put("kafka.properties.sasl.oauthbearer.client.credentials.client.secret", "s3-oa");
        Map<String, String> overrides = new LinkedHashMap<>(secrets);
        overrides.put("mongo.uri", "mongodb://u:s3-mongo-uri@h:27017/?replicaSet=rs0");
        overrides.put("mongo.database", "shop");
        overrides.put("mysql.url", "jdbc:mysql://h:3306/shop?password=s3-mysql-url");
        overrides.put("mongo.collections", "a");
        JobConfig c = JobConfig.load(null, overrides);
        String printed = c.redactedSettings().toString();
        List<String> values = new ArrayList<>(secrets.values());
        values.addAll(List.of("s3-mongo-uri", "s3-mysql-url"));
        for (String v : values) {
            assertThat(printed).as("printed settings").doesNotContain(v);
        }
        assertThat(printed).contains("kafka.properties.sasl.jaas.config=" + Redact.MASK);

        // Refused settings name the setting, never the secret in them.
        Map<String, String> badMongo = new LinkedHashMap<>(overrides);
        badMongo.put("mongo.uri", "mongo://u:s3-mongo-uri@h:27017/");
        assertThatThrownBy(() -> JobConfig.load(null, badMongo))
                .hasMessageContaining("mongo.uri")
                .hasMessageNotContaining("s3-mongo-uri");
        Map<String, String> badMySql = new LinkedHashMap<>(overrides);
        badMySql.put("mysql.url", "mysql://u:s3-mysql-url@h/d?password=s3-mysql-url");
        assertThatThrownBy(() -> JobConfig.load(null, badMySql))
                .hasMessageContaining("mysql.url")
                .hasMessageNotContaining("s3-mysql-url");
        Path wrong = dir.resolve("missing-password");
        Map<String, String> missingFile = new LinkedHashMap<>(overrides);
        missingFile.put("mongo.password-file", wrong.toString());
        assertThatThrownBy(() -> JobConfig.load(null, missingFile).mongoPassword())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mongo.password-file: '" + wrong + "' does not exist");
    }

    @Test
    void mongoPasswordFileGivesTheFirstLineAndNamesTheSettingWhenUnreadable(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("mongo-password");
        Files.writeString(file, "  pw-from-file \nsecond line\n");
        Map<String, String> base = new LinkedHashMap<>();
        base.put("mongo.uri", "mongodb://u@h:27017/?replicaSet=rs0");
        base.put("mongo.database", "shop");
        base.put("mysql.url", "jdbc:mysql://h:3306/shop");
        base.put("mongo.collections", "a");
        base.put("mongo.password-file", file.toString());
        JobConfig c = JobConfig.load(null, base);
        if (System.getenv(JobConfig.MONGO_PASSWORD_ENV) == null) {
            assertThat(c.mongoPassword()).isEqualTo("pw-from-file");
        }
        base.put("mongo.password-file", dir.toString());
        assertThatThrownBy(() -> JobConfig.load(null, base).mongoPassword())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mongo.password-file: '" + dir + "' is not a file");
        base.remove("mongo.password-file");
        if (System.getenv(JobConfig.MONGO_PASSWORD_ENV) == null) {
            assertThat(JobConfig.load(null, base).mongoPassword()).isNull();
        }
    }
}
