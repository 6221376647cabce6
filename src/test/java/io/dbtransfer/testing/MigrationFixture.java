package io.dbtransfer.testing;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.pipeline.MigrationJob;
import io.dbtransfer.verify.ConsistencyChecker;
import io.dbtransfer.verify.ConsistencyReport;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One migration under test: a fresh source database (emulator or real replica set), a fresh target
 * database (MariaDB or real MySQL), the job configuration, and independent checks of both sides.
 */
public final class MigrationFixture {
    public final String mongoDatabase;
    public final String mysqlUrl;
    private final Map<String, Object> settings = new LinkedHashMap<>();
    private MongoClient mongoClient;
    private String targetUrl;

    public MigrationFixture(String prefix) {
        this(prefix, TestTarget.MYSQL);
    }

    /** A migration into a fresh database of {@code target}'s shared server. */
    public MigrationFixture(String prefix, TestTarget target) {
        this.mongoDatabase = TestMongo.newDatabaseName(prefix);
        this.mysqlUrl = target.newDatabase(prefix);
        settings.put("mongo.uri", TestMongo.uri());
        settings.put("mongo.database", mongoDatabase);
        settings.put("mysql.url", mysqlUrl);
        settings.put("job.checkpoint-interval", "500 ms");
        settings.put("source.heartbeat-interval", "500 ms");
        settings.put("source.split-size-mb", "1");
        settings.put("source.poll-await-time", "200 ms");
        // No sink.transaction-prefix: every test runs with the derived default (dbt-<hash of the
        // target database and tables>), unique per test database as it is per migration.
    }

    public MigrationFixture set(String key, Object value) {
        settings.put(key, value);
        return this;
    }

    /** Sets the {@code collections:} section from YAML text. */
    public MigrationFixture collections(String yaml) {
        settings.put("collections", new Yaml().load(yaml));
        return this;
    }

    /** Writes the settings and mapping as a job file for {@code --config}. */
    public Path writeJobFile(Path file) throws Exception {
        Files.writeString(file, new Yaml().dump(new LinkedHashMap<>(settings)));
        return file;
    }

    public JobConfig config() {
        return JobConfig.fromMap(new LinkedHashMap<>(settings), Map.of());
    }

    /**
     * Migrates from another MongoDB than {@link TestMongo}: {@code uri} becomes {@code mongo.uri},
     * {@code client} (the caller closes it) is what {@link #mongo()} and the checks read.
     */
    public MigrationFixture mongo(String uri, MongoClient client) {
        settings.put("mongo.uri", uri);
        this.mongoClient = client;
        return this;
    }

    /**
     * Migrates into another MySQL than {@link TestMySql}: {@code url} (its database must exist)
     * becomes {@code mysql.url}, and the checks read it.
     */
    public MigrationFixture target(String url) {
        settings.put("mysql.url", url);
        this.targetUrl = url;
        return this;
    }

    public MongoDatabase mongo() {
        return (mongoClient != null ? mongoClient : TestMongo.client()).getDatabase(mongoDatabase);
    }

    public Connection mysql() throws Exception {
        return TestMySql.connect(targetUrl != null ? targetUrl : mysqlUrl);
    }

    /** Builds the real job (preflight, tables, CDC source, sinks) and starts it. */
    public JobClient start(StreamExecutionEnvironment env) throws Exception {
        MigrationJob.build(env, config());
        return env.executeAsync("it-" + mongoDatabase);
    }

    /** Compares every document with every row, each side read on its own. */
    public ConsistencyReport compare() throws Exception {
        JobConfig c = config();
        try (Connection conn = mysql()) {
            return new ConsistencyChecker(new DocumentNormalizer(c.mapping(), c.mismatchPolicy()))
                    .compare(mongo(), conn);
        }
    }

    /** Waits until both sides hold the same data. */
    public ConsistencyReport awaitConsistent(Duration timeout) throws Exception {
        ConsistencyReport[] last = new ConsistencyReport[1];
        try {
            Eventually.waitUntil(
                    timeout,
                    "MySQL to equal MongoDB",
                    () -> {
                        last[0] = compare();
                        return last[0].consistent();
                    });
        } catch (AssertionError e) {
            throw new AssertionError(
                    e.getMessage()
                            + "; last comparison: "
                            + last[0]
                            + " "
                            + (last[0] == null ? "" : last[0].samples),
                    e);
        }
        return last[0];
    }

    public long count(String table) throws Exception {
        try (Connection c = mysql();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + quote(c, table))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** {@code _id → _src_version} of a table. */
    public Map<String, String> versions(String table) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = mysql();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT "
                                        + quote(c, "_id")
                                        + ", "
                                        + quote(c, "_src_version")
                                        + " FROM "
                                        + quote(c, table))) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    /** An identifier quoted for the target {@code c} is connected to (MySQL or PostgreSQL). */
    public static String quote(Connection c, String identifier) throws java.sql.SQLException {
        String q = TestTarget.isPostgres(c) ? "\"" : "`";
        return q + identifier + q;
    }

    public static final Duration TIMEOUT = TestDurations.CONSISTENT;
}
