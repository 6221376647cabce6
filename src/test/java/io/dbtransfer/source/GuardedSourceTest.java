package io.dbtransfer.source;

import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.util.FlinkRuntimeException;

import com.mongodb.MongoCommandException;
import com.mongodb.ServerAddress;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** Only an expired resume point becomes a failure without restarts; everything else passes. */
class GuardedSourceTest {

    private static MongoCommandException historyLost() {
        return new MongoCommandException(
                BsonDocument.parse(
                        "{ok: 0.0, code: 286, codeName: 'ChangeStreamHistoryLost', errmsg: 'Resume"
                                + " of change stream was not possible'}"),
                new ServerAddress("127.0.0.1", 1));
    }

    @Test
    void historyLostDeepInTheCauseChainSuppressesRestarts() {
        Exception wrapped =
                new RuntimeException(
                        "One or more fetchers have encountered exception",
                        new FlinkRuntimeException("Open change stream failed", historyLost()));
        Exception classified = GuardedSource.GuardedReader.classify(wrapped);
        assertThat(classified).isInstanceOf(SuppressRestartsException.class);
        assertThat(classified.getCause())
                .isInstanceOf(ResumePointExpiredException.class)
                .hasMessageContaining("re-snapshot")
                .hasRootCauseInstanceOf(MongoCommandException.class);
    }

    @Test
    void otherFailuresKeepTheirRestarts() {
        Exception io = new RuntimeException(new IOException("connection reset"));
        assertThat(GuardedSource.GuardedReader.classify(io)).isSameAs(io);
        MongoCommandException other =
                new MongoCommandException(
                        BsonDocument.parse(
                                "{ok: 0.0, code: 280, codeName: 'ChangeStreamFatalError'}"),
                        new ServerAddress("127.0.0.1", 1));
        assertThat(GuardedSource.GuardedReader.classify(other)).isSameAs(other);
    }

    @Test
    void recognisedByMessageWhenTheCodeIsLost() {
        assertThat(
                        ResumePointExpiredException.isHistoryLost(
                                new IllegalStateException(
                                        "Command failed: ChangeStreamHistoryLost (286)")))
                .isTrue();
        assertThat(ResumePointExpiredException.isHistoryLost(new IllegalStateException("x")))
                .isFalse();
    }
}
