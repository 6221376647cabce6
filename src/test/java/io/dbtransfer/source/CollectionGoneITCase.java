package io.dbtransfer.source;

import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.restartstrategy.RestartStrategies;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.MongoNamespace;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A watched collection dropped or renamed while the job runs stops the job once, with a message
 * that says what happened and what to do; MySQL keeps the rows. (Flink CDC 3.5 logs such events at
 * INFO and carries on: before this guard the job kept running, silently.)
 */
@ExtendWith(SharedMiniCluster.class)
class CollectionGoneITCase {

    @Test
    void droppedCollectionStopsTheJobAndMySqlKeepsTheRows() throws Exception {
        MigrationFixture f = new MigrationFixture("dropped").collections(ITEMS);
        MongoCollection<Document> coll = load(f);
        JobClient job = startAndSync(f, coll);

        coll.drop();

        String messages = awaitFailure(job);
        assertThat(messages)
                .contains("MongoDB collection " + f.mongoDatabase + ".items was dropped at")
                .contains("MySQL keeps the rows")
                .contains("WITHOUT the savepoint")
                .contains("sink.on-fresh-start: truncate")
                .contains("'Collection dropped or renamed'");
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.FAILED);
        assertThat(mysqlValues(f)).isEqualTo(expectedRows());
    }

    @Test
    void renamedCollectionStopsTheJobNamingTheNewName() throws Exception {
        MigrationFixture f = new MigrationFixture("renamed").collections(ITEMS);
        MongoCollection<Document> coll = load(f);
        JobClient job = startAndSync(f, coll);

        coll.renameCollection(new MongoNamespace(f.mongoDatabase, "items_archive"));

        String messages = awaitFailure(job);
        assertThat(messages)
                .contains(
                        "MongoDB collection "
                                + f.mongoDatabase
                                + ".items was renamed to "
                                + f.mongoDatabase
                                + ".items_archive at")
                .contains("WITHOUT the savepoint");
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.FAILED);
        assertThat(mysqlValues(f)).isEqualTo(expectedRows());
    }

    private static final String ITEMS = "items:\n  columns:\n    v: INT\n";

    private static MongoCollection<Document> load(MigrationFixture f) {
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        for (int i = 0; i < 20; i++) {
            coll.insertOne(new Document("_id", i).append("v", i));
        }
        return coll;
    }

    /** Starts the job, makes one change in the stream phase and waits for both to reach MySQL. */
    private static JobClient startAndSync(MigrationFixture f, MongoCollection<Document> coll)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        // Many restarts allowed: only a failure that suppresses restarts ends the job.
        env.setRestartStrategy(RestartStrategies.fixedDelayRestart(1000, 100));
        JobClient job = f.start(env);
        f.awaitConsistent(MigrationFixture.TIMEOUT);
        coll.updateOne(Filters.eq("_id", 5), Updates.set("v", 500));
        f.awaitConsistent(MigrationFixture.TIMEOUT);
        return job;
    }

    /** The messages of the job's failure; fails the test if the job is still running. */
    private static String awaitFailure(JobClient job) throws Exception {
        try {
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
            fail("the job finished normally after the collection went away");
            return null;
        } catch (TimeoutException e) {
            String status = String.valueOf(job.getJobStatus().get());
            job.cancel().get();
            fail(
                    "the job was still "
                            + status
                            + " 60 s after the collection went away: the event was ignored"
                            + " silently");
            return null;
        } catch (ExecutionException e) {
            StringBuilder sb = new StringBuilder();
            for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
                sb.append(c.getMessage()).append('\n');
            }
            return sb.toString();
        }
    }

    private static java.util.Map<Integer, Integer> expectedRows() {
        java.util.Map<Integer, Integer> rows = new java.util.TreeMap<>();
        for (int i = 0; i < 20; i++) {
            rows.put(i, i == 5 ? 500 : i);
        }
        return rows;
    }

    /** {@code _id → v} read from MySQL with plain JDBC. */
    private static java.util.Map<Integer, Integer> mysqlValues(MigrationFixture f)
            throws Exception {
        java.util.Map<Integer, Integer> rows = new java.util.TreeMap<>();
        try (Connection c = f.mysql();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT `_id`, `v` FROM `items`")) {
            while (rs.next()) {
                rows.put(Integer.valueOf(rs.getString(1)), rs.getInt(2));
            }
        }
        return rows;
    }
}
