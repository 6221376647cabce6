package io.dbtransfer;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.Redact;
import io.dbtransfer.reverse.BinlogCheck;
import io.dbtransfer.reverse.BinlogPosition;
import io.dbtransfer.reverse.ReverseJob;
import io.dbtransfer.reverse.ReverseSettings;

import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The way back on a Flink cluster: {@code flink run -c io.dbtransfer.MySqlToMongoJob
 * dbtransfer-job.jar --config job.yaml --set reverse.start-at=FILE:POS}, with the forward job's
 * configuration (mapping, both databases). A thin main: settings, binlog preflight, pipeline.
 */
public final class MySqlToMongoJob {

    private MySqlToMongoJob() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ReverseSettings settings;
        try {
            settings = settings(JobConfig.fromArgs(args));
            preflight(settings);
            ReverseJob.define(env, settings);
        } catch (ConfigException e) {
            if (!(env instanceof LocalStreamEnvironment)) {
                throw e; // inside Flink: reported as the application's failure (see
                // MongoToMySqlJob)
            }
            System.err.println("dbtransfer: " + e.getMessage());
            System.exit(2);
            return;
        }
        env.execute("DBtransfer reverse " + settings.mysqlDatabase());
    }

    /** The reverse job's settings from the forward job's configuration and {@code reverse.*}. */
    static ReverseSettings settings(JobConfig config) {
        String startAt = config.get(JobOptions.REVERSE_START_AT);
        if (startAt == null || startAt.isBlank()) {
            throw new ConfigException(
                    JobOptions.REVERSE_START_AT.key()
                            + " is not set: the reverse job starts at a binlog point; give the"
                            + " cutover certificate's reverseStartsAt as --set "
                            + JobOptions.REVERSE_START_AT.key()
                            + "=FILE:POSITION");
        }
        String url = config.get(JobOptions.MYSQL_URL);
        try {
            return ReverseSettings.builder()
                    .mysqlJdbcUrl(url)
                    .mysqlUser(config.get(JobOptions.MYSQL_USERNAME))
                    .mysqlPassword(config.mysqlPassword())
                    .mysqlDatabase(databaseOf(url))
                    .mongoUri(config.get(JobOptions.MONGO_URI))
                    .mongoDatabase(config.get(JobOptions.MONGO_DATABASE))
                    .mapping(config.mapping())
                    .startAt(BinlogPosition.parse(startAt.trim()))
                    .serverId(config.get(JobOptions.REVERSE_SERVER_ID))
                    .checkpointInterval(config.get(JobOptions.CHECKPOINT_INTERVAL))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException("reverse: " + e.getMessage());
        }
    }

    /** The binlog settings and privileges the reader needs, checked before the job is submitted. */
    private static void preflight(ReverseSettings s) {
        List<String> problems = new ArrayList<>();
        try (Connection c =
                MySqlConnections.open(s.mysqlJdbcUrl(), s.mysqlUser(), s.mysqlPassword(), true)) {
            problems.addAll(BinlogCheck.settingProblems(c));
            problems.addAll(BinlogCheck.privilegeProblems(c));
        } catch (SQLException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(
                    "reverse: refused before starting ("
                            + Redact.uri(s.mysqlJdbcUrl())
                            + "):\n  - "
                            + String.join("\n  - ", problems));
        }
    }

    private static String databaseOf(String url) {
        String db = MySqlConnections.databaseOf(url);
        if (db.isEmpty()) {
            throw new ConfigException(
                    JobOptions.MYSQL_URL.key()
                            + " "
                            + Redact.uri(String.valueOf(url))
                            + " names no database; the reverse job reads the mapped tables of the"
                            + " database in the URL, e.g. jdbc:mysql://db:3306/shop");
        }
        return db;
    }
}
