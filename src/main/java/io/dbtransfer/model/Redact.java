package io.dbtransfer.model;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The one place that removes secrets before they reach a message, a log or a printed configuration:
 * settings named in {@link #SECRET_SETTINGS} (and Kafka client properties named in {@link
 * #SECRET_KAFKA_PROPERTIES}) are masked whole, every other value has the passwords of the
 * connection strings in it masked.
 */
public final class Redact {
    /** What a masked value is shown as. */
    public static final String MASK = "******";

    /**
     * Job settings ({@code JobOptions} keys) whose value is a secret. {@code RedactTest} keeps the
     * list complete: every option whose key ends in a secret-sounding word must be here or be named
     * as not secret there.
     */
    public static final Set<String> SECRET_SETTINGS = Set.of("mysql.password");

    /**
     * Kafka client properties (passed through as {@code kafka.properties.<name>}) whose value is a
     * secret: every property the Kafka clients declare with type PASSWORD ({@code RedactTest}
     * checks the list against the producer, consumer and admin client definitions), plus the
     * secrets of newer clients and of the schema registry.
     */
    public static final Set<String> SECRET_KAFKA_PROPERTIES =
            Set.of(
                    "sasl.jaas.config",
                    "ssl.key.password",
                    "ssl.keystore.password",
                    "ssl.keystore.key",
                    "ssl.keystore.certificate.chain",
                    "ssl.truststore.password",
                    "ssl.truststore.certificates",
                    "sasl.oauthbearer.client.credentials.client.secret",
                    "sasl.oauthbearer.assertion.private.key.passphrase",
                    "basic.auth.user.info");

    /**
     * Last words of a property name that mark a secret the lists above do not know yet (a Kafka
     * property of a newer client or a plug-in); such values are masked too.
     */
    private static final Pattern SECRET_NAME =
            Pattern.compile(
                    "(?i).*(password|passwd|passphrase|secret|jaas\\.config|credentials?"
                            + "|token|private\\.key|user\\.info|api\\.key)$");

    private static final Pattern USERINFO_PASSWORD = Pattern.compile("(://[^:/@]+:)[^@/]*@");
    private static final Pattern PASSWORD_PARAM =
            Pattern.compile("((?i)password|pwd|secret)=[^&;]*");

    /** The prefix of pass-through Kafka client properties ({@code JobConfig}'s). */
    public static final String KAFKA_PROPERTIES_PREFIX = "kafka.properties.";

    private Redact() {}

    /** The URI with any password replaced by {@value #MASK}. */
    public static String uri(String uri) {
        if (uri == null) {
            return null;
        }
        String out = USERINFO_PASSWORD.matcher(uri).replaceAll("$1" + MASK + "@");
        return PASSWORD_PARAM.matcher(out).replaceAll("$1=" + MASK);
    }

    /** Whether the value of this setting (or {@code kafka.properties.<name>}) is a secret. */
    public static boolean isSecret(String key) {
        if (SECRET_SETTINGS.contains(key)) {
            return true;
        }
        String kafka = KAFKA_PROPERTIES_PREFIX;
        if (key.startsWith(kafka)) {
            String name = key.substring(kafka.length());
            return SECRET_KAFKA_PROPERTIES.contains(name) || SECRET_NAME.matcher(name).matches();
        }
        return false;
    }

    /** A setting's value as it may be shown: masked whole if secret, else its URIs redacted. */
    public static String setting(String key, String value) {
        return isSecret(key) ? MASK : uri(value);
    }

    /** Settings as they may be shown, sorted by key. */
    public static Map<String, String> settings(Map<String, String> settings) {
        Map<String, String> out = new TreeMap<>();
        settings.forEach((k, v) -> out.put(k, setting(k, v)));
        return out;
    }
}
