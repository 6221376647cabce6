package io.dbtransfer.cli;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.MismatchPolicy;
import io.dbtransfer.model.Redact;
import io.dbtransfer.verify.MappingRecord;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code verify} and {@code cutover} check: both servers, and the mapping the job recorded in
 * the target ({@link MappingRecord}). Without {@code --config} the recorded mapping is used (and
 * its collections and database when not given); a {@code --config} whose mapping differs from the
 * recorded one is refused, since checking with another mapping than the job's reports false
 * differences (or hides real ones).
 */
final class CheckTarget {
    final JobConfig config;
    final String mongoUri;
    final String mongoPassword;
    final String database;
    final String mysqlUrl;
    final String mysqlUser;
    final String mysqlPassword;
    final Mapping mapping;
    final MismatchPolicy policy;

    private CheckTarget(JobConfig config, String database, Mapping mapping, MismatchPolicy policy) {
        this.config = config;
        this.mongoUri = config.get(JobOptions.MONGO_URI);
        this.mongoPassword = config.mongoPassword();
        this.database = database;
        this.mysqlUrl = config.get(JobOptions.MYSQL_URL);
        this.mysqlUser = config.get(JobOptions.MYSQL_USERNAME);
        this.mysqlPassword = config.mysqlPassword();
        this.mapping = mapping;
        this.policy = policy;
    }

    /** Resolves the job options against the target's recorded mapping; refusals are thrown. */
    static CheckTarget resolve(JobArgs args, String command, PrintStream err) {
        return args.config != null ? withConfig(args, command, err) : recorded(args, command, err);
    }

    private static CheckTarget withConfig(JobArgs args, String command, PrintStream err) {
        JobConfig config = args.load();
        Map<String, TableSpec> tables = new LinkedHashMap<>();
        for (String c : config.collections()) {
            tables.put(c, config.mapping().tableFor(c));
        }
        Mapping mapping = new Mapping(tables);
        String database = config.get(JobOptions.MONGO_DATABASE);
        Map<String, MappingRecord.Entry> recorded = read(config);
        if (recorded == null || recorded.isEmpty()) {
            err.println(
                    command
                            + ": the target has no recorded mapping ("
                            + MappingRecord.TABLE
                            + "; jobs record theirs when they prepare the target): checking with"
                            + " the mapping of --config "
                            + args.config
                            + " as given");
            return new CheckTarget(config, database, mapping, config.mismatchPolicy());
        }
        for (Map.Entry<String, TableSpec> e : tables.entrySet()) {
            MappingRecord.Entry rec = recorded.get(e.getKey());
            if (rec == null) {
                throw new ConfigException(
                        "--config "
                                + args.config
                                + ": collection '"
                                + e.getKey()
                                + "' has no recorded mapping in "
                                + MappingRecord.TABLE
                                + " at "
                                + Redact.uri(config.get(JobOptions.MYSQL_URL))
                                + " (recorded: "
                                + recorded.keySet()
                                + "): the job writing this target does not migrate it. Check"
                                + " only the recorded collections (--collection), or point"
                                + " --mysql-url at the job's target.");
            }
            List<String> diffs = MappingRecord.differences(rec.table(), e.getValue());
            if (rec.policy() != config.mismatchPolicy()) {
                diffs.add(
                        "normalize.on-type-mismatch: "
                                + setting(rec.policy())
                                + " recorded, "
                                + setting(config.mismatchPolicy())
                                + " given");
            }
            if (!rec.database().equals(database)) {
                diffs.add(
                        "mongo.database: " + rec.database() + " recorded, " + database + " given");
            }
            if (!diffs.isEmpty()) {
                throw new ConfigException(
                        "--config "
                                + args.config
                                + ": the mapping of collection '"
                                + e.getKey()
                                + "' differs from the one the job recorded in the target ("
                                + MappingRecord.TABLE
                                + ", "
                                + rec.describe()
                                + "): "
                                + String.join("; ", diffs)
                                + ". A check with another mapping than the job's reports false"
                                + " differences. Leave out --config to check with the recorded"
                                + " mapping, or pass the job file the job runs with (after a"
                                + " mapping change, restart the job from its savepoint with the"
                                + " new file first: that records it).");
            }
        }
        return new CheckTarget(config, database, mapping, config.mismatchPolicy());
    }

