package io.dbtransfer.config;

import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.MappingParser;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.DeliveryGuarantee;
import io.dbtransfer.model.MismatchPolicy;
import io.dbtransfer.model.Redact;
import io.dbtransfer.model.TargetType;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A validated job configuration: the settings of {@link JobOptions} plus the collection → table
 * mapping, loaded from a job YAML file and command-line overrides.
 *
 * <p>Job file layout: every key except {@code collections} is a setting of {@link JobOptions},
 * written nested ({@code mongo: {uri: …}}) or dotted ({@code mongo.uri: …}); {@code collections}
 * maps each collection to its table:
 *
 * <pre>
 * collections:
 *   reviews:
 *     table: reviews              # default: the collection name
 *     key-type: VARCHAR(255)      # type of the _id column
 *     columns:                    # column: {path, type} or column: TYPE (path = column)
 *       product_id: {path: product.id, type: VARCHAR(32)}
 *       stars: {path: rating.stars, type: INT}
 *     extra-column: _extra        # JSON column for every other field; false = none
 * </pre>
 */
public final class JobConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Default name of the JSON column that keeps every field not mapped to a column. */
    public static final String DEFAULT_EXTRA_COLUMN = "_extra";

    /** Environment variable that supplies the MySQL password. */
    public static final String MYSQL_PASSWORD_ENV = "DBTRANSFER_MYSQL_PASSWORD";

    /** Environment variable that supplies the MongoDB password. */
    public static final String MONGO_PASSWORD_ENV = MongoConnections.PASSWORD_ENV;

    /**
     * Environment variable whose value replaces {@code ${DBTRANSFER_KAFKA_PASSWORD}} in Kafka
     * client properties.
     */
    public static final String KAFKA_PASSWORD_ENV = "DBTRANSFER_KAFKA_PASSWORD";

    /** Prefix of the Kafka client properties passed through ({@code kafka.properties.<name>}). */
    public static final String KAFKA_PROPERTIES_PREFIX = Redact.KAFKA_PROPERTIES_PREFIX;

    private final Map<String, String> settings;
    private final Mapping mapping;

    private JobConfig(Map<String, String> settings, Mapping mapping) {
        this.settings = settings;
        this.mapping = mapping;
    }

    /** The Flink configuration view of the settings. */
    public Configuration options() {
        return Configuration.fromMap(settings);
    }

    public <T> T get(ConfigOption<T> option) {
        return options().get(option);
    }

    /**
     * The target's kind: {@code target.type} when set, else from {@code mysql.url}'s scheme.
     *
     * @throws ConfigException when {@code target.type} is not a known type or disagrees with the
     *     URL
     */
    public TargetType targetType() {
        Configuration c = options();
        String url = c.get(JobOptions.MYSQL_URL);
        TargetType fromUrl;
        try {
            fromUrl = TargetType.fromJdbcUrl(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("mysql.url: " + e.getMessage());
        }
        String set = c.get(JobOptions.TARGET_TYPE);
        if (set == null || set.isBlank()) {
            return fromUrl;
        }
        TargetType chosen;
        try {
            chosen = TargetType.parse(set);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("target.type: " + e.getMessage());
        }
        if (chosen != fromUrl) {
            throw new ConfigException(
                    "target.type is "
                            + chosen.settingName()
                            + " but mysql.url ('"
                            + Redact.uri(url)
                            + "') names a "
                            + fromUrl.settingName()
                            + " server; fix one of them (or leave target.type unset: it follows"
                            + " the URL)");
        }
        return chosen;
    }

    public Mapping mapping() {
        return mapping;
    }

    public List<String> collections() {
        List<String> listed = options().get(JobOptions.MONGO_COLLECTIONS);
        return listed != null ? listed : new ArrayList<>(mapping.byCollection().keySet());
    }

    /**
     * {@code mongo.resnapshot}: collection → generation of its source (collections not listed: 0,
     * the original source).
     */
    public Map<String, Integer> resnapshots() {
        List<String> entries = options().get(JobOptions.MONGO_RESNAPSHOT);
        Map<String, Integer> out = new java.util.TreeMap<>();
        if (entries == null) {
            return out;
        }
        for (String entry : entries) {
            int colon = entry.lastIndexOf(':');
            String collection = colon < 0 ? "" : entry.substring(0, colon).trim();
            int generation = -1;
            try {
                generation = colon < 0 ? -1 : Integer.parseInt(entry.substring(colon + 1).trim());
            } catch (NumberFormatException e) {
                // reported below
            }
            if (collection.isEmpty() || generation < 1) {
                throw new ConfigException(
                        "mongo.resnapshot: '"
                                + entry
                                + "' is not COLLECTION:GENERATION with a GENERATION of 1 or more"
                                + " (e.g. 'items:1'; raise it to snapshot the collection again)");
            }
            if (!collections().contains(collection)) {
                throw new ConfigException(
                        "mongo.resnapshot names '"
                                + collection
                                + "', which is not migrated (mongo.collections: "
                                + collections()
                                + ")");
            }
            if (out.put(collection, generation) != null) {
                throw new ConfigException(
                        "mongo.resnapshot names '" + collection + "' twice; give it once");
            }
        }
        if (!out.isEmpty() && !get(JobOptions.RECONCILE_ENABLED)) {
            throw new ConfigException(
                    "mongo.resnapshot needs reconcile.enabled: true (reconcile removes the rows of"
                            + " documents deleted while the collection's stream was lost); enable"
                            + " it, or re-snapshot every collection with a fresh start and"
                            + " sink.on-fresh-start: truncate");
        }
        return out;
    }

    public MismatchPolicy mismatchPolicy() {
        String v = get(JobOptions.ON_TYPE_MISMATCH);
        switch (v) {
            case "keep-in-extra":
                return MismatchPolicy.NULL_AND_KEEP_IN_EXTRA;
            case "skip-document":
                return MismatchPolicy.SKIP_DOCUMENT;
            default:
                throw new ConfigException(
                        "normalize.on-type-mismatch: '"
                                + v
                                + "' is not valid; use keep-in-extra or skip-document");
        }
    }

    /** The MySQL password from the environment, a password file or the setting; may be null. */
    public String mysqlPassword() {
        String env = System.getenv(MYSQL_PASSWORD_ENV);
        if (env != null && !env.isEmpty()) {
            return env;
        }
        String file = options().get(JobOptions.MYSQL_PASSWORD_FILE);
        if (file != null) {
            return readPasswordFile(JobOptions.MYSQL_PASSWORD_FILE, file);
        }
        return options().get(JobOptions.MYSQL_PASSWORD);
    }

    /**
     * The MongoDB password from {@value #MONGO_PASSWORD_ENV} or {@code mongo.password-file}; null
     * when neither is given (then the one in {@code mongo.uri}, if any, is used).
     */
    public String mongoPassword() {
        String env = System.getenv(MONGO_PASSWORD_ENV);
        if (env != null && !env.isEmpty()) {
            return env;
        }
        String file = options().get(JobOptions.MONGO_PASSWORD_FILE);
        return file == null ? null : readPasswordFile(JobOptions.MONGO_PASSWORD_FILE, file);
    }

    /** The first line of a password file, stripped; a clear error naming the setting if unread. */
    private static String readPasswordFile(ConfigOption<String> option, String file) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new ConfigException(
                    option.key()
                            + ": '"
                            + file
                            + "' "
                            + (Files.exists(path) ? "is not a file" : "does not exist")
                            + "; give the path of a file whose first line is the password (on"
                            + " Kubernetes: the mount path of the secret plus its key)");
        }
        try {
            List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
            return lines.isEmpty() ? "" : lines.get(0).strip();
        } catch (IOException e) {
            throw new ConfigException(
                    option.key()
                            + ": cannot read '"
                            + file
                            + "' ("
                            + e.getClass().getSimpleName()
                            + "); check the path and its permissions (the file must be readable by"
                            + " the user running the job)");
        }
    }

    /**
     * The Kafka client properties: {@code kafka.properties-file}, overridden by {@code
     * kafka.properties.*}, with {@code ${DBTRANSFER_KAFKA_PASSWORD}} replaced from the environment.
     * Never log the result.
     */
    public Map<String, String> kafkaProperties() {
        Map<String, String> out = new TreeMap<>();
        String file = options().get(JobOptions.KAFKA_PROPERTIES_FILE);
        if (file != null) {
            java.util.Properties p = new java.util.Properties();
            try (java.io.Reader r =
                    Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigException(
                        JobOptions.KAFKA_PROPERTIES_FILE.key()
                                + ": cannot read '"
                                + file
                                + "' ("
                                + e.getClass().getSimpleName()
                                + "); check the path and its permissions");
            }
            for (String name : p.stringPropertyNames()) {
                out.put(name, p.getProperty(name));
            }
        }
        for (Map.Entry<String, String> e : settings.entrySet()) {
            if (e.getKey().startsWith(KAFKA_PROPERTIES_PREFIX)) {
                out.put(e.getKey().substring(KAFKA_PROPERTIES_PREFIX.length()), e.getValue());
            }
        }
        String placeholder = "${" + KAFKA_PASSWORD_ENV + "}";
        String password = System.getenv(KAFKA_PASSWORD_ENV);
        for (Map.Entry<String, String> e : out.entrySet()) {
            if (e.getValue().contains(placeholder)) {
                if (password == null) {
                    throw new ConfigException(
                            "Kafka client property "
                                    + e.getKey()
                                    + " refers to "
                                    + placeholder
                                    + " but the environment variable "
                                    + KAFKA_PASSWORD_ENV
                                    + " is not set");
                }
                e.setValue(e.getValue().replace(placeholder, password));
            }
        }
        return out;
    }

    /** Reads and validates a job file, then applies overrides ({@code key=value}). */
    public static JobConfig load(Path jobFile, Map<String, String> overrides) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (jobFile != null) {
            String text;
            try {
                text = Files.readString(jobFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException(
                        "--config: cannot read job file '" + jobFile + "': " + e.getMessage());
            }
            root = parseYaml(text, jobFile.toString());
        }
        return fromMap(root, overrides);
    }

    /** Builds a configuration from an already parsed job document and overrides. */
    public static JobConfig fromMap(Map<String, Object> root, Map<String, String> overrides) {
        Object collections = root.get("collections");
        Map<String, String> settings = new HashMap<>();
        for (Map.Entry<String, Object> e : root.entrySet()) {
            if (!e.getKey().equals("collections")) {
                flatten(e.getKey(), e.getValue(), settings);
            }
        }
        settings.putAll(overrides);
        validateKeys(settings);
        normalizeEnums(settings);
        Mapping mapping = withDefaultTables(parseMapping(collections), settings);
        JobConfig config = new JobConfig(settings, mapping);
        config.validate();
        return config;
    }

    private static Map<String, Object> parseYaml(String text, String source) {
        try {
            Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
            if (parsed == null) {
                return new LinkedHashMap<>();
            }
            if (!(parsed instanceof Map)) {
                throw new ConfigException(
                        "Job file '" + source + "' must be a YAML mapping of settings");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) parsed;
            return map;
        } catch (RuntimeException e) {
            if (e instanceof ConfigException) {
                throw e;
            }
            throw new ConfigException(
                    "Job file '" + source + "' is not valid YAML: " + e.getMessage(), e);
        }
    }

    private static void flatten(String prefix, Object value, Map<String, String> out) {
        if (value instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                flatten(prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (value instanceof List) {
            out.put(
                    prefix,
                    ((List<?>) value)
                            .stream().map(String::valueOf).collect(Collectors.joining(";")));
        } else if (value != null) {
            out.put(prefix, String.valueOf(value));
        }
    }

    private static void validateKeys(Map<String, String> settings) {
        Set<String> known =
                JobOptions.ALL.stream()
                        .map(ConfigOption::key)
                        .collect(Collectors.toCollection(TreeSet::new));
        for (String key : settings.keySet()) {
            if (!known.contains(key)
                    && !(key.startsWith(KAFKA_PROPERTIES_PREFIX)
                            && key.length() > KAFKA_PROPERTIES_PREFIX.length())) {
                throw new ConfigException(
                        "Unknown setting '"
                                + key
                                + "'; known settings: "
                                + String.join(", ", known));
            }
        }
    }

    private static void normalizeEnums(Map<String, String> settings) {
        normalizeEnum(settings, JobOptions.SOURCE_STARTUP_MODE, JobOptions.StartupMode.values());
        normalizeEnum(settings, JobOptions.SINK_DELIVERY, DeliveryGuarantee.values());
        normalizeEnum(settings, JobOptions.SINK_ON_FRESH_START, JobOptions.FreshStart.values());
        normalizeEnum(
                settings,
                JobOptions.KAFKA_DELIVERY,
                new Enum<?>[] {
                    org.apache.flink.connector.base.DeliveryGuarantee.EXACTLY_ONCE,
                    org.apache.flink.connector.base.DeliveryGuarantee.AT_LEAST_ONCE
                });
    }

    /** Accepts {@code exactly-once} for EXACTLY_ONCE; names the choices when a value is wrong. */
    private static void normalizeEnum(
            Map<String, String> settings, ConfigOption<?> option, Enum<?>[] constants) {
        String v = settings.get(option.key());
        if (v == null) {
            return;
        }
        String name = v.trim().replace('-', '_').toUpperCase(Locale.ROOT);
        List<String> choices = new ArrayList<>();
        for (Enum<?> c : constants) {
            if (c.name().equals(name)) {
                // Flink parses an enum option by its toString (e.g. "at-least-once").
                settings.put(option.key(), c.toString());
                return;
            }
            choices.add(c.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw new ConfigException(
                option.key()
                        + ": '"
                        + v
                        + "' is not valid; use one of "
                        + String.join(", ", choices));
    }

    private void validate() {
        Configuration c = options();
        require(c, JobOptions.MONGO_URI, "the source, e.g. --mongo-uri mongodb://host:27017");
        require(c, JobOptions.MONGO_DATABASE, "the source database, e.g. --database shop");
        require(c, JobOptions.MYSQL_URL, "the target, e.g. --mysql-url jdbc:mysql://host:3306/db");
        String uri = c.get(JobOptions.MONGO_URI);
        if (!uri.startsWith("mongodb://") && !uri.startsWith("mongodb+srv://")) {
            throw new ConfigException(
                    "mongo.uri must start with mongodb:// or mongodb+srv://; got '"
                            + Redact.uri(uri)
                            + "'");
        }
        String url = c.get(JobOptions.MYSQL_URL);
        if (!url.startsWith("jdbc:mysql://")
                && !url.startsWith("jdbc:mariadb://")
                && !url.startsWith("jdbc:postgresql://")) {
            throw new ConfigException(
                    "mysql.url must be a JDBC URL starting with jdbc:mysql:// (or jdbc:mariadb://,"
                            + " jdbc:postgresql:// for a PostgreSQL target); got '"
                            + Redact.uri(url)
                            + "'");
        }
        TargetType target = targetType();
        // Typed reads throw IllegalArgumentException on malformed values: name the setting.
        for (ConfigOption<?> option : JobOptions.ALL) {
            try {
                c.get(option);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(
                        option.key()
                                + ": '"
                                + c.toMap().get(option.key())
                                + "' is not valid ("
                                + e.getMessage()
                                + ")");
            }
        }
        positive(c, JobOptions.SINK_BATCH_SIZE);
        positive(c, JobOptions.SOURCE_SPLIT_SIZE_MB);
        positive(c, JobOptions.SOURCE_BATCH_SIZE);
        positive(c, JobOptions.SOURCE_POLL_MAX_BATCH_SIZE);
        positive(c, JobOptions.MAX_PARALLELISM);
        if (c.contains(JobOptions.SOURCE_PARALLELISM)) {
            positive(c, JobOptions.SOURCE_PARALLELISM);
            if (c.get(JobOptions.SOURCE_PARALLELISM) > c.get(JobOptions.MAX_PARALLELISM)) {
                throw new ConfigException(
                        "source.parallelism: "
                                + c.get(JobOptions.SOURCE_PARALLELISM)
                                + " is above job.max-parallelism ("
                                + c.get(JobOptions.MAX_PARALLELISM)
                                + "); lower it, or give a new job a higher max parallelism");
            }
        }
        if (c.get(JobOptions.SOURCE_STARTUP_MODE) == JobOptions.StartupMode.TIMESTAMP
                && !c.contains(JobOptions.SOURCE_STARTUP_TIMESTAMP)) {
            throw new ConfigException(
                    "source.startup-mode is 'timestamp' but source.startup-timestamp-millis is"
                            + " not set");
        }
        if (c.get(JobOptions.CHECKPOINT_INTERVAL).toMillis() <= 0) {
            throw new ConfigException(
                    "job.checkpoint-interval must be positive: the change stream only starts"
                            + " after a checkpoint and exactly-once commits at checkpoints");
        }
        mismatchPolicy();
        resnapshots();
        validateKafka();
        for (String collection : collections()) {
            if (mapping.tableFor(collection) == null) {
                throw new ConfigException(
                        "mongo.collections lists '"
                                + collection
                                + "' but 'collections:' has no mapping for it");
            }
        }
        if (collections().isEmpty()) {
            throw new ConfigException(
                    "No collection to migrate: add one under 'collections:' in the job file or"
                            + " pass --collection NAME");
        }
    }

    /**
     * Reads the Kafka client properties, so a missing properties file or password variable stops
     * the load; the {@code kafka.*} settings themselves are checked by {@code
     * outputs.KafkaSettings}, where they are built.
     */
    private void validateKafka() {
        kafkaProperties();
    }

    private static void require(Configuration c, ConfigOption<String> option, String hint) {
        String v = c.get(option);
        if (v == null || v.isBlank()) {
            throw new ConfigException(option.key() + " is not set: give " + hint);
        }
    }

    private static void positive(Configuration c, ConfigOption<Integer> option) {
        int v = c.get(option);
        if (v <= 0) {
            throw new ConfigException(option.key() + " must be at least 1; got " + v);
        }
    }

    /** Parses the {@code collections:} section into a mapping. */
    public static Mapping parseMapping(Object collections) {
        Map<String, TableSpec> tables = new LinkedHashMap<>();
        if (collections == null) {
            return new Mapping(tables);
        }
        if (collections instanceof List) {
            for (Object name : (List<?>) collections) {
                tables.put(String.valueOf(name), defaultTable(String.valueOf(name)));
            }
            return new Mapping(tables);
        }
        if (!(collections instanceof Map)) {
            throw new ConfigException(
                    "collections: must map collection names to their tables (or list names)");
        }
        for (Map.Entry<?, ?> e : ((Map<?, ?>) collections).entrySet()) {
            String collection = String.valueOf(e.getKey());
            tables.put(collection, parseTable(collection, e.getValue()));
        }
        MappingParser.checkTableNames(tables);
        return new Mapping(tables);
    }

    /** Collections listed in mongo.collections but not mapped get the default table. */
    private static Mapping withDefaultTables(Mapping mapping, Map<String, String> settings) {
        String listed = settings.get(JobOptions.MONGO_COLLECTIONS.key());
        if (listed == null) {
            return mapping;
        }
        Map<String, TableSpec> tables = new LinkedHashMap<>(mapping.byCollection());
        for (String c : listed.split(";")) {
            if (!c.isBlank()) {
                tables.putIfAbsent(c.trim(), defaultTable(c.trim()));
            }
        }
        return new Mapping(tables);
    }

    /** The table of a collection without explicit columns: key plus one JSON column. */
    public static TableSpec defaultTable(String collection) {
        return parseTable(collection, null);
    }

    private static TableSpec parseTable(String collection, Object spec) {
        return MappingParser.parseTable(collection, spec);
    }

    /** A copy with more overrides applied (validated again). */
    public JobConfig with(Map<String, String> overrides) {
        Map<String, String> s = new HashMap<>(settings);
        s.putAll(overrides);
        validateKeys(s);
        normalizeEnums(s);
        JobConfig c = new JobConfig(s, withDefaultTables(mapping, s));
        c.validate();
        return c;
    }

    /** A copy with another mapping. */
    public JobConfig withMapping(Mapping newMapping) {
        JobConfig c = new JobConfig(settings, newMapping);
        c.validate();
        return c;
    }

    /** Settings for display, secrets masked (see {@link Redact}). */
    public Map<String, String> redactedSettings() {
        return Redact.settings(settings);
    }

    /**
     * Parses {@code --config FILE}, {@code --set key=value} and the shortcuts {@code --mongo-uri},
     * {@code --mysql-url}, {@code --database}, {@code --collection}.
     */
    public static JobConfig fromArgs(String[] args) {
        Path file = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new ConfigException("Option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--config":
                    file = Path.of(v);
                    break;
                case "--set":
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new ConfigException("--set needs key=value, got '" + v + "'");
                    }
                    overrides.put(v.substring(0, eq), v.substring(eq + 1));
                    break;
                case "--mongo-uri":
                    overrides.put(JobOptions.MONGO_URI.key(), v);
                    break;
                case "--mysql-url":
                    overrides.put(JobOptions.MYSQL_URL.key(), v);
                    break;
                case "--database":
                    overrides.put(JobOptions.MONGO_DATABASE.key(), v);
                    break;
                case "--collection":
                    overrides.merge(JobOptions.MONGO_COLLECTIONS.key(), v, (x, y) -> x + ";" + y);
                    break;
                default:
                    throw new ConfigException(
                            "Unknown option "
                                    + a
                                    + "; use --config FILE, --set key=value, --mongo-uri,"
                                    + " --mysql-url, --database, --collection");
            }
        }
        return load(file, overrides);
    }
}
