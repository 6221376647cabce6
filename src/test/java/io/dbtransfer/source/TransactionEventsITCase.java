package io.dbtransfer.source;

import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TestMongo;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import org.bson.Document;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A multi-document transaction's events share one {@code clusterTime}, so one key's two changes in
 * it carry EQUAL versions: the later one must still win in MySQL.
 */
@ExtendWith(SharedMiniCluster.class)
class TransactionEventsITCase {

    @Test
    void documentWrittenTwiceInOneTransactionEndsWithTheLaterWrite() throws Exception {
        Assumptions.assumeTrue(
                TestMongo.isEmulator(), "the simulated transaction needs the emulator");
        MigrationFixture f =
                new MigrationFixture("txn").collections("items:\n  columns:\n    v: INT\n");
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        for (int i = 0; i < 10; i++) {
            coll.insertOne(new Document("_id", i).append("v", i));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        JobClient job = f.start(env);
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            try (MongoChangeStreamCursor<ChangeStreamDocument<Document>> watch =
                    coll.watch().cursor()) {
                // Each event carries its own full document (insert, replace): if the earlier
                // event won, MySQL would show its value, not the final one.
                TestMongo.emulator().beginTransaction();
                coll.replaceOne(Filters.eq("_id", 3), new Document("_id", 3).append("v", 301));
                coll.replaceOne(Filters.eq("_id", 3), new Document("_id", 3).append("v", 302));
                coll.insertOne(new Document("_id", 100).append("v", 1001));
                coll.replaceOne(Filters.eq("_id", 100), new Document("_id", 100).append("v", 1002));
                TestMongo.emulator().commitTransaction(7);

                List<ChangeStreamDocument<Document>> events = new ArrayList<>();
                while (events.size() < 4) {
                    ChangeStreamDocument<Document> e = watch.tryNext();
                    if (e != null) {
                        events.add(e);
                    }
                }
                assertThat(events)
                        .extracting(ChangeStreamDocument::getClusterTime)
                        .containsOnly(events.get(0).getClusterTime());
                assertThat(events).extracting(e -> e.getTxnNumber().longValue()).containsOnly(7L);
            }

            f.awaitConsistent(MigrationFixture.TIMEOUT);
            // Both sides read independently: the driver for MongoDB, plain JDBC for MySQL.
            assertThat(coll.find(Filters.eq("_id", 3)).first().getInteger("v")).isEqualTo(302);
            assertThat(coll.find(Filters.eq("_id", 100)).first().getInteger("v")).isEqualTo(1002);
            assertThat(mysqlValue(f, "3")).isEqualTo(302);
            assertThat(mysqlValue(f, "100")).isEqualTo(1002);
        } finally {
            job.cancel().get();
        }
    }

    private static int mysqlValue(MigrationFixture f, String id) throws Exception {
        try (Connection c = f.mysql();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT `_id`, `v` FROM `items`")) {
            while (rs.next()) {
                if (id.equals(rs.getString(1))) {
                    return rs.getInt(2);
                }
            }
        }
        throw new AssertionError("no row with _id " + id + " in MySQL");
    }
}
