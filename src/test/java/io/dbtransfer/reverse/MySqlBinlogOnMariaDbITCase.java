package io.dbtransfer.reverse;

import io.dbtransfer.embedded.EmbeddedMariaDb;
import io.dbtransfer.testing.SharedMiniCluster;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.restartstrategy.RestartStrategies;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.cdc.connectors.mysql.source.MySqlSource;
import org.apache.flink.cdc.connectors.mysql.table.StartupOptions;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Feasibility facts for reverse replication (issue #17), see shared note mysql-cdc-mariadb.md:
 * Flink CDC 3.5's MySQL source reads the embedded MariaDB 11.4's binlog from a position taken with
 * {@code SHOW BINLOG STATUS}, without a snapshot, and the changes of one transaction carry one
 * binlog position (its BEGIN); an XA transaction in the binlog stops the stream (a known limit).
 */
@ExtendWith(SharedMiniCluster.class)
class MySqlBinlogOnMariaDbITCase {

    /** What a binlog reader needs from MariaDB: a ROW binlog with full images and a server id. */
    static final List<String> BINLOG_OPTIONS =
            List.of(
                    "--log-bin=mysql-bin",
                    "--binlog-format=ROW",
                    "--binlog-row-image=FULL",
                    "--server-id=1");

    @Test
    void readsFromABinlogPositionWithoutSnapshotAndStopsAtAnXaTransaction(@TempDir Path dir)
            throws Exception {
        try (EmbeddedMariaDb db = EmbeddedMariaDb.start(dir, BINLOG_OPTIONS)) {
            String root = db.jdbcUrl("");
            exec(
                    root,
                    "CREATE DATABASE rev",
                    "CREATE TABLE rev.parent (id INT PRIMARY KEY, name VARCHAR(50))",
                    "CREATE TABLE rev.child (id INT PRIMARY KEY, parent_id INT, v VARCHAR(50))",
                    "INSERT INTO rev.parent VALUES (1,'before-cutover')",
                    "INSERT INTO rev.child VALUES (10,1,'before-cutover')",
                    // The least a binlog reader needs (REPLICATION CLIENT is BINLOG MONITOR here).
                    "CREATE USER cdc IDENTIFIED BY 'cdcpw'",
                    "GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO cdc");
            String file;
            long pos;
            try (Connection c = DriverManager.getConnection(root);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SHOW BINLOG STATUS")) {
                assertThat(rs.next()).isTrue();
                file = rs.getString("File");
                pos = rs.getLong("Position");
            }

            BlockingQueue<String> out = new LinkedBlockingQueue<>();
            JobClient job = start(db, StartupOptions.specificOffset(file, pos), out);
            try {
                try (Connection c = DriverManager.getConnection(root);
                        Statement s = c.createStatement()) {
                    c.setAutoCommit(false);
                    s.execute("UPDATE rev.parent SET name='in-tx' WHERE id=1");
                    s.execute("INSERT INTO rev.child VALUES (11,1,'in-tx'),(12,1,'in-tx')");
                    s.execute("DELETE FROM rev.child WHERE id=10");
                    c.commit();
                    c.setAutoCommit(true);
                    s.execute("INSERT INTO rev.parent VALUES (2,'own-tx')");
                }
                List<String> got = take(out, 5);
                // No snapshot records (op r), nothing from before the position; the four changes
                // of the transaction share its BEGIN position and transaction id.
                String tx = "file=" + file + ",pos=" + pos;
                assertThat(got)
                        .containsExactly(
                                "u parent 1 " + tx + " " + tx,
                                "c child 11 " + tx + " " + tx,
                                "c child 12 " + tx + " " + tx,
                                "d child 10 " + tx + " " + tx,
                                got.get(4));
                assertThat(got.get(4)).startsWith("c parent 2 file=" + file).doesNotContain(tx);

                // An XA transaction (what the forward sink writes) ends the stream: the binlog
                // client asks for MariaDB's old-slave format, which cannot express XA's events.
                exec(
                        root,
                        "XA START 'x1'",
                        "INSERT INTO rev.parent VALUES (3,'xa')",
                        "XA END 'x1'",
                        "XA PREPARE 'x1'",
                        "XA COMMIT 'x1'");
                ExecutionException failed = null;
                try {
                    job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    failed = e;
                }
                assertThat(failed).isNotNull();
                assertThat(
                                ExceptionUtils.findThrowableWithMessage(
                                        failed,
                                        "Failed to replace GTID event with backwards-compatible"
                                                + " event"))
                        .isPresent();
                assertThat(out).isEmpty();
            } finally {
                if (!job.getJobStatus().get().isGloballyTerminalState()) {
                    job.cancel().get(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static JobClient start(
            EmbeddedMariaDb db, StartupOptions startup, BlockingQueue<String> out)
            throws Exception {
        Properties dbz = new Properties();
        dbz.setProperty("provide.transaction.metadata", "true");
        MySqlSource<String> source =
                MySqlSource.<String>builder()
                        .hostname("127.0.0.1")
                        .port(db.port())
                        .username("cdc")
                        .password("cdcpw")
                        .databaseList("rev")
                        .tableList("rev.parent", "rev.child")
                        .serverId("5400")
                        .serverTimeZone("UTC")
                        .startupOptions(startup)
                        .debeziumProperties(dbz)
                        .deserializer(new Line())
                        .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(500);
        env.setRestartStrategy(RestartStrategies.noRestart());
        CloseableIterator<String> it =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "mysql-binlog")
                        .collectAsync();
        JobClient job = env.executeAsync("mysql-binlog-on-mariadb");
        Thread pump =
                new Thread(
                        () -> {
                            try {
                                while (it.hasNext()) {
                                    out.add(it.next());
                                }
                            } catch (RuntimeException jobEnded) {
                                // the XA step fails the job on purpose
                            }
                        },
                        "collect-pump");
        pump.setDaemon(true);
        pump.start();
        return job;
    }

    private static List<String> take(BlockingQueue<String> out, int n) throws Exception {
        List<String> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String line = out.poll(60, TimeUnit.SECONDS);
            assertThat(line).as("change %d of %d (so far %s)", i + 1, n, got).isNotNull();
            got.add(line);
        }
        return got;
    }

    private static void exec(String url, String... sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    /** One line per change: op, table, key, binlog offset (file, pos) and transaction id. */
    static final class Line implements DebeziumDeserializationSchema<String> {
        @Override
        public void deserialize(SourceRecord r, Collector<String> out) {
            Struct v = (Struct) r.value();
            Struct row = v.getStruct(v.getString("op").equals("d") ? "before" : "after");
            Map<String, ?> offset = r.sourceOffset();
            Struct tx = v.getStruct("transaction");
            out.collect(
                    v.getString("op")
                            + " "
                            + v.getStruct("source").getString("table")
                            + " "
                            + row.get("id")
                            + " file="
                            + offset.get("file")
                            + ",pos="
                            + offset.get("pos")
                            + " "
                            + (tx == null ? "-" : tx.getString("id")));
        }

        @Override
        public TypeInformation<String> getProducedType() {
            return Types.STRING;
        }
    }
}
