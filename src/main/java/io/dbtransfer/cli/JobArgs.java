package io.dbtransfer.cli;

import io.dbtransfer.MongoToMySqlJob;
import io.dbtransfer.config.JobConfig;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The job options shared by {@code migrate}, {@code verify} and {@code cutover} (a picocli mixin):
 * a job file and the shortcuts for its most common settings.
 */
public final class JobArgs {

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "The job file (YAML: settings and the collections' mapping). Relative paths"
                            + " resolve against the current directory.")
    Path config;

    @Option(
            names = "--mongo-uri",
            paramLabel = "URI",
            description = "Source MongoDB, e.g. mongodb://host:27017 (mongo.uri).")
    String mongoUri;

    @Option(
            names = "--database",
            paramLabel = "DB",
            description = "Source MongoDB database (mongo.database).")
    String database;

    @Option(
            names = "--collection",
            paramLabel = "C",
            description = "A collection to include; repeat for several (mongo.collections).")
    List<String> collections = new ArrayList<>();

    @Option(
            names = "--mysql-url",
            paramLabel = "URL",
            description = "Target, e.g. jdbc:mysql://host:3306/db (mysql.url).")
    String mysqlUrl;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "Any job setting, e.g. --set mysql.username=migrator; repeatable.")
    List<String> settings = new ArrayList<>();

    /** The arguments in the form {@link MongoToMySqlJob#parseArgs} reads. */
    String[] toJobArgs() {
        List<String> a = new ArrayList<>();
        if (config != null) {
            a.add("--config");
            a.add(config.toString());
        }
        add(a, "--mongo-uri", mongoUri);
        add(a, "--database", database);
        add(a, "--mysql-url", mysqlUrl);
        for (String c : collections) {
            add(a, "--collection", c);
        }
        for (String s : settings) {
            add(a, "--set", s);
        }
        return a.toArray(new String[0]);
    }

    /** The validated job configuration these options describe. */
    JobConfig load() {
        return JobConfig.fromArgs(toJobArgs());
    }

    private static void add(List<String> a, String name, String value) {
        if (value != null) {
            a.add(name);
            a.add(value);
        }
    }
}