    private static CheckTarget recorded(JobArgs args, String command, PrintStream err) {
        // The connection settings, validated as the job does; the mapping comes from the target.
        JobArgs probe = new JobArgs();
        probe.mongoUri = args.mongoUri;
        probe.mysqlUrl = args.mysqlUrl;
        probe.settings = args.settings;
        probe.database = args.database == null ? "_" : args.database;
        probe.collections = List.of("_");
        JobConfig connection = probe.load();
        Map<String, MappingRecord.Entry> recorded = read(connection);
        String url = Redact.uri(connection.get(JobOptions.MYSQL_URL));
        if (recorded == null || recorded.isEmpty()) {
            throw new ConfigException(
                    "No mapping is recorded in the target "
                            + url
                            + " (table "
                            + MappingRecord.TABLE
                            + (recorded == null ? " does not exist" : " is empty")
                            + "), so "
                            + command
                            + " does not know how the job maps the collections, and guessing"
                            + " would report false differences. "
                            + "Jobs record their mapping when they prepare the target;"
                            + " for a target written by an older job, pass the"
                            + " job's file with --config job.yaml."
                            + " Check that --mysql-url names the job's target database.");
        }
        Set<String> collections = new LinkedHashSet<>(args.collections);
        if (collections.isEmpty()) {
            for (MappingRecord.Entry e : recorded.values()) {
                if (args.database == null || e.database().equals(args.database)) {
                    collections.add(e.collection());
                }
            }
            if (collections.isEmpty()) {
                throw new ConfigException(
                        "--database "
                                + args.database
                                + ": no collection of that database is recorded in "
                                + MappingRecord.TABLE
                                + " at "
                                + url
                                + " (recorded: "
                                + describe(recorded)
                                + ")");
            }
        }
        Map<String, TableSpec> tables = new LinkedHashMap<>();
        Set<String> databases = new LinkedHashSet<>();
        Set<MismatchPolicy> policies = new LinkedHashSet<>();
        for (String c : collections) {
            MappingRecord.Entry e = recorded.get(c);
            if (e == null) {
                throw new ConfigException(
                        "--collection "
                                + c
                                + ": no mapping is recorded for it in "
                                + MappingRecord.TABLE
                                + " at "
                                + url
                                + " (recorded: "
                                + describe(recorded)
                                + "); the job writing this target does not migrate it");
            }
            tables.put(c, e.table());
            databases.add(e.database());
            policies.add(e.policy());
        }
        String database = args.database;
        if (database == null) {
            if (databases.size() > 1) {
                throw new ConfigException(
                        "The recorded collections "
                                + collections
                                + " come from several source databases "
                                + databases
                                + "; choose one with --database");
            }
            database = databases.iterator().next();
        } else if (!databases.equals(Set.of(database))) {
            throw new ConfigException(
                    "--database "
                            + database
                            + ": the job recorded "
                            + collections
                            + " from database(s) "
                            + databases
                            + "; leave out --database or name the recorded one");
        }
        if (policies.size() > 1) {
            throw new ConfigException(
                    "The recorded collections "
                            + collections
                            + " use different normalize.on-type-mismatch settings; check them"
                            + " one at a time with --collection");
        }
        err.println(
                command
                        + ": using the mapping the job recorded in the target for "
                        + database
                        + "."
                        + collections);
        JobArgs full = new JobArgs();
        full.mongoUri = args.mongoUri;
        full.mysqlUrl = args.mysqlUrl;
        full.settings = args.settings;
        full.database = database;
        full.collections = new ArrayList<>(collections);
        return new CheckTarget(
                full.load(), database, new Mapping(tables), policies.iterator().next());
    }

    private static Map<String, MappingRecord.Entry> read(JobConfig config) {
        String url = config.get(JobOptions.MYSQL_URL);
        try (Connection c =
                MySqlConnections.open(
                        url, config.get(JobOptions.MYSQL_USERNAME), config.mysqlPassword())) {
            return MappingRecord.read(c);
        } catch (SQLException e) {
            throw MySqlConnections.explain(url, e);
        } catch (IllegalStateException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    private static String describe(Map<String, MappingRecord.Entry> recorded) {
        List<String> out = new ArrayList<>();
        for (MappingRecord.Entry e : recorded.values()) {
            out.add(e.database() + "." + e.collection());
        }
        return String.join(", ", out);
    }

    private static String setting(MismatchPolicy p) {
        return p == MismatchPolicy.SKIP_DOCUMENT ? "skip-document" : "keep-in-extra";
    }
}
