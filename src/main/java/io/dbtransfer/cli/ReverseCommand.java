package io.dbtransfer.cli;

import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.Redact;
import io.dbtransfer.model.TargetType;
import io.dbtransfer.pipeline.JobEnvironment;
import io.dbtransfer.reverse.BinlogCheck;
import io.dbtransfer.reverse.BinlogPosition;
import io.dbtransfer.reverse.ReverseJob;
import io.dbtransfer.reverse.ReverseMarkers;
import io.dbtransfer.reverse.ReverseSettings;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.client.MongoClient;
import org.bson.Document;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code bin/dbtransfer reverse}: the way back after cutover (issue #17). Reads MySQL's binlog from
 * the point the cutover certificate recorded (or {@code --start-at}), without a snapshot, and keeps
 * the MongoDB documents equal to what MySQL holds ({@link ReverseJob}), in a local Flink
 * MiniCluster. A preflight checks the binlog settings, the user's privileges, that the start point
 * is still on the server and that no XA transaction follows it, before anything runs.
 */
@Command(
        name = "reverse",
        description = {
            "The way back after cutover: stream MySQL's changes (binlog) back into MongoDB from"
                    + " the point the cutover certificate recorded, in a local Flink MiniCluster."
                    + " Ctrl-C stops it; resume with --from-savepoint.",
            "Without --config the mapping the forward job recorded in MySQL is used (and its"
                    + " collections and database unless given)."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the job finished",
            "2:bad input, a refused preflight (setting, cause and fix named) or a job failure"
        })
final class ReverseCommand implements Callable<Integer> {

    @Mixin JobArgs job = new JobArgs();

    @Option(
            names = "--from-certificate",
            paramLabel = "FILE.json",
            description =
                    "The cutover certificate (CONSISTENT, MySQL target): start at the binlog"
                            + " point it recorded (reverseStartsAt).")
    Path fromCertificate;

    @Option(
            names = "--start-at",
            paramLabel = "FILE:POS",
            description =
                    "Start at this binlog position instead, e.g. mysql-bin.000003:1234 (changes"
                            + " before it are not streamed back).")
    String startAt;

    @Option(
            names = "--server-id",
            paramLabel = "ID",
            description =
                    "Replication server id (or range a-b) of the binlog reader, unique among the"
                            + " server's replicas (default: "
                            + ReverseSettings.DEFAULT_SERVER_ID
                            + ").")
    String serverId = ReverseSettings.DEFAULT_SERVER_ID;

    @Option(
            names = "--checkpoint-interval",
            paramLabel = "DURATION",
            description = "How often the job's progress is checkpointed (default: 10s).")
    Duration checkpointInterval = ReverseSettings.DEFAULT_CHECKPOINT_INTERVAL;

    @Option(
            names = "--checkpoint-dir",
            paramLabel = "DIR",
            description =
                    "Where checkpoints are kept (default: target/reverse-checkpoints in the"
                            + " checkout).")
    Path checkpointDir;

    @Option(
            names = "--from-savepoint",
            paramLabel = "PATH",
            description = "Resume from a savepoint or retained checkpoint (<dir>/<job id>/chk-N).")
    String resume;

    /** Binlog events the preflight reads after the start point looking for XA transactions. */
    static final int XA_SCAN_EVENTS = 200_000;

    private final PrintStream out;
    private final PrintStream err;

    ReverseCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** A reverse with these arguments (as on the command line after {@code reverse}). */
    ReverseCommand(String[] args, PrintStream out, PrintStream err) {
        this(out, err);
        Main.parse(this, args);
    }

    @Override
    public Integer call() throws Exception {
        JobClient client = start();
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        client.cancel().get();
                                    } catch (Exception ignored) {
                                        // shutting down anyway
                                    }
                                }));
        client.getJobExecutionResult().get();
        return 0;
    }

    /** Runs the preflight, then starts the reverse job in a local MiniCluster. */
    JobClient start() throws Exception {
        ReverseSettings settings = settings();
        String dir =
                (checkpointDir != null ? checkpointDir : Main.inHome("target/reverse-checkpoints"))
                        .toAbsolutePath()
                        .toString();
        Configuration cluster = JobEnvironment.localCluster(Path.of(dir).toUri().toString());
        cluster.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (resume != null) {
            cluster.set(SavepointConfigOptions.SAVEPOINT_PATH, resume);
        }
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(1, cluster);
        ReverseJob.define(env, settings);
        JobClient client = env.executeAsync("DBtransfer reverse " + settings.mysqlDatabase());
        out.println(
                "Streaming "
                        + Redact.uri(settings.mysqlJdbcUrl())
                        + " → MongoDB database "
                        + settings.mongoDatabase()
                        + " from "
                        + settings.startAt().text()
                        + " (job "
                        + client.getJobID()
                        + "). Checkpoints: "
                        + dir
                        + "/"
                        + client.getJobID()
                        + ". Ctrl-C stops; resume with --from-savepoint <that dir>/chk-N."
                        + " Cut back with: bin/dbtransfer cutover --to mongodb");
        return client;
    }

    /** The job's settings, after the preflight; refusals are thrown. */
    ReverseSettings settings() throws Exception {
        if ((fromCertificate == null) == (startAt == null)) {
            throw new ConfigException(
                    "reverse needs exactly one start point: --from-certificate"
                            + " <cutover certificate.json> (the point the cutover recorded) or"
                            + " --start-at file:position");
        }
        CheckTarget target = CheckTarget.resolve(job, "reverse", err);
        if (TargetType.fromJdbcUrl(target.mysqlUrl) == TargetType.POSTGRESQL) {
            throw new ConfigException(
                    "--mysql-url: "
                            + Redact.uri(target.mysqlUrl)
                            + " is PostgreSQL; the reverse direction reads MySQL's binary log (MySQL"
                            + " or MariaDB → MongoDB). A PostgreSQL target has no way back.");
        }
        BinlogPosition from = fromCertificate != null ? fromCertificate(target) : parseStart();
        String mysqlDatabase = databaseOf(target.mysqlUrl);
        try (Connection mysql =
                MySqlConnections.open(target.mysqlUrl, target.mysqlUser, target.mysqlPassword)) {
            List<String> problems = new ArrayList<>(BinlogCheck.settingProblems(mysql));
            problems.addAll(BinlogCheck.privilegeProblems(mysql));
            problems.addAll(tableProblems(mysql, target));
            if (problems.isEmpty()) {
                problems.addAll(startProblems(mysql, from));
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(
                        "reverse: refused before starting ("
                                + Redact.uri(target.mysqlUrl)
                                + "):\n  - "
                                + String.join("\n  - ", problems));
            }
            ReverseMarkers.ensureTable(mysql);
        }
        try (MongoClient client =
                MongoConnections.open(target.mongoUri, target.mongoPassword, 10)) {
            client.getDatabase(target.database).runCommand(new Document("ping", 1));
        } catch (RuntimeException e) {
            throw new ConfigException(
                    "mongo.uri: cannot reach MongoDB at "
                            + Redact.uri(target.mongoUri)
                            + " ("
                            + e.getMessage()
                            + "); the reverse job writes the documents there. Check the URI and"
                            + " that the server runs.",
                    e);
        }
        try {
            return ReverseSettings.builder()
                    .mysqlJdbcUrl(target.mysqlUrl)
                    .mysqlUser(target.mysqlUser == null ? "root" : target.mysqlUser)
                    .mysqlPassword(target.mysqlPassword)
                    .mysqlDatabase(mysqlDatabase)
                    .mongoUri(target.mongoUri)
                    .mongoDatabase(target.database)
                    .mapping(target.mapping)
                    .startAt(from)
                    .serverId(serverId)
                    .checkpointInterval(checkpointInterval)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException("reverse: " + e.getMessage(), e);
        }
    }

    private BinlogPosition parseStart() {
        try {
            return BinlogPosition.parse(startAt.strip());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--start-at: " + e.getMessage(), e);
        }
    }

    /** The start point a CONSISTENT cutover certificate recorded; anything else is refused. */
    private BinlogPosition fromCertificate(CheckTarget target) throws Exception {
        if (!Files.isRegularFile(fromCertificate)) {
            throw new ConfigException(
                    "--from-certificate: "
                            + fromCertificate
                            + " does not exist; give the JSON certificate cutover wrote (--out,"
                            + " default dbtransfer-cutover-certificate.json)");
        }
        Document cert;
        try {
            cert = Document.parse(Files.readString(fromCertificate));
        } catch (RuntimeException e) {
            throw new ConfigException(
                    "--from-certificate: "
                            + fromCertificate
                            + " is not a cutover certificate (JSON)",
                    e);
        }
        String where = "--from-certificate " + fromCertificate + ": ";
        if (!"CONSISTENT".equals(cert.getString("verdict"))) {
            throw new ConfigException(
                    where
                            + "the certificate is "
                            + cert.getString("verdict")
                            + "; the way back starts only from a certified point. Run cutover"
                            + " again until it is CONSISTENT.");
        }
        if ("mysql-to-mongodb".equals(cert.getString("direction"))) {
            throw new ConfigException(
                    where
                            + "this is the certificate of a cut back to MongoDB (cutover --to"
                            + " mongodb); give the certificate of the cutover to MySQL");
        }
        Object start = cert.get("reverseStartsAt");
        if (!(start instanceof Document d)) {
            throw new ConfigException(
                    where
                            + "the certificate recorded no binlog point ("
                            + cert.getString("reverseStartsAtNote")
                            + "). Fix that and run cutover again; or give --start-at file:position"
                            + " if you know writes before it need not come back.");
        }
        String db = cert.getString("sourceDatabase");
        if (db != null && !db.equals(target.database)) {
            throw new ConfigException(
                    where
                            + "it certifies MongoDB database '"
                            + db
                            + "', the reverse job would write to '"
                            + target.database
                            + "'. Give --database "
                            + db
                            + " or the certificate of this migration.");
        }
        return new BinlogPosition(
                d.getString("file"),
                ((Number) d.get("position")).longValue(),
                d.getString("gtidSet"));
    }

    /** Each mapped table must exist and be readable (the job re-reads documents from them). */
    private static List<String> tableProblems(Connection mysql, CheckTarget target) {
        List<String> problems = new ArrayList<>();
        for (TableSpec parent : target.mapping.tables()) {
            List<TableSpec> all = new ArrayList<>();
            all.add(parent);
            all.addAll(TableSpec.descendants(parent));
            for (TableSpec t : all) {
                try (Statement s = mysql.createStatement();
                        ResultSet rs = s.executeQuery("SELECT * FROM `" + t.name + "` LIMIT 0")) {
                    rs.next();
                } catch (SQLException e) {
                    problems.add(
                            "table "
                                    + t.name
                                    + ": cannot read it ("
                                    + e.getMessage()
                                    + "); the reverse job re-reads each changed document from the"
                                    + " mapped tables: GRANT SELECT on the database to the user,"
                                    + " and point --mysql-url at the database the migration wrote");
                }
            }
        }
        return problems;
    }

    /**
     * The start point must still be on the server, and no XA transaction may follow it: Flink CDC's
     * binlog reader stops at one (MariaDB error 1236), and the forward job's exactly-once sink
     * writes them.
     */
    private static List<String> startProblems(Connection mysql, BinlogPosition from)
            throws SQLException {
        List<String> files = new ArrayList<>();
        try (Statement s = mysql.createStatement();
                ResultSet rs = s.executeQuery("SHOW BINARY LOGS")) {
            while (rs.next()) {
                files.add(rs.getString(1));
            }
        }
        int at = files.indexOf(from.file());
        if (at < 0) {
            return List.of(
                    "start point "
                            + from.text()
                            + ": the binlog file "
                            + from.file()
                            + " is not on the server (it keeps "
                            + files
                            + "; purged by binlog_expire_logs_seconds / expire_logs_days?). The"
                            + " writes since the cutover cannot be streamed back from here;"
                            + " keep binlogs longer than the dual-run window, and migrate MySQL's"
                            + " state to MongoDB anew to go back now.");
        }
        Set<String> seen = new HashSet<>();
        int scanned = 0;
        for (int i = at; i < files.size() && scanned < XA_SCAN_EVENTS; i++) {
            String sql =
                    "SHOW BINLOG EVENTS IN '"
                            + files.get(i).replace("'", "''")
                            + "'"
                            + (i == at ? " FROM " + from.position() : "")
                            + " LIMIT "
                            + (XA_SCAN_EVENTS - scanned);
            try (Statement s = mysql.createStatement();
                    ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    scanned++;
                    String type = rs.getString("Event_type");
                    String info = rs.getString("Info");
                    if ((type != null && type.toUpperCase().startsWith("XA"))
                            || (info != null
                                    && info.toUpperCase()
                                            .matches("(?s).*\\bXA (START|COMMIT|PREPARE)\\b.*"))) {
                        String pos = files.get(i) + ":" + rs.getLong("Pos");
                        if (seen.add(pos)) {
                            return List.of(
                                    "start point "
                                            + from.text()
                                            + ": an XA transaction follows it in the binlog (at "
                                            + pos
                                            + ", "
                                            + info
                                            + "), written by the migration job's exactly-once"
                                            + " sink after the cutover point; Flink CDC's binlog"
                                            + " reader stops at XA events. Stop the migration job,"
                                            + " run cutover again (with no writes to MySQL in"
                                            + " between) and start reverse from its new"
                                            + " certificate.");
                        }
                    }
                }
            } catch (SQLException e) {
                if (i == at) {
                    return List.of(
                            "start point "
                                    + from.text()
                                    + ": the server cannot read its binlog there ("
                                    + e.getMessage()
                                    + "); give a position cutover recorded (an event boundary)");
                }
                throw e;
            }
        }
        return List.of();
    }

    /** The database a {@code jdbc:mysql://host:port/db?…} URL names. */
    private static String databaseOf(String url) {
        String db = MySqlConnections.databaseOf(url);
        if (db.isEmpty()) {
            throw new ConfigException(
                    "--mysql-url "
                            + Redact.uri(url)
                            + " names no database; give the database the migration wrote, e.g."
                            + " jdbc:mysql://db:3306/shop");
        }
        return db;
    }
}
