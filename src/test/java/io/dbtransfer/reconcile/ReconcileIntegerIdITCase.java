package io.dbtransfer.reconcile;

import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TestDurations;
import io.dbtransfer.testing.TestTarget;

import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.client.MongoCollection;
import org.bson.Document;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integer {@code _id}s under a text key column (the mapping's default key type): reconcile's sweeps
 * judge each target row (MySQL and PostgreSQL) as the integer the source holds, not as a string
 * {@code _id} with the same text, so they find nothing to report and, with {@code
 * reconcile.repair}, delete nothing; a row changed behind the job's back is still found and
 * repaired.
 */
@ExtendWith(SharedMiniCluster.class)
class ReconcileIntegerIdITCase {

    private static long sum(JobID job, String name) {
        long sum = 0;
        for (Metric m : SharedMiniCluster.METRICS.findMetrics(job, name).values()) {
            sum +=
                    m instanceof Counter c
                            ? c.getCount()
                            : ((Number) ((Gauge<?>) m).getValue()).longValue();
        }
        return sum;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestTarget.class)
    void sweepsOfIntegerIdsUnderATextKeyFindAndRepairOnlyTheRealDifference(TestTarget target)
            throws Exception {
        MigrationFixture f =
                new MigrationFixture("reconcile_intid", target)
                        .collections("items:\n  columns:\n    qty: INT\n    name: VARCHAR(50)\n")
                        .set("reconcile.sweep-interval", "1 s")
                        .set("reconcile.repair", "true");
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            docs.add(new Document("_id", i).append("qty", i).append("name", "n" + i));
        }
        coll.insertMany(docs);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        JobClient job = f.start(env);
        JobID id = job.getJobID();
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            long before = sum(id, "reconcile_sweeps");
            // Two full sweeps of every subtask after the data arrived.
            Eventually.waitUntil(
                    TestDurations.MEDIUM,
                    "two more reconcile sweeps",
                    () -> sum(id, "reconcile_sweeps") >= before + 4);
            assertThat(sum(id, "mismatches_total")).as("mismatches after the sweeps").isZero();
            assertThat(f.count("items")).as("rows after the sweeps").isEqualTo(200);

            try (Connection c = f.mysql();
                    Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE items SET name = 'corrupted' WHERE _id = '50'");
            }
            Eventually.waitUntil(
                    TestDurations.MEDIUM,
                    "the changed row found and repaired",
                    () -> sum(id, "mismatches_repaired_total") == 1);
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            assertThat(sum(id, "mismatches_total")).isEqualTo(1);
            List<String> recorded = new ArrayList<>();
            Eventually.waitUntil(
                    TestDurations.SHORT,
                    "the mismatch record",
                    () -> {
                        recorded.clear();
                        try (Connection c = f.mysql();
                                Statement st = c.createStatement();
                                ResultSet rs =
                                        st.executeQuery(
                                                "SELECT doc_key, kind, status FROM"
                                                        + " _dbtransfer_mismatch")) {
                            while (rs.next()) {
                                recorded.add(
                                        rs.getString(1)
                                                + " "
                                                + rs.getString(2)
                                                + " "
                                                + rs.getString(3));
                            }
                        }
                        return !recorded.isEmpty();
                    });
            assertThat(recorded).containsExactly("50 different repaired");
        } finally {
            job.cancel().get();
        }
    }
}
