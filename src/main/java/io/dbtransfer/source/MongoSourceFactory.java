package io.dbtransfer.source;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.ConfigException;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.mongodb.source.MongoDBSource;
import org.apache.flink.cdc.connectors.mongodb.source.MongoDBSourceBuilder;
import org.apache.flink.configuration.Configuration;

import com.mongodb.ConnectionString;
import io.debezium.relational.TableId;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds Flink CDC's incremental MongoDB source from the job configuration. */
public final class MongoSourceFactory {

    private MongoSourceFactory() {}

    /**
     * One source per collection (collection → source, in configuration order), each guarded against
     * endless restarts when the resume point has expired; {@code snapshotVersion} from {@link
     * SourceProbe#check}.
     *
     * <p>One source per collection, not one source for all: Flink CDC 3.5's snapshot backfill
     * matches change events to a chunk by key range without comparing the collection, so with
     * several collections in one source a delete in collection B during the snapshot removed the
     * document with the same {@code _id} from collection A's chunk (reproduced by {@code
     * MongoToMySqlJobITCase.collectionsWithOverlappingIds…}).
     */
    public static Map<String, Source<ChangeRecord, ?, ?>> create(
            JobConfig config, long snapshotVersion) {
        Map<String, Source<ChangeRecord, ?, ?>> sources = new LinkedHashMap<>();
        for (String collection : config.collections()) {
            sources.put(
                    collection,
                    new GuardedSource<>(
                            createUnguarded(config, List.of(collection), snapshotVersion),
                            TypeInformation.of(ChangeRecord.class),
                            new SourceMetrics.Spec(
                                    collection,
                                    config.get(JobOptions.MONGO_URI),
                                    config.mongoPassword()),
                            new CollectionWatch.Spec(
                                    config.get(JobOptions.MONGO_DATABASE),
                                    collection,
                                    config.get(JobOptions.MONGO_URI),
                                    config.mongoPassword())));
        }
        return sources;
    }

    /** Flink CDC's incremental MongoDB source over the given collections, as configured. */
    public static MongoDBSource<ChangeRecord> createUnguarded(
            JobConfig config, List<String> collectionNames, long snapshotVersion) {
        Configuration c = config.options();
        String uri = c.get(JobOptions.MONGO_URI);
        String configured = config.mongoPassword();
        ConnectionString cs =
                configured == null
                        ? MongoConnections.parse(uri)
                        : MongoConnections.parse(uri, configured);
        String database = c.get(JobOptions.MONGO_DATABASE);
        List<String> collections = new ArrayList<>();
        for (String coll : collectionNames) {
            collections.add(checkedNamespace(database, coll));
        }
        MongoDBSourceBuilder<ChangeRecord> builder =
                MongoDBSource.<ChangeRecord>builder()
                        .scheme(cs.isSrvProtocol() ? "mongodb+srv" : "mongodb")
                        .hosts(String.join(",", cs.getHosts()))
                        .databaseList(database)
                        .collectionList(collections.toArray(new String[0]))
                        .startupOptions(startup(c))
                        .batchSize(c.get(JobOptions.SOURCE_BATCH_SIZE))
                        .pollMaxBatchSize(c.get(JobOptions.SOURCE_POLL_MAX_BATCH_SIZE))
                        .pollAwaitTimeMillis((int) c.get(JobOptions.SOURCE_POLL_AWAIT).toMillis())
                        .heartbeatIntervalMillis(
                                (int) c.get(JobOptions.SOURCE_HEARTBEAT).toMillis())
                        .splitSizeMB(c.get(JobOptions.SOURCE_SPLIT_SIZE_MB))
                        .deserializer(
                                new ChangeRecordDeserializer(
                                        snapshotVersion,
                                        new DbPointerRestorer(
                                                uri,
                                                configured != null
                                                        ? configured
                                                        : MongoConnections.password(cs),
                                                database)));
        if (cs.getUsername() != null) {
            builder.username(cs.getUsername());
        }
        String password = configured != null ? configured : MongoConnections.password(cs);
        if (password != null) {
            builder.password(password);
        }
        String options = connectionOptions(uri);
        if (options != null) {
            builder.connectionOptions(options);
        }
        return builder.build();
    }

    /**
     * {@code database.collection}, if Flink CDC can handle it: its MongoDB source parses namespaces
     * with Debezium's {@code TableId} parser, which fails on spaces and backticks — mid-job, in a
     * restart loop. Refuse such names up front, naming the setting.
     */
    static String checkedNamespace(String database, String collection) {
        String namespace = database + "." + collection;
        boolean ok;
        try {
            TableId id = TableId.parse(namespace);
            ok = collection.equals(id.table()) || namespace.equals(id.toString());
        } catch (IllegalArgumentException e) {
            ok = false;
        }
        if (!ok) {
            throw new ConfigException(
                    "mongo.collections: the collection '"
                            + collection
                            + "' in database '"
                            + database
                            + "' has a name the Flink CDC 3.5 MongoDB source cannot parse"
                            + " (spaces and backticks are not supported). Copy it to a"
                            + " collection with a plain name ($out) and migrate that one;"
                            + " 'table:' in the mapping can still give the MySQL table any name.");
        }
        return namespace;
    }

    static StartupOptions startup(Configuration c) {
        switch (c.get(JobOptions.SOURCE_STARTUP_MODE)) {
            case LATEST_OFFSET:
                return StartupOptions.latest();
            case TIMESTAMP:
                return StartupOptions.timestamp(c.get(JobOptions.SOURCE_STARTUP_TIMESTAMP));
            case INITIAL:
            default:
                return StartupOptions.initial();
        }
    }

    /** The query part of a MongoDB URI ({@code a=b&c=d}), or null. */
    static String connectionOptions(String uri) {
        int q = uri.indexOf('?');
        if (q < 0 || q == uri.length() - 1) {
            return null;
        }
        return uri.substring(q + 1);
    }
}
