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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A resume point that has left the oplog (error 286) fails the job once with a message that says
 * what happened and how to re-snapshot — instead of restarting from the same checkpoint forever.
 */
@ExtendWith(SharedMiniCluster.class)
class ResumePointExpiredITCase {

    @Test
    void expiredResumePointStopsTheJobWithARecoveryPathAndReSnapshotRecovers(@TempDir Path dir)
            throws Exception {
        Assumptions.assumeTrue(
                TestMongo.isEmulator(), "expiring the oplog on demand needs the emulator");
        MigrationFixture f =
                new MigrationFixture("expired").collections("items:\n  columns:\n    v: INT\n");
        MongoCollection<Document> coll = f.mongo().getCollection("items");
        for (int i = 0; i < 100; i++) {
            coll.insertOne(new Document("_id", i).append("v", i));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        JobClient job = f.start(env);
        f.awaitConsistent(MigrationFixture.TIMEOUT);
        String savepoint =
                job.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();

        coll.updateOne(Filters.eq("_id", 5), Updates.set("v", 500));
        coll.deleteOne(Filters.eq("_id", 6));
        TestMongo.emulator().expireHistory();
        coll.insertOne(new Document("_id", 1000).append("v", 1000));

        Configuration restore = new Configuration();
        restore.set(SavepointConfigOptions.SAVEPOINT_PATH, savepoint);
        StreamExecutionEnvironment env2 =
                StreamExecutionEnvironment.getExecutionEnvironment(restore);
        env2.setParallelism(1);
        env2.setRestartStrategy(RestartStrategies.fixedDelayRestart(1000, 100));
        JobClient resumed = f.start(env2);
        // With 1000 restarts allowed, only a non-recoverable failure ends the job this fast.
        assertThatThrownBy(() -> resumed.getJobExecutionResult().get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .satisfies(
                        e ->
                                assertThat(rootMessages(e))
                                        .contains("ChangeStreamHistoryLost")
                                        .contains("re-snapshot")
                                        .contains("WITHOUT the savepoint"));
        assertThat(resumed.getJobStatus().get()).isEqualTo(JobStatus.FAILED);

        // The documented way out: a fresh start that empties the tables and snapshots again.
        f.set("sink.on-fresh-start", "truncate");
        StreamExecutionEnvironment env3 = StreamExecutionEnvironment.getExecutionEnvironment();
        env3.setParallelism(1);
        JobClient fresh = f.start(env3);
        try {
            assertThat(f.awaitConsistent(MigrationFixture.TIMEOUT).targetRows).isEqualTo(100);
        } finally {
            fresh.cancel().get();
        }
    }

    @Test
    void freshStartOverExistingRowsIsRefusedWithTheChoices() throws Exception {
        MigrationFixture f =
                new MigrationFixture("fresh").collections("items:\n  columns:\n    v: INT\n");
        f.mongo().getCollection("items").insertOne(new Document("_id", 1).append("v", 1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        JobClient job = f.start(env);
        f.awaitConsistent(MigrationFixture.TIMEOUT);
        job.cancel().get();
        assertThatThrownBy(() -> f.start(StreamExecutionEnvironment.getExecutionEnvironment()))
                .hasMessageContaining("sink.on-fresh-start")
                .hasMessageContaining("already hold rows")
                .hasMessageContaining("truncate");
    }

    private static String rootMessages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }
}
