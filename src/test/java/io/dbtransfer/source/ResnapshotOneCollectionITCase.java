package io.dbtransfer.source;

import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TestMongo;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.restartstrategy.RestartStrategies;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One of two collections loses its resume point while the job is stopped (its change stream fell
 * out of the oplog window; the emulator expires that collection's history only). Restoring the
 * savepoint fails once, naming the way out; restoring it with {@code mongo.resnapshot: a:1}
 * snapshots collection {@code a} again and only it: {@code b} resumes from its resume point, so its
 * unchanged rows keep their versions, while every row of {@code a} is rewritten, a document of
 * {@code a} deleted while the stream was lost has its row removed, and MySQL equals MongoDB.
 */
@ExtendWith(SharedMiniCluster.class)
class ResnapshotOneCollectionITCase {

    @Test
    void anExpiredCollectionIsSnapshottedAgainAloneAndTheOtherKeepsStreaming(@TempDir Path dir)
            throws Exception {
        Assumptions.assumeTrue(
                TestMongo.isEmulator(), "expiring one collection's history needs the emulator");
        MigrationFixture f =
                new MigrationFixture("resnap")
                        .collections("a:\n  columns:\n    v: INT\nb:\n  columns:\n    v: INT\n")
                        .set("reconcile.sweep-interval", "1 s");
        MongoCollection<Document> a = f.mongo().getCollection("a");
        MongoCollection<Document> b = f.mongo().getCollection("b");
        for (int i = 0; i < 60; i++) {
            a.insertOne(new Document("_id", "a" + i).append("v", i));
            b.insertOne(new Document("_id", "b" + i).append("v", i));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        JobClient job = f.start(env);
        f.awaitConsistent(MigrationFixture.TIMEOUT);
        String savepoint =
                job.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
        Map<String, String> aBefore = f.versions("a");
        Map<String, String> bBefore = f.versions("b");

        // While the job is down: changes to both, and a's stream falls out of the window.
        a.updateOne(Filters.eq("_id", "a5"), Updates.set("v", 500));
        a.deleteOne(Filters.eq("_id", "a6"));
        a.insertOne(new Document("_id", "a1000").append("v", 1000));
        b.updateOne(Filters.eq("_id", "b7"), Updates.set("v", 700));
        b.deleteOne(Filters.eq("_id", "b8"));
        b.insertOne(new Document("_id", "b2000").append("v", 2000));
        TestMongo.emulator()
                .expireHistory(f.config().get(io.dbtransfer.config.JobOptions.MONGO_DATABASE), "a");

        JobClient failed = f.start(restoreFrom(savepoint, false));
        assertThatThrownBy(() -> failed.getJobExecutionResult().get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .satisfies(
                        e ->
                                assertThat(rootMessages(e))
                                        .contains("ChangeStreamHistoryLost")
                                        .contains("mongo.resnapshot"));
        assertThat(failed.getJobStatus().get()).isEqualTo(JobStatus.FAILED);

        f.set("mongo.resnapshot", "a:1");
        JobClient resumed = f.start(restoreFrom(savepoint, true));
        try {
            f.awaitConsistent(MigrationFixture.TIMEOUT);
            Map<String, String> aAfter = f.versions("a");
            Map<String, String> bAfter = f.versions("b");
            assertThat(aAfter).doesNotContainKey("a6").containsKey("a1000");
            assertThat(bAfter).doesNotContainKey("b8").containsKey("b2000");
            for (int i = 0; i < 60; i++) {
                if (i == 6) {
                    continue;
                }
                assertThat(Long.parseUnsignedLong(aAfter.get("a" + i)))
                        .as("a%s was read again by the re-snapshot", i)
                        .isGreaterThan(Long.parseUnsignedLong(aBefore.get("a" + i)));
                if (i == 7 || i == 8) {
                    continue;
                }
                assertThat(bAfter.get("b" + i))
                        .as("b%s was not read again: b resumed from its resume point", i)
                        .isEqualTo(bBefore.get("b" + i));
            }
            assertThat(Long.parseUnsignedLong(bAfter.get("b7")))
                    .as("b's change while down came through its change stream")
                    .isGreaterThan(Long.parseUnsignedLong(bBefore.get("b7")));
        } finally {
            resumed.cancel().get();
        }
    }

    private static StreamExecutionEnvironment restoreFrom(
            String savepoint, boolean allowNonRestored) {
        Configuration restore = new Configuration();
        restore.set(SavepointConfigOptions.SAVEPOINT_PATH, savepoint);
        restore.set(SavepointConfigOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, allowNonRestored);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(restore);
        env.setParallelism(2);
        env.setRestartStrategy(RestartStrategies.fixedDelayRestart(1000, 100));
        return env;
    }

    private static String rootMessages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }
}
