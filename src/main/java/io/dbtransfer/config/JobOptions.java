package io.dbtransfer.config;

import io.dbtransfer.model.DeliveryGuarantee;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Every job setting of DBtransfer, declared once with its type, default and description. */
public final class JobOptions {

    private JobOptions() {}

    /** How the source starts. */
    public enum StartupMode {
        INITIAL,
        LATEST_OFFSET,
        TIMESTAMP
    }

    /** What a fresh start (no savepoint) does with target tables that already hold rows. */
    public enum FreshStart {
        FAIL_IF_NOT_EMPTY,
        TRUNCATE,
        KEEP
    }

    public static final ConfigOption<String> MONGO_URI =
            ConfigOptions.key("mongo.uri")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "MongoDB connection string of the source replica set, e.g."
                                    + " mongodb://user@host1:27017,host2:27017/?replicaSet=rs0."
                                    + " The password may come from DBTRANSFER_MONGO_PASSWORD or"
                                    + " mongo.password-file.");

    public static final ConfigOption<String> MONGO_PASSWORD_FILE =
            ConfigOptions.key("mongo.password-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "File whose first line is the password of the user named in"
                                    + " mongo.uri (e.g. a mounted Kubernetes secret);"
                                    + " DBTRANSFER_MONGO_PASSWORD wins over it, it wins over a"
                                    + " password in the URI.");

    public static final ConfigOption<String> MONGO_DATABASE =
            ConfigOptions.key("mongo.database")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The source database.");

    public static final ConfigOption<List<String>> MONGO_COLLECTIONS =
            ConfigOptions.key("mongo.collections")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Collections to migrate; defaults to the collections named in"
                                    + " 'collections:' of the job file.");

    public static final ConfigOption<List<String>> MONGO_RESNAPSHOT =
            ConfigOptions.key("mongo.resnapshot")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Collections to snapshot again on this start, as COLLECTION:GENERATION"
                                    + " (e.g. 'items:1'), when one collection's resume point has"
                                    + " expired and the others' have not. Start from the"
                                    + " savepoint with --allowNonRestoredState: the collection's"
                                    + " source gets a new uid for the generation and reads every"
                                    + " document again, version-guarded over the existing rows;"
                                    + " the other collections keep streaming from their resume"
                                    + " points. Reconcile removes the rows of documents deleted"
                                    + " meanwhile (needs reconcile.enabled). Keep the entry on"
                                    + " later restarts; raise GENERATION to snapshot again.");

    public static final ConfigOption<String> MYSQL_URL =
            ConfigOptions.key("mysql.url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JDBC URL of the target MySQL database, e.g."
                                    + " jdbc:mysql://host:3306/shop.");

    public static final ConfigOption<String> TARGET_TYPE =
            ConfigOptions.key("target.type")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Which database mysql.url names: mysql (MySQL 8 or MariaDB) or"
                                    + " postgresql. Default: from the URL's scheme (jdbc:mysql: or"
                                    + " jdbc:mariadb: is mysql, jdbc:postgresql: is postgresql);"
                                    + " when set, it must agree with the URL.");

    public static final ConfigOption<String> MYSQL_USERNAME =
            ConfigOptions.key("mysql.username")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("MySQL user (may also be given in the URL).");

    public static final ConfigOption<String> MYSQL_PASSWORD =
            ConfigOptions.key("mysql.password")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "MySQL password. Prefer DBTRANSFER_MYSQL_PASSWORD or"
                                    + " mysql.password-file; it is never logged.");

    public static final ConfigOption<String> MYSQL_PASSWORD_FILE =
            ConfigOptions.key("mysql.password-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("File whose first line is the MySQL password.");

    public static final ConfigOption<StartupMode> SOURCE_STARTUP_MODE =
            ConfigOptions.key("source.startup-mode")
                    .enumType(StartupMode.class)
                    .defaultValue(StartupMode.INITIAL)
                    .withDescription(
                            "initial: snapshot every document, then stream changes (default);"
                                    + " latest_offset: only changes from now on; timestamp:"
                                    + " changes from source.startup-timestamp-millis on.");

    public static final ConfigOption<Long> SOURCE_STARTUP_TIMESTAMP =
            ConfigOptions.key("source.startup-timestamp-millis")
                    .longType()
                    .noDefaultValue()
                    .withDescription("Epoch milliseconds to stream from in 'timestamp' mode.");

    public static final ConfigOption<Duration> SOURCE_HEARTBEAT =
            ConfigOptions.key("source.heartbeat-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "Change-stream heartbeat. Keeps the resume token of an idle"
                                    + " collection fresh; 0 turns it off (not recommended).");

    public static final ConfigOption<Integer> SOURCE_SPLIT_SIZE_MB =
            ConfigOptions.key("source.split-size-mb")
                    .intType()
                    .defaultValue(64)
                    .withDescription("Size of a snapshot chunk; chunks are read in parallel.");

    public static final ConfigOption<Integer> SOURCE_PARALLELISM =
            ConfigOptions.key("source.parallelism")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "Subtasks reading each collection (default: the job's parallelism)."
                                    + " Flink CDC reads a whole snapshot chunk before it hands it"
                                    + " on, and a subtask reads its next chunk only after the"
                                    + " last one was processed: within one subtask reading and"
                                    + " processing alternate, and more readers than processing"
                                    + " subtasks overlap the two. Each reader holds one chunk"
                                    + " (source.split-size-mb) in memory while it reads it, and"
                                    + " the job needs as many slots as its largest parallelism."
                                    + " At most job.max-parallelism.");

    public static final ConfigOption<Integer> SOURCE_BATCH_SIZE =
            ConfigOptions.key("source.batch-size")
                    .intType()
                    .defaultValue(1024)
                    .withDescription("Cursor batch size of snapshot reads.");

    public static final ConfigOption<Integer> SOURCE_POLL_MAX_BATCH_SIZE =
            ConfigOptions.key("source.poll-max-batch-size")
                    .intType()
                    .defaultValue(1024)
                    .withDescription("Most change-stream events taken in one poll.");

    public static final ConfigOption<Duration> SOURCE_POLL_AWAIT =
            ConfigOptions.key("source.poll-await-time")
                    .durationType()
                    .defaultValue(Duration.ofMillis(500))
                    .withDescription("How long a change-stream poll waits for events.");

    public static final ConfigOption<Double> SOURCE_SNAPSHOT_RATE_ESTIMATE =
            ConfigOptions.key("source.snapshot-rate-estimate")
                    .doubleType()
                    .defaultValue(1000.0)
                    .withDescription(
                            "Documents per second one source subtask is assumed to snapshot,"
                                    + " for the start-up check that warns when the oplog window is"
                                    + " shorter than twice the estimated snapshot time. Keep it"
                                    + " conservative (lower than measured).");

    public static final ConfigOption<DeliveryGuarantee> SINK_DELIVERY =
            ConfigOptions.key("sink.delivery-guarantee")
                    .enumType(DeliveryGuarantee.class)
                    .defaultValue(DeliveryGuarantee.EXACTLY_ONCE)
                    .withDescription(
                            "exactly_once: one XA transaction per checkpoint, committed after the"
                                    + " checkpoint completes (rows appear at checkpoint pace);"
                                    + " idempotent: version-guarded local transactions per"
                                    + " batch (lower latency; replays are harmless).");

    public static final ConfigOption<Integer> SINK_BATCH_SIZE =
            ConfigOptions.key("sink.batch-size")
                    .intType()
                    .defaultValue(1000)
                    .withDescription("Changes per JDBC batch.");

    public static final ConfigOption<Duration> SINK_FLUSH_INTERVAL =
            ConfigOptions.key("sink.flush-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription("Idempotent mode: longest time a change waits in a batch.");

    public static final ConfigOption<String> SINK_TRANSACTION_PREFIX =
            ConfigOptions.key("sink.transaction-prefix")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Exactly-once mode: prefix of the XA transaction ids, unique per job"
                                    + " writing to the same MySQL server. Default: derived from"
                                    + " the target database and the mapped tables (dbt-<16 hex>),"
                                    + " so two migrations into different databases or tables"
                                    + " never touch each other's branches. A restored job keeps"
                                    + " resolving the prefix recorded in its state.");

    public static final ConfigOption<FreshStart> SINK_ON_FRESH_START =
            ConfigOptions.key("sink.on-fresh-start")
                    .enumType(FreshStart.class)
                    .defaultValue(FreshStart.FAIL_IF_NOT_EMPTY)
                    .withDescription(
                            "A start without a savepoint snapshots every document again. When"
                                    + " target tables already hold rows: fail_if_not_empty"
                                    + " (default) stops with an explanation; truncate empties the"
                                    + " mapped tables first (re-snapshot, e.g. after the resume"
                                    + " point expired); keep overwrites version-guarded and leaves"
                                    + " rows of documents deleted meanwhile for reconciliation."
                                    + " A re-run of main() by the job (fixed job id) that"
                                    + " prepared the target, as on a JobManager failover, leaves"
                                    + " the tables alone.");

    public static final ConfigOption<String> ON_TYPE_MISMATCH =
            ConfigOptions.key("normalize.on-type-mismatch")
                    .stringType()
                    .defaultValue("keep-in-extra")
                    .withDescription(
                            "keep-in-extra: write NULL in the column, keep the value in the extra"
                                    + " JSON column, record a dead letter; skip-document: do not"
                                    + " write the document, record a dead letter.");

    public static final ConfigOption<Integer> MAX_PARALLELISM =
            ConfigOptions.key("job.max-parallelism")
                    .intType()
                    .defaultValue(128)
                    .withDescription(
                            "Fixed max parallelism (number of key groups); never change it for a"
                                    + " job that restores from a savepoint.");

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            ConfigOptions.key("job.checkpoint-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription(
                            "Checkpoint interval when the cluster config sets none. Exactly-once"
                                    + " rows become visible in MySQL at this pace; the change"
                                    + " stream only starts after a checkpoint.");

    public static final ConfigOption<String> REVERSE_START_AT =
            ConfigOptions.key("reverse.start-at")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The way back (MySqlToMongoJob) only: the binlog point FILE:POSITION"
                                    + " where the reverse job starts, the reverseStartsAt of the"
                                    + " cutover certificate.");

    public static final ConfigOption<String> REVERSE_SERVER_ID =
            ConfigOptions.key("reverse.server-id")
                    .stringType()
                    .defaultValue("5400-5410")
                    .withDescription(
                            "The way back only: the replication server id (or range) the binlog"
                                    + " reader uses, unique among the server's replicas.");

    public static final ConfigOption<Boolean> RECONCILE_ENABLED =
            ConfigOptions.key("reconcile.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Run the reconcile operator: read every changed key back from the target"
                                    + " after its checkpoint completed and sweep bucket digests.");

    public static final ConfigOption<Duration> RECONCILE_CHECK_DELAY =
            ConfigOptions.key("reconcile.check-delay")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "Wait after a checkpoint completed before its keys are read back"
                                    + " (the sink commits after completion).");

    public static final ConfigOption<Duration> RECONCILE_RECHECK_DELAY =
            ConfigOptions.key("reconcile.recheck-delay")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "First delay before a key MySQL has not caught up with is read again;"
                                    + " doubles per recheck up to reconcile.max-backoff.");

    public static final ConfigOption<Duration> RECONCILE_MAX_BACKOFF =
            ConfigOptions.key("reconcile.max-backoff")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription("Longest delay between two rechecks of a key.");

    public static final ConfigOption<Integer> RECONCILE_MAX_RECHECKS =
            ConfigOptions.key("reconcile.max-rechecks")
                    .intType()
                    .defaultValue(8)
                    .withDescription(
                            "Rechecks without convergence after which a key is reported as a"
                                    + " mismatch.");

    public static final ConfigOption<Duration> RECONCILE_SWEEP_INTERVAL =
            ConfigOptions.key("reconcile.sweep-interval")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "Time between sweeps that compare per-key digests of the job's"
                                    + " state with MySQL's rows (finds changes behind the job's"
                                    + " back); also how long after the last snapshot-phase"
                                    + " change a sweep waits before it starts or goes on (no"
                                    + " sweeps while a snapshot is written); 0 disables sweeps.");

    public static final ConfigOption<Integer> RECONCILE_SWEEP_BUCKETS =
            ConfigOptions.key("reconcile.sweep-buckets")
                    .intType()
                    .defaultValue(256)
                    .withDescription(
                            "No longer used (sweeps compare key by key in pages, see"
                                    + " reconcile.sweep-page-size); accepted for old"
                                    + " configurations.");

    public static final ConfigOption<Integer> RECONCILE_SWEEP_PAGE_SIZE =
            ConfigOptions.key("reconcile.sweep-page-size")
                    .intType()
                    .defaultValue(1000)
                    .withDescription(
                            "Keys per sweep page: a sweep reads this many state keys, or parent"
                                    + " rows (with their child rows) by primary-key range, per"
                                    + " page; its memory is bounded by the page (and 50,000 state"
                                    + " keys listed ahead), not the table.");

    public static final ConfigOption<Duration> RECONCILE_TIME_SLICE =
            ConfigOptions.key("reconcile.time-slice")
                    .durationType()
                    .defaultValue(Duration.ofMillis(100))
                    .withDescription(
                            "Task-thread time the reconcile operator may spend per timer firing"
                                    + " (every 200 ms) on read-backs and on sweep pages (at least"
                                    + " one batch or page runs): bounds how long a checkpoint"
                                    + " barrier waits behind them. A sweep of a large table spans"
                                    + " many firings and checkpoints and continues after a"
                                    + " restore; due read-backs left over wait for the next"
                                    + " firing.");

    public static final ConfigOption<Boolean> RECONCILE_REPAIR =
            ConfigOptions.key("reconcile.repair")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Repair every mismatch: re-read the document from MongoDB by key and"
                                    + " send it through the sink, ordered with the key's live"
                                    + " changes (extra rows are deleted); each repair is recorded"
                                    + " in _dbtransfer_mismatch with status repaired.");

    public static final ConfigOption<String> KAFKA_BOOTSTRAP_SERVERS =
            ConfigOptions.key("kafka.bootstrap-servers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Kafka brokers (host:port,…) for the optional topics below; needed"
                                    + " as soon as one topic is set.");

    public static final ConfigOption<String> KAFKA_CHANGELOG_TOPIC =
            ConfigOptions.key("kafka.changelog-topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Topic that receives every normalized change sent to the MySQL change"
                                    + " sink (JSON, see 'Kafka topics'); unset: no changelog.");

    public static final ConfigOption<String> KAFKA_DEAD_LETTER_TOPIC =
            ConfigOptions.key("kafka.dead-letter-topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Topic that receives every dead letter (as _dbtransfer_dlq does);"
                                    + " unset: none.");

    public static final ConfigOption<String> KAFKA_MISMATCH_TOPIC =
            ConfigOptions.key("kafka.mismatch-topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Topic that receives every reconciliation mismatch (as"
                                    + " _dbtransfer_mismatch does; needs reconcile.enabled);"
                                    + " unset: none.");

    public static final ConfigOption<org.apache.flink.connector.base.DeliveryGuarantee>
            KAFKA_DELIVERY =
                    ConfigOptions.key("kafka.delivery")
                            .enumType(org.apache.flink.connector.base.DeliveryGuarantee.class)
                            .defaultValue(
                                    org.apache.flink.connector.base.DeliveryGuarantee.EXACTLY_ONCE)
                            .withDescription(
                                    "exactly_once: one Kafka transaction per sink subtask and checkpoint,"
                                            + " committed after the checkpoint completed (read with"
                                            + " isolation.level=read_committed); at_least_once: flushed at"
                                            + " checkpoints, replays after a failure appear again.");

    public static final ConfigOption<String> KAFKA_TRANSACTIONAL_ID_PREFIX =
            ConfigOptions.key("kafka.transactional-id-prefix")
                    .stringType()
                    .defaultValue("dbtransfer")
                    .withDescription(
                            "Exactly-once: prefix of the transactional ids (the topic is appended)."
                                    + " Must be stable across restarts of one job and unique per"
                                    + " job writing to the same Kafka cluster.");

    public static final ConfigOption<Duration> KAFKA_TRANSACTION_TIMEOUT =
            ConfigOptions.key("kafka.transaction-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(15))
                    .withDescription(
                            "Exactly-once: transaction.timeout.ms of the producers. Must exceed"
                                    + " the checkpoint interval plus the longest expected"
                                    + " downtime (the broker aborts older open transactions),"
                                    + " and must not exceed the brokers'"
                                    + " transaction.max.timeout.ms (default 15 min; checked"
                                    + " when the job is built).");

    public static final ConfigOption<Map<String, String>> KAFKA_PROPERTIES =
            ConfigOptions.key("kafka.properties")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "Kafka client properties passed through unchanged, written"
                                    + " kafka.properties.<name>: value (e.g."
                                    + " kafka.properties.security.protocol: SASL_SSL). In a value,"
                                    + " ${DBTRANSFER_KAFKA_PASSWORD} is replaced by that"
                                    + " environment variable.");

    public static final ConfigOption<String> KAFKA_PROPERTIES_FILE =
            ConfigOptions.key("kafka.properties-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A Kafka client properties file (e.g. a mounted secret holding"
                                    + " sasl.jaas.config or ssl.*.password); kafka.properties.*"
                                    + " settings win over it.");

    /** Every option, for validating job files and printing the reference. */
    public static final List<ConfigOption<?>> ALL =
            List.of(
                    MONGO_URI,
                    MONGO_PASSWORD_FILE,
                    MONGO_DATABASE,
                    MONGO_COLLECTIONS,
                    MONGO_RESNAPSHOT,
                    MYSQL_URL,
                    TARGET_TYPE,
                    MYSQL_USERNAME,
                    MYSQL_PASSWORD,
                    MYSQL_PASSWORD_FILE,
                    SOURCE_STARTUP_MODE,
                    SOURCE_STARTUP_TIMESTAMP,
                    SOURCE_HEARTBEAT,
                    SOURCE_SPLIT_SIZE_MB,
                    SOURCE_PARALLELISM,
                    SOURCE_BATCH_SIZE,
                    SOURCE_POLL_MAX_BATCH_SIZE,
                    SOURCE_POLL_AWAIT,
                    SOURCE_SNAPSHOT_RATE_ESTIMATE,
                    SINK_DELIVERY,
                    SINK_BATCH_SIZE,
                    SINK_FLUSH_INTERVAL,
                    SINK_TRANSACTION_PREFIX,
                    SINK_ON_FRESH_START,
                    ON_TYPE_MISMATCH,
                    MAX_PARALLELISM,
                    CHECKPOINT_INTERVAL,
                    RECONCILE_ENABLED,
                    RECONCILE_CHECK_DELAY,
                    RECONCILE_RECHECK_DELAY,
                    RECONCILE_MAX_BACKOFF,
                    RECONCILE_MAX_RECHECKS,
                    RECONCILE_SWEEP_INTERVAL,
                    RECONCILE_SWEEP_BUCKETS,
                    RECONCILE_SWEEP_PAGE_SIZE,
                    RECONCILE_TIME_SLICE,
                    RECONCILE_REPAIR,
                    KAFKA_BOOTSTRAP_SERVERS,
                    KAFKA_CHANGELOG_TOPIC,
                    KAFKA_DEAD_LETTER_TOPIC,
                    KAFKA_MISMATCH_TOPIC,
                    KAFKA_DELIVERY,
                    KAFKA_TRANSACTIONAL_ID_PREFIX,
                    KAFKA_TRANSACTION_TIMEOUT,
                    KAFKA_PROPERTIES,
                    KAFKA_PROPERTIES_FILE,
                    REVERSE_START_AT,
                    REVERSE_SERVER_ID);
}
