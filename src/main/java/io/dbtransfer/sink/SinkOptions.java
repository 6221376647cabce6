package io.dbtransfer.sink;

import io.dbtransfer.model.DeliveryGuarantee;
import io.dbtransfer.model.Redact;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static org.apache.flink.util.Preconditions.checkArgument;

/** Immutable settings of {@link MySqlChangeSink}; build them with {@link #builder()}. */
public final class SinkOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final DeliveryGuarantee DEFAULT_DELIVERY_GUARANTEE =
            DeliveryGuarantee.EXACTLY_ONCE;
    public static final int DEFAULT_BATCH_SIZE = 1000;
    public static final int MAX_BATCH_SIZE = 100_000;
    public static final long DEFAULT_FLUSH_INTERVAL_MS = 1000;

    /** Start of the derived default XA prefix: {@code dbt-<16 hex digits>}. */
    public static final String DERIVED_PREFIX_START = "dbt-";

    public static final int MAX_TRANSACTIONAL_ID_PREFIX_LENGTH = 32;
    public static final int DEFAULT_MAX_RETRIES = 3;
    public static final int MAX_MAX_RETRIES = 100;

    /** Seven days: far longer than any replay a restore from a checkpoint can cause. */
    public static final long DEFAULT_TOMBSTONE_RETENTION_MS = 7L * 24 * 60 * 60 * 1000;

    /** Tombstones younger than this are never purged. */
    public static final long MIN_TOMBSTONE_RETENTION_MS = 60_000;

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.-]+");

    private final String jdbcUrl;
    private final String username;
    private final String password;
    private final DeliveryGuarantee deliveryGuarantee;
    private final int batchSize;
    private final long flushIntervalMs;
    private final String transactionalIdPrefix;
    private final int maxRetries;
    private final long tombstoneRetentionMs;

    private SinkOptions(Builder b) {
        this.jdbcUrl = b.jdbcUrl;
        this.username = b.username;
        this.password = b.password;
        this.deliveryGuarantee = b.deliveryGuarantee;
        this.batchSize = b.batchSize;
        this.flushIntervalMs = b.flushIntervalMs;
        this.transactionalIdPrefix = b.transactionalIdPrefix;
        this.maxRetries = b.maxRetries;
        this.tombstoneRetentionMs = b.tombstoneRetentionMs;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The target's kind, from the URL's scheme ({@code jdbc:postgresql:} or {@code jdbc:mysql:} /
     * {@code jdbc:mariadb:}).
     *
     * @throws IllegalArgumentException for any other scheme
     */
    public io.dbtransfer.model.TargetType targetType() {
        return io.dbtransfer.model.TargetType.fromJdbcUrl(jdbcUrl);
    }

    /** JDBC URL of the target database, e.g. {@code jdbc:mysql://host:3306/shop}. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** User name, or {@code null} when the URL carries it. */
    public String username() {
        return username;
    }

    /** Password, or {@code null} when the URL carries it. Never printed. */
    public String password() {
        return password;
    }

    public DeliveryGuarantee deliveryGuarantee() {
        return deliveryGuarantee;
    }

    /** Changes buffered before a flush. */
    public int batchSize() {
        return batchSize;
    }

    /** Idempotent mode: flush at least this often (0 = only at batch size and checkpoints). */
    public long flushIntervalMs() {
        return flushIntervalMs;
    }

    /**
     * Namespace of this job's XA transactions, unique per migration on one MySQL server; {@code
     * null} until {@link MySqlChangeSink} derives the default ({@link #derivedPrefix}).
     */
    public String transactionalIdPrefix() {
        return transactionalIdPrefix;
    }

    /**
     * The default XA prefix of a migration: {@code dbt-} and 16 hex digits of a SHA-256 over the
     * target database named in {@code jdbcUrl} and the sorted names of the tables it writes. Two
     * migrations into different databases or tables of one server get different prefixes; the same
     * migration started again gets the same one, so it finds its own orphan branches.
     */
    public static String derivedPrefix(String jdbcUrl, Collection<String> tables) {
        StringBuilder identity = new StringBuilder(databaseOf(jdbcUrl));
        for (String t : new TreeSet<>(tables)) {
            identity.append('\0').append(t);
        }
        try {
            byte[] hash =
                    MessageDigest.getInstance("SHA-256")
                            .digest(identity.toString().getBytes(StandardCharsets.UTF_8));
            return DERIVED_PREFIX_START + HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The database part of {@code jdbc:mysql://host:port/database?...} ("" when absent). */
    static String databaseOf(String jdbcUrl) {
        String rest = jdbcUrl;
        int scheme = rest.indexOf("//");
        if (scheme >= 0) {
            rest = rest.substring(scheme + 2);
        }
        int slash = rest.indexOf('/');
        if (slash < 0) {
            return "";
        }
        rest = rest.substring(slash + 1);
        int end = rest.length();
        for (char c : new char[] {'?', ';', '#'}) {
            int i = rest.indexOf(c);
            if (i >= 0) {
                end = Math.min(end, i);
            }
        }
        return rest.substring(0, end);
    }

    /** Idempotent mode: retries of a flush after a deadlock, lock timeout or lost connection. */
    public int maxRetries() {
        return maxRetries;
    }

    /** Tombstones older than this are purged (0 = keep forever). */
    public long tombstoneRetentionMs() {
        return tombstoneRetentionMs;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.jdbcUrl = jdbcUrl;
        b.username = username;
        b.password = password;
        b.deliveryGuarantee = deliveryGuarantee;
        b.batchSize = batchSize;
        b.flushIntervalMs = flushIntervalMs;
        b.transactionalIdPrefix = transactionalIdPrefix;
        b.maxRetries = maxRetries;
        b.tombstoneRetentionMs = tombstoneRetentionMs;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SinkOptions)) {
            return false;
        }
        SinkOptions that = (SinkOptions) o;
        return batchSize == that.batchSize
                && flushIntervalMs == that.flushIntervalMs
                && maxRetries == that.maxRetries
                && tombstoneRetentionMs == that.tombstoneRetentionMs
                && jdbcUrl.equals(that.jdbcUrl)
                && Objects.equals(username, that.username)
                && Objects.equals(password, that.password)
                && deliveryGuarantee == that.deliveryGuarantee
                && Objects.equals(transactionalIdPrefix, that.transactionalIdPrefix);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                jdbcUrl,
                username,
                password,
                deliveryGuarantee,
                batchSize,
                flushIntervalMs,
                transactionalIdPrefix,
                maxRetries,
                tombstoneRetentionMs);
    }

    @Override
    public String toString() {
        return "SinkOptions{jdbcUrl="
                + Redact.uri(jdbcUrl)
                + ", username="
                + username
                + ", password="
                + (password == null ? "(none)" : "***")
                + ", deliveryGuarantee="
                + deliveryGuarantee
                + ", batchSize="
                + batchSize
                + ", flushIntervalMs="
                + flushIntervalMs
                + ", transactionalIdPrefix="
                + transactionalIdPrefix
                + ", maxRetries="
                + maxRetries
                + ", tombstoneRetentionMs="
                + tombstoneRetentionMs
                + "}";
    }

    /** Builder of {@link SinkOptions}; every setting but the JDBC URL has a default. */
    public static final class Builder {
        private String jdbcUrl;
        private String username;
        private String password;
        private DeliveryGuarantee deliveryGuarantee = DEFAULT_DELIVERY_GUARANTEE;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private long flushIntervalMs = DEFAULT_FLUSH_INTERVAL_MS;
        private String transactionalIdPrefix;
        private int maxRetries = DEFAULT_MAX_RETRIES;
        private long tombstoneRetentionMs = DEFAULT_TOMBSTONE_RETENTION_MS;

        private Builder() {}

        public Builder jdbcUrl(String jdbcUrl) {
            this.jdbcUrl = jdbcUrl;
            return this;
        }

        public Builder username(String username) {
            this.username = username;
            return this;
        }

        public Builder password(String password) {
            this.password = password;
            return this;
        }

        public Builder deliveryGuarantee(DeliveryGuarantee deliveryGuarantee) {
            this.deliveryGuarantee = deliveryGuarantee;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder flushIntervalMs(long flushIntervalMs) {
            this.flushIntervalMs = flushIntervalMs;
            return this;
        }

        /** The XA prefix; {@code null} (the default) derives one from the target. */
        public Builder transactionalIdPrefix(String transactionalIdPrefix) {
            this.transactionalIdPrefix = transactionalIdPrefix;
            return this;
        }

        public Builder maxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
            return this;
        }

        public Builder tombstoneRetentionMs(long tombstoneRetentionMs) {
            this.tombstoneRetentionMs = tombstoneRetentionMs;
            return this;
        }

        /** Validates and builds; every violation names the setting and its allowed range. */
        public SinkOptions build() {
            checkArgument(
                    jdbcUrl != null && jdbcUrl.startsWith("jdbc:"),
                    "jdbcUrl must be a JDBC URL such as jdbc:mysql://host:3306/database, got %s",
                    Redact.uri(jdbcUrl));
            checkArgument(deliveryGuarantee != null, "deliveryGuarantee must not be null");
            checkArgument(
                    batchSize >= 1 && batchSize <= MAX_BATCH_SIZE,
                    "batchSize must be between 1 and %s, got %s",
                    MAX_BATCH_SIZE,
                    batchSize);
            checkArgument(
                    flushIntervalMs >= 0,
                    "flushIntervalMs must be >= 0 (0 = no timed flush), got %s",
                    flushIntervalMs);
            checkArgument(
                    transactionalIdPrefix == null
                            || (transactionalIdPrefix.length() <= MAX_TRANSACTIONAL_ID_PREFIX_LENGTH
                                    && PREFIX.matcher(transactionalIdPrefix).matches()),
                    "transactionalIdPrefix must be 1 to %s characters of [A-Za-z0-9_.-], got '%s'",
                    MAX_TRANSACTIONAL_ID_PREFIX_LENGTH,
                    transactionalIdPrefix);
            checkArgument(
                    maxRetries >= 0 && maxRetries <= MAX_MAX_RETRIES,
                    "maxRetries must be between 0 and %s, got %s",
                    MAX_MAX_RETRIES,
                    maxRetries);
            checkArgument(
                    tombstoneRetentionMs == 0 || tombstoneRetentionMs >= MIN_TOMBSTONE_RETENTION_MS,
                    "tombstoneRetentionMs must be 0 (keep forever) or >= %s, got %s",
                    MIN_TOMBSTONE_RETENTION_MS,
                    tombstoneRetentionMs);
            return new SinkOptions(this);
        }
    }
}
