package io.dbtransfer.reconcile;

import io.dbtransfer.dialect.MismatchRows;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.LiveTraffic;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.verify.ChunkedVerifier;
import io.dbtransfer.verify.ConsistencyReport;
import io.dbtransfer.verify.VerifyReport;
import io.dbtransfer.workload.ReviewDocuments;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole job with reconciliation under sustained live traffic: MySQL is corrupted behind the
 * job's back on keys the traffic does not touch, and exactly those corruptions — no false positive
 * from the traffic — reach {@code _dbtransfer_mismatch} with the right kind, key and differing
 * column (the changed column is named from the document re-read from MongoDB).
 */
@ExtendWith(SharedMiniCluster.class)
class ReconcileJobITCase {

    static TreeSet<String> mismatches(MigrationFixture f) throws Exception {
        TreeSet<String> out = new TreeSet<>();
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            if (!st.executeQuery("SHOW TABLES LIKE '" + MismatchRows.TABLE + "'").next()) {
                return out;
            }
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT kind, doc_key, differing_columns FROM " + MismatchRows.TABLE)) {
                while (rs.next()) {
                    out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
                }
            }
        }
        return out;
    }

    @Test
    void findsEveryCorruptionUnderLiveTrafficAndNothingElse() throws Exception {
        MigrationFixture f =
                new MigrationFixture("rjob")
                        .collections(ReviewDocuments.mappingYaml("reviews"))
                        .set("reconcile.sweep-interval", "1 s")
                        .set("reconcile.sweep-buckets", "32")
                        .set("reconcile.check-delay", "200 ms")
                        .set("reconcile.recheck-delay", "200 ms")
                        .set("reconcile.max-backoff", "1 s")
                        .set("reconcile.max-rechecks", "10");
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        ReviewDocuments gen = new ReviewDocuments(11);
        List<Document> docs = gen.next(2000);
        coll.insertMany(docs);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        JobClient job = f.start(env);
        List<String> touched = new ArrayList<>();
        for (Document d : docs.subList(200, 2000)) {
            touched.add(d.getString("_id"));
        }
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            try (LiveTraffic traffic =
                    LiveTraffic.on(coll)
                            .seed(3)
                            .keys(touched)
                            .update((r, n) -> Updates.inc("rating.helpfulVotes", 1))
                            .update((r, n) -> Updates.set("headline", "live " + r.nextInt()))
                            .delete()
                            .insert(gen::next)
                            .start()) {
                traffic.awaitWrites(500, MigrationFixture.TIMEOUT);
                checkUnderTraffic(f, docs, traffic);
            }
        } finally {
            job.cancel().get();
        }
    }

    /** Corrupts MySQL on keys the traffic does not touch; checks exactly those are found. */
    private static void checkUnderTraffic(
            MigrationFixture f, List<Document> docs, LiveTraffic traffic) throws Exception {
        assertThat(mismatches(f)).as("no false positive under live traffic").isEmpty();

        String changed = docs.get(0).getString("_id");
        String deleted = docs.get(1).getString("_id");
        String versioned = docs.get(2).getString("_id");
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            st.execute(
                    "UPDATE reviews SET star_rating = star_rating + 10 WHERE _id = '"
                            + changed
                            + "'");
            st.execute("DELETE FROM reviews WHERE _id = '" + deleted + "'");
            st.execute(
                    "UPDATE reviews SET _src_version = _src_version - 1 WHERE _id = '"
                            + versioned
                            + "'");
            st.execute(
                    "INSERT INTO reviews (_id, marketplace, _src_version)"
                            + " VALUES ('EXTRA-ROW', 'US', 1)");
        }
        TreeSet<String> expected =
                new TreeSet<>(
                        List.of(
                                "different " + changed + " star_rating",
                                "missing " + deleted + " rows",
                                "different " + versioned + " _src_version",
                                "extra EXTRA-ROW rows"));
        Eventually.waitUntil(
                MigrationFixture.TIMEOUT,
                "the four corruptions in " + MismatchRows.TABLE,
                () -> mismatches(f).size() >= expected.size());
        assertThat(mismatches(f)).isEqualTo(expected);

        traffic.stop();
        // The independent document-by-document comparison sees the same column corruptions
        // (it does not compare versions).
        ConsistencyReport[] report = new ConsistencyReport[1];
        Eventually.waitUntil(
                MigrationFixture.TIMEOUT,
                "MySQL to catch up with the stopped traffic",
                () -> {
                    report[0] = f.compare();
                    return report[0].different + report[0].missing + report[0].extra <= 3;
                });
        assertThat(report[0].different).isEqualTo(1);
        assertThat(report[0].missing).isEqualTo(1);
        assertThat(report[0].extra).isEqualTo(1);
        assertThat(mismatches(f)).as("still nothing else").isEqualTo(expected);

        // The standalone verifier agrees with the in-job verdict on the same data (it cannot
        // see a version-only difference: MongoDB holds no version column).
        VerifyReport verified;
        try (Connection c = f.mysql()) {
            verified =
                    new ChunkedVerifier(
                                    new DocumentNormalizer(
                                            f.config().mapping(), f.config().mismatchPolicy()),
                                    250,
                                    100,
                                    m -> {})
                            .verify(f.mongo(), c);
        }
        TreeSet<String> fromVerify = new TreeSet<>();
        for (String[] m : verified.mismatches) {
            fromVerify.add(m[2] + " " + m[1]);
        }
        assertThat(fromVerify)
                .containsExactlyInAnyOrder(
                        "different " + changed, "missing " + deleted, "extra EXTRA-ROW");
    }
}
