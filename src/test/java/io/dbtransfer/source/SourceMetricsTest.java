package io.dbtransfer.source;

import org.apache.flink.cdc.connectors.base.source.meta.split.SnapshotSplit;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplit;
import org.apache.flink.cdc.connectors.mongodb.source.offset.ChangeStreamOffset;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.RowType;

import io.debezium.relational.TableId;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The phase and the resume point age follow the splits a reader gets and checkpoints. */
class SourceMetricsTest {

    private static SourceMetrics metrics() {
        return new SourceMetrics(
                new SourceMetrics.Spec("items", null, null), new UnregisteredMetricsGroup(), 1);
    }

    private static SnapshotSplit snapshotSplit() {
        return new SnapshotSplit(
                new TableId("shop", null, "items"),
                0,
                RowType.of(new BigIntType()),
                null,
                null,
                null,
                Map.of());
    }

    private static StreamSplit streamSplit(long seconds) {
        return new StreamSplit(
                StreamSplit.STREAM_SPLIT_ID,
                new ChangeStreamOffset(new BsonTimestamp((int) seconds, 1)),
                ChangeStreamOffset.NO_STOPPING_OFFSET,
                List.of(),
                Map.of(),
                0);
    }

    @Test
    void phaseGoesFromStoppedToSnapshottingToStreamingAndToStoppedOnFailure() {
        SourceMetrics m = metrics();
        assertThat(m.phase()).isEqualTo(SourceMetrics.STOPPED);
        m.splitsAdded(List.of(snapshotSplit()));
        assertThat(m.phase()).isEqualTo(SourceMetrics.SNAPSHOTTING);
        assertThat(m.resumePointAgeSeconds()).isNaN();
        long now = System.currentTimeMillis() / 1000;
        m.splitsAdded(List.of(streamSplit(now - 100)));
        assertThat(m.phase()).isEqualTo(SourceMetrics.STREAMING);
        assertThat(m.resumePointAgeSeconds()).isCloseTo(100, within(5.0));
        m.checkpointed(List.of(streamSplit(now - 10)));
        assertThat(m.resumePointAgeSeconds()).isCloseTo(10, within(5.0));
        m.failed();
        assertThat(m.phase()).isEqualTo(SourceMetrics.STOPPED);
    }

    @Test
    void aRestoredStreamSplitIsStreamingAtOnce() {
        SourceMetrics m = metrics();
        m.splitsAdded(List.of(streamSplit(System.currentTimeMillis() / 1000)));
        assertThat(m.phase()).isEqualTo(SourceMetrics.STREAMING);
    }
}
