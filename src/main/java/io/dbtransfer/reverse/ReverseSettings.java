package io.dbtransfer.reverse;

import io.dbtransfer.mapping.Mapping;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything the reverse job (MySQL binlog → MongoDB, issue #17) needs: where to read, where to
 * write, which tables make which documents, and where in the binlog to start. Built and checked by
 * {@link Builder#build()}.
 */
public final class ReverseSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The server id range the binlog reader uses when none is set. */
    public static final String DEFAULT_SERVER_ID = "5400-5410";

    /** The checkpoint interval when none is set. */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);

    private static final Pattern JDBC_HOST =
            Pattern.compile("^jdbc:(mysql|mariadb)://([^/:?,]+)(?::(\\d+))?(/.*)?$");

    private final String mysqlJdbcUrl;
    private final String mysqlUser;
    private final String mysqlPassword;
    private final String mysqlDatabase;
    private final String mongoUri;
    private final String mongoDatabase;
    private final Mapping mapping;
    // BinlogPosition is not Serializable: kept as its parts.
    private final String startFile;
    private final long startPosition;
    private final String startGtidSet;
    private final String serverId;
    private final Duration checkpointInterval;
    private final String mysqlHost;
    private final int mysqlPort;

    private ReverseSettings(Builder b, String host, int port) {
        this.mysqlJdbcUrl = b.mysqlJdbcUrl;
        this.mysqlUser = b.mysqlUser;
        this.mysqlPassword = b.mysqlPassword == null ? "" : b.mysqlPassword;
        this.mysqlDatabase = b.mysqlDatabase;
        this.mongoUri = b.mongoUri;
        this.mongoDatabase = b.mongoDatabase;
        this.mapping = b.mapping;
        this.startFile = b.startAt.file();
        this.startPosition = b.startAt.position();
        this.startGtidSet = b.startAt.gtidSet();
        this.serverId = b.serverId;
        this.checkpointInterval = b.checkpointInterval;
        this.mysqlHost = host;
        this.mysqlPort = port;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** JDBC URL of the MySQL/MariaDB database the application now writes to. */
    public String mysqlJdbcUrl() {
        return mysqlJdbcUrl;
    }

    public String mysqlUser() {
        return mysqlUser;
    }

    public String mysqlPassword() {
        return mysqlPassword;
    }

    /** The MySQL database (schema) holding the mapped tables. */
    public String mysqlDatabase() {
        return mysqlDatabase;
    }

    /** Host of the MySQL server, taken from {@link #mysqlJdbcUrl()}. */
    public String mysqlHost() {
        return mysqlHost;
    }

    /** Port of the MySQL server, taken from {@link #mysqlJdbcUrl()} (3306 when it names none). */
    public int mysqlPort() {
        return mysqlPort;
    }

    public String mongoUri() {
        return mongoUri;
    }

    /** The MongoDB database the documents are written back to. */
    public String mongoDatabase() {
        return mongoDatabase;
    }

    public Mapping mapping() {
        return mapping;
    }

    /** The binlog point the job starts reading at (no snapshot). */
    public BinlogPosition startAt() {
        return new BinlogPosition(startFile, startPosition, startGtidSet);
    }

    /** The replication server id (or range {@code a-b}) the binlog reader registers with. */
    public String serverId() {
        return serverId;
    }

    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    @Override
    public String toString() {
        return "ReverseSettings{mysql="
                + mysqlHost
                + ":"
                + mysqlPort
                + "/"
                + mysqlDatabase
                + ", user="
                + mysqlUser
                + ", mongoDatabase="
                + mongoDatabase
                + ", startAt="
                + startAt().text()
                + ", serverId="
                + serverId
                + ", checkpointInterval="
                + checkpointInterval
                + "}";
    }

    /** Collects and checks the settings. */
    public static final class Builder {
        private String mysqlJdbcUrl;
        private String mysqlUser;
        private String mysqlPassword;
        private String mysqlDatabase;
        private String mongoUri;
        private String mongoDatabase;
        private Mapping mapping;
        private BinlogPosition startAt;
        private String serverId = DEFAULT_SERVER_ID;
        private Duration checkpointInterval = DEFAULT_CHECKPOINT_INTERVAL;

        private Builder() {}

        /** e.g. {@code jdbc:mysql://db.example:3306/shop} (the job reads host and port from it). */
        public Builder mysqlJdbcUrl(String v) {
            this.mysqlJdbcUrl = v;
            return this;
        }

        public Builder mysqlUser(String v) {
            this.mysqlUser = v;
            return this;
        }

        public Builder mysqlPassword(String v) {
            this.mysqlPassword = v;
            return this;
        }

        public Builder mysqlDatabase(String v) {
            this.mysqlDatabase = v;
            return this;
        }

        public Builder mongoUri(String v) {
            this.mongoUri = v;
            return this;
        }

        public Builder mongoDatabase(String v) {
            this.mongoDatabase = v;
            return this;
        }

        public Builder mapping(Mapping v) {
            this.mapping = v;
            return this;
        }

        public Builder startAt(BinlogPosition v) {
            this.startAt = v;
            return this;
        }

        /** A server id ({@code 5400}) or range ({@code 5400-5410}), unique among replicas. */
        public Builder serverId(String v) {
            this.serverId = v;
            return this;
        }

        public Builder checkpointInterval(Duration v) {
            this.checkpointInterval = v;
            return this;
        }

        /**
         * Checks every setting.
         *
         * @throws IllegalArgumentException naming the setting, what is wrong and how to fix it
         */
        public ReverseSettings build() {
            require(
                    mysqlJdbcUrl,
                    "mysqlJdbcUrl",
                    "the JDBC URL of the MySQL database the application writes to, e.g."
                            + " jdbc:mysql://db:3306/shop");
            Matcher m = JDBC_HOST.matcher(mysqlJdbcUrl);
            if (!m.matches()) {
                throw new IllegalArgumentException(
                        "mysqlJdbcUrl: '"
                                + redact(mysqlJdbcUrl)
                                + "' is not a jdbc:mysql://host[:port]/database URL with one host;"
                                + " the binlog reader needs one host and port, e.g."
                                + " jdbc:mysql://db:3306/shop");
            }
            int port = m.group(3) == null ? 3306 : Integer.parseInt(m.group(3));
            require(
                    mysqlUser,
                    "mysqlUser",
                    "a MySQL user with SELECT, REPLICATION SLAVE and REPLICATION CLIENT");
            require(mysqlDatabase, "mysqlDatabase", "the MySQL database holding the mapped tables");
            require(mongoUri, "mongoUri", "the MongoDB connection string, e.g. mongodb://host/");
            if (!mongoUri.startsWith("mongodb://") && !mongoUri.startsWith("mongodb+srv://")) {
                throw new IllegalArgumentException(
                        "mongoUri: '"
                                + redact(mongoUri)
                                + "' does not start with mongodb:// or mongodb+srv://;"
                                + " give a MongoDB connection string");
            }
            require(mongoDatabase, "mongoDatabase", "the MongoDB database to write back to");
            if (mapping == null || mapping.tables().isEmpty()) {
                throw new IllegalArgumentException(
                        "mapping: no collection is mapped; give the mapping the forward migration"
                                + " used (the tables the reverse job turns back into documents)");
            }
            if (startAt == null) {
                throw new IllegalArgumentException(
                        "startAt: no binlog position; give the position the cutover recorded"
                                + " (file:position), or BinlogPosition.current(connection) for"
                                + " the server's current end of binlog");
            }
            require(serverId, "serverId", "a server id such as 5400 or a range such as 5400-5410");
            if (!serverId.trim().matches("\\d+(-\\d+)?")) {
                throw new IllegalArgumentException(
                        "serverId: '"
                                + serverId
                                + "' is not a number or a range a-b; give one unique among the"
                                + " server's replicas, e.g. 5400 or 5400-5410");
            }
            Objects.requireNonNull(checkpointInterval, "checkpointInterval");
            if (checkpointInterval.isNegative() || checkpointInterval.toMillis() < 10) {
                throw new IllegalArgumentException(
                        "checkpointInterval: "
                                + checkpointInterval
                                + " is too short; the reverse job's progress is kept at"
                                + " checkpoints, give at least 10 ms (e.g. 10 s)");
            }
            serverId = serverId.trim();
            return new ReverseSettings(this, m.group(2), port);
        }

        private static void require(String value, String name, String what) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(name + " is not set; give " + what);
            }
        }

        private static String redact(String text) {
            try {
                URI u = URI.create(text.replaceFirst("^jdbc:", ""));
                return u.getUserInfo() == null ? text : text.replace(u.getUserInfo(), "***");
            } catch (IllegalArgumentException e) {
                return text.replaceAll("(?i)password=[^&]*", "password=***");
            }
        }
    }
}
