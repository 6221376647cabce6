package io.dbtransfer;

import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.IndependentOracle;
import io.dbtransfer.testing.LiveTraffic;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TaskManagerKills;
import io.dbtransfer.testing.TestPostgres;
import io.dbtransfer.testing.TestTarget;
import io.dbtransfer.workload.ReviewDocuments;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole job (MongoDB wire emulator → Flink → PostgreSQL) into the embedded PostgreSQL (or
 * {@code DBTRANSFER_POSTGRES_URL}): snapshot, live writes, a TaskManager failure in the stream
 * phase, more live writes; then MongoDB and PostgreSQL are read independently ({@link
 * IndependentOracle}: driver and plain JDBC, none of the job's mapping code) and must be equal.
 */
@ExtendWith(SharedMiniCluster.class)
class MongoToPostgresJobITCase {

    private static final String REVIEWS = ReviewDocuments.mappingYaml("reviews");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"exactly-once", "idempotent"})
    void migratesUnderLiveWritesAndATaskManagerFailure(
            String delivery, @InjectMiniCluster MiniCluster cluster) throws Exception {
        MigrationFixture f =
                new MigrationFixture("pg_" + delivery.replace('-', '_'), TestTarget.POSTGRESQL)
                        .collections(REVIEWS)
                        .set("sink.delivery-guarantee", delivery)
                        // Reconciliation reads back in MySQL's SQL: refused on PostgreSQL.
                        .set("reconcile.enabled", "false")
                        .set("source.batch-size", "100");
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        ReviewDocuments gen = new ReviewDocuments(21);
        List<Document> docs = gen.next(3000);
        coll.insertMany(docs);
        List<Object> ids = new ArrayList<>();
        for (Document d : docs) {
            ids.add(d.getString("_id"));
        }
        IndependentOracle oracle = IndependentOracle.reviews("reviews");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.setRestartStrategy(
                org.apache.flink.api.common.restartstrategy.RestartStrategies.fixedDelayRestart(
                        3, 500));
        JobClient job = f.start(env);
        try (LiveTraffic traffic =
                LiveTraffic.on(coll)
                        .seed(5)
                        .keys(ids)
                        .update((r, n) -> Updates.inc("rating.helpfulVotes", 1))
                        .update((r, n) -> Updates.set("headline", "live " + r.nextInt()))
                        .update((r, n) -> Updates.set("flag", n))
                        .delete()
                        .insert(gen::next)
                        .start()) {
            // Writes while the snapshot runs and after it, a failure, more writes.
            traffic.awaitWrites(300, MigrationFixture.TIMEOUT);
            Eventually.waitUntil(
                    MigrationFixture.TIMEOUT, "rows in PostgreSQL", () -> count(f, "reviews") > 0);
            TaskManagerKills.killAndRestart(cluster, job.getJobID());
            traffic.awaitWrites(600, MigrationFixture.TIMEOUT);
            traffic.stop();
            oracle.awaitEqual(f.mongo(), f.mysqlUrl, MigrationFixture.TIMEOUT);
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get();
        }
        assertThat(count(f, "reviews")).isGreaterThan(2000);
        // Deletes left their tombstones.
        assertThat(count(f, "_dbtransfer_tombstone")).isPositive();
    }

    private static long count(MigrationFixture f, String table) throws Exception {
        try (Connection c = TestPostgres.connect(f.mysqlUrl);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM \"" + table + "\"")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
