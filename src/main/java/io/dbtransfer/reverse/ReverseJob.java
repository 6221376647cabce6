package io.dbtransfer.reverse;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.cdc.connectors.mysql.source.MySqlSource;
import org.apache.flink.cdc.connectors.mysql.table.StartupOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStreamSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The reverse job (issue #17): reads the mapped tables' MySQL binlog from a recorded position (no
 * snapshot) and keeps the MongoDB documents equal to what MySQL holds, one write per document and
 * MySQL transaction ({@link DocumentRefresh}); markers in {@link ReverseMarkers#TABLE} report its
 * progress. Everything runs at parallelism 1: the binlog is one ordered stream and the marker
 * protocol relies on that order.
 */
public final class ReverseJob {

    private ReverseJob() {}

    /** Wires the whole reverse pipeline (and the checkpointing it needs) into {@code env}. */
    public static void define(StreamExecutionEnvironment env, ReverseSettings s) {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        env.configure(conf);
        if (!env.getCheckpointConfig().isCheckpointingEnabled()) {
            env.enableCheckpointing(s.checkpointInterval().toMillis());
        }
        env.getCheckpointConfig().setCheckpointingConsistencyMode(CheckpointingMode.EXACTLY_ONCE);

        DataStreamSource<ReverseEvent> changes =
                env.fromSource(
                        source(s), WatermarkStrategy.noWatermarks(), ReverseUids.SOURCE_NAME);
        changes.setParallelism(1).uid(ReverseUids.SOURCE);
        changes.process(new DocumentRefresh(s))
                .setParallelism(1)
                .uid(ReverseUids.REFRESH)
                .name(ReverseUids.REFRESH_NAME)
                .sinkTo(new DiscardingSink<>())
                .setParallelism(1)
                .uid(ReverseUids.DISCARD)
                .name(ReverseUids.DISCARD_NAME);
    }

    /** The binlog source on the mapped tables and the marker table, from {@code s.startAt()}. */
    static MySqlSource<ReverseEvent> source(ReverseSettings s) {
        ReverseRouting routing = new ReverseRouting(s.mapping());
        List<String> tables = new ArrayList<>();
        for (String t : routing.tables()) {
            tables.add(s.mysqlDatabase() + "." + t);
        }
        tables.add(s.mysqlDatabase() + "." + ReverseMarkers.TABLE);
        Properties debezium = new Properties();
        // Not provide.transaction.metadata: with it, restoring from a checkpoint fails in
        // Debezium's TransactionContext.load (ClassCastException, String to Long: Flink CDC keeps
        // offsets as strings). The changes of one transaction share their BEGIN position anyway,
        // which is what ReverseEvent#transactionKey uses.
        return MySqlSource.<ReverseEvent>builder()
                .hostname(s.mysqlHost())
                .port(s.mysqlPort())
                .username(s.mysqlUser())
                .password(s.mysqlPassword())
                .databaseList(s.mysqlDatabase())
                .tableList(tables.toArray(new String[0]))
                .serverId(s.serverId())
                .serverTimeZone("UTC")
                .startupOptions(
                        StartupOptions.specificOffset(s.startAt().file(), s.startAt().position()))
                .debeziumProperties(debezium)
                .deserializer(new BinlogEventDeserializer(routing))
                .build();
    }
}
