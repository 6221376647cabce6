package io.dbtransfer.reconcile;

import io.dbtransfer.dialect.MismatchRows;
import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.IndependentOracle;
import io.dbtransfer.testing.LiveTraffic;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TestTarget;
import io.dbtransfer.workload.ReviewDocuments;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole job with {@code reconcile.repair: true} under live traffic, in both delivery modes on
 * MySQL and exactly-once on PostgreSQL: corruptions injected in the target behind the job's back (a
 * changed column, a deleted parent row, a deleted and an added child row, a rewritten {@code
 * _src_version}, an extra row, an orphan child row) are each found with the right kind, key and
 * differing columns, repaired and recorded as {@code repaired}; afterwards the target equals
 * MongoDB (both read directly) and later sweeps record nothing new.
 */
@ExtendWith(SharedMiniCluster.class)
class ReconcileRepairJobITCase {

    static TreeSet<String> records(MigrationFixture f) throws Exception {
        TreeSet<String> out = new TreeSet<>();
        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            boolean pg = TestTarget.isPostgres(c);
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT 1 FROM information_schema.tables WHERE table_schema = "
                                    + (pg ? "current_schema()" : "DATABASE()")
                                    + " AND table_name = '"
                                    + MismatchRows.TABLE
                                    + "'")) {
                if (!rs.next()) {
                    return out;
                }
            }
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT kind, doc_key, differing_columns, status FROM "
                                    + MismatchRows.TABLE)) {
                while (rs.next()) {
                    out.add(
                            rs.getString(1)
                                    + " "
                                    + rs.getString(2)
                                    + " "
                                    + rs.getString(3)
                                    + " "
                                    + rs.getString(4));
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"MYSQL, exactly-once", "MYSQL, idempotent", "POSTGRESQL, exactly-once"})
    void repairsEveryCorruptionUnderLiveTraffic(TestTarget target, String delivery)
            throws Exception {
        MigrationFixture f =
                new MigrationFixture(
                                "rr"
                                        + delivery.charAt(0)
                                        + (target == TestTarget.POSTGRESQL ? "p" : ""),
                                target)
                        .collections(ReviewDocuments.mappingYaml("reviews"))
                        .set("sink.delivery-guarantee", delivery)
                        .set("sink.flush-interval", "200 ms")
                        .set("reconcile.repair", "true")
                        .set("reconcile.sweep-interval", "1 s")
                        .set("reconcile.sweep-buckets", "32")
                        .set("reconcile.check-delay", "200 ms")
                        .set("reconcile.recheck-delay", "200 ms")
                        .set("reconcile.max-backoff", "1 s")
                        .set("reconcile.max-rechecks", "10");
        MongoCollection<Document> coll = f.mongo().getCollection("reviews");
        ReviewDocuments gen = new ReviewDocuments(13);
        List<Document> docs = gen.next(1000);
        for (int i = 0; i < 10; i++) {
            docs.get(i)
                    .put(
                            "comments",
                            List.of(
                                    new Document("user", "u" + i).append("text", "first"),
                                    new Document("user", "v" + i).append("text", "second")));
        }
        coll.insertMany(docs);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        JobClient job = f.start(env);
        List<String> touched = new ArrayList<>();
        for (Document d : docs.subList(100, 1000)) {
            touched.add(d.getString("_id"));
        }
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            try (LiveTraffic traffic =
                    LiveTraffic.on(coll)
                            .seed(5)
                            .keys(touched)
                            .update((r, n) -> Updates.inc("rating.helpfulVotes", 1))
                            .update(
                                    (r, n) ->
                                            Updates.push(
                                                    "comments",
                                                    new Document("user", "live")
                                                            .append("text", "t")))
                            .delete()
                            .insert(gen::next)
                            .start()) {
                traffic.awaitWrites(300, MigrationFixture.TIMEOUT);
                assertThat(records(f)).as("no false positive under live traffic").isEmpty();

                String[] id = new String[5];
                for (int i = 0; i < id.length; i++) {
                    id[i] = docs.get(i).getString("_id");
                }
                String versionBefore = f.versions("reviews").get(id[4]);
                try (Connection c = f.mysql();
                        Statement st = c.createStatement()) {
                    st.execute(
                            "UPDATE reviews SET star_rating = star_rating + 10 WHERE _id = '"
                                    + id[0]
                                    + "'");
                    st.execute("DELETE FROM reviews WHERE _id = '" + id[1] + "'");
                    st.execute(
                            "DELETE FROM reviews_comments WHERE _id = '"
                                    + id[2]
                                    + "' AND _idx = 1");
                    st.execute(
                            "INSERT INTO reviews_comments (_id, _idx, "
                                    + MigrationFixture.quote(c, "user")
                                    + ", text) VALUES ('"
                                    + id[3]
                                    + "', 5, 'intruder', 'added')");
                    st.execute(
                            "UPDATE reviews SET _src_version = _src_version + 1000000 WHERE _id = '"
                                    + id[4]
                                    + "'");
                    st.execute(
                            "INSERT INTO reviews (_id, marketplace, _src_version)"
                                    + " VALUES ('EXTRA-ROW', 'US', 1)");
                    st.execute(
                            "INSERT INTO reviews_comments (_id, _idx, "
                                    + MigrationFixture.quote(c, "user")
                                    + ") VALUES ('ORPHAN', 0, 'o')");
                }
                TreeSet<String> expected =
                        new TreeSet<>(
                                List.of(
                                        "different " + id[0] + " star_rating repaired",
                                        "missing " + id[1] + " parent row repaired",
                                        "different "
                                                + id[2]
                                                + " child table reviews_comments: 1 row missing"
                                                + " repaired",
                                        "different "
                                                + id[3]
                                                + " child table reviews_comments: 1 row extra"
                                                + " repaired",
                                        "different " + id[4] + " _src_version repaired",
                                        "extra EXTRA-ROW rows repaired",
                                        "extra ORPHAN child rows repaired"));
                Eventually.waitUntil(
                        MigrationFixture.TIMEOUT,
                        "the seven corruptions in " + MismatchRows.TABLE,
                        () -> records(f).size() >= expected.size());
                traffic.stop();
                assertThat(records(f)).isEqualTo(expected);

                // Read on their own, both sides hold the same data, the version is back, and the
                // extra and orphan rows are gone.
                f.awaitConsistent(MigrationFixture.TIMEOUT);
                IndependentOracle.reviews("reviews")
                        .awaitEqual(f.mongo(), f.mysqlUrl, MigrationFixture.TIMEOUT);
                assertThat(f.versions("reviews").get(id[4])).isEqualTo(versionBefore);
                try (Connection c = f.mysql();
                        Statement st = c.createStatement();
                        ResultSet rs =
                                st.executeQuery(
                                        "SELECT COUNT(*) FROM reviews_comments WHERE _id IN"
                                                + " ('ORPHAN', 'EXTRA-ROW')")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isZero();
                }
                // Later sweeps (every second) find nothing new.
                long until = System.currentTimeMillis() + 4_000;
                while (System.currentTimeMillis() < until) {
                    Thread.sleep(500);
                    assertThat(records(f)).as("nothing new after the repairs").isEqualTo(expected);
                }
                assertThat(f.compare().consistent()).isTrue();
            }
        } finally {
            job.cancel().get();
        }
    }
}
