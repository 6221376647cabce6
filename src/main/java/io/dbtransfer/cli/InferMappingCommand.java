package io.dbtransfer.cli;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.MappingInference;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.model.TargetType;

import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import org.bson.BsonDocument;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code bin/dbtransfer infer-mapping --mongo-uri URI --database DB --collection C [--sample N|all]
 * [--out mapping.yaml] [--target mysql|postgresql | --mysql-url URL]}: samples documents, reports
 * every field path with its BSON types and frequency (conflicts flagged), writes a proposed mapping
 * and prints the DDL the job would run on the target (MySQL unless told otherwise; the target is
 * never connected to).
 */
@Command(
        name = "infer-mapping",
        description =
                "Field paths, types and a proposed mapping + the target's DDL (MySQL or"
                        + " PostgreSQL) of a collection.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:mapping proposed", "2:bad input or an error (e.g. empty collection)"})
final class InferMappingCommand implements Callable<Integer> {

    @Option(
            names = "--mongo-uri",
            required = true,
            paramLabel = "URI",
            description = "Source MongoDB.")
    String uri;

    @Option(names = "--database", required = true, paramLabel = "DB", description = "Database.")
    String database;

    @Option(names = "--collection", required = true, paramLabel = "C", description = "Collection.")
    String collection;

    @Option(
            names = "--sample",
            paramLabel = "N|all",
            defaultValue = "1000",
            description = "Documents to sample, or all (default: ${DEFAULT-VALUE}).")
    String sampleText;

    @Option(
            names = "--out",
            paramLabel = "FILE.yaml",
            description = "Write the proposed mapping here instead of printing it.")
    Path file;

    @Option(
            names = "--target",
            paramLabel = "DB",
            description =
                    "mysql (also for MariaDB) or postgresql: whose DDL to print (default: the"
                            + " type --mysql-url names, else mysql).")
    String targetText;

    @Option(
            names = "--mysql-url",
            paramLabel = "URL",
            description =
                    "The job's target JDBC URL (jdbc:mysql://, jdbc:mariadb:// or"
                            + " jdbc:postgresql://): its type chooses the DDL printed. Not"
                            + " connected to.")
    String targetUrl;

    private final PrintStream out;

    InferMappingCommand(PrintStream out) {
        this.out = out;
    }

    /** An infer-mapping with these arguments (as on the command line after the command). */
    InferMappingCommand(String[] args, PrintStream out) {
        this(out);
        Main.parse(this, args);
    }

    @Override
    public Integer call() throws Exception {
        return run();
    }

    int run() throws Exception {
        TargetDialect dialect = TargetDialect.of(target());
        long sample;
        if (sampleText.equals("all")) {
            sample = 0;
        } else {
            try {
                sample = Long.parseLong(sampleText);
            } catch (NumberFormatException e) {
                sample = -1;
            }
            if (sample < 1) {
                throw new ConfigException(
                        "--sample: '"
                                + sampleText
                                + "' is not valid; give a positive count or all");
            }
        }
        MappingInference inference = new MappingInference();
        try (MongoClient client = MongoConnections.open(uri, 10)) {
            MongoCollection<BsonDocument> coll =
                    client.getDatabase(database).getCollection(collection, BsonDocument.class);
            FindIterable<BsonDocument> docs = coll.find();
            if (sample > 0) {
                docs = docs.limit((int) Math.min(Integer.MAX_VALUE, sample));
            }
            for (BsonDocument d : docs) {
                inference.add(d);
            }
        }
        if (inference.documents() == 0) {
            throw new ConfigException(
                    "Collection "
                            + database
                            + "."
                            + collection
                            + " holds no documents to infer a mapping from");
        }
        String yaml = "collections:\n" + inference.yaml(collection).indent(2);
        out.printf(
                "Field paths in %,d sampled documents of %s.%s (path, present in %%, BSON types):%n",
                inference.documents(), database, collection);
        for (String line : inference.report()) {
            out.println("  " + line);
        }
        if (!inference.renames().isEmpty()) {
            out.println();
            out.println(
                    "Name collisions resolved (MySQL names are case-insensitive; the first path in"
                            + " claim order keeps the name, the others get _2, _3, …):");
            for (String line : inference.renames()) {
                out.println("  " + line);
            }
        }
        Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        Mapping mapping = JobConfig.parseMapping(((java.util.Map<?, ?>) parsed).get("collections"));
        if (file == null) {
            out.println();
            out.println("Proposed mapping:");
            out.print(yaml);
        } else {
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
            out.println();
            out.println("Proposed mapping written to " + file);
        }
        out.println();
        out.println(dialect.productName() + " DDL:");
        for (TableSpec table : mapping.tables()) {
            for (String ddl : dialect.tableDdl(table)) {
                out.println(ddl + ";");
            }
        }
        return 0;
    }

    /**
     * The target whose DDL is printed: {@code --target}, else {@code --mysql-url}'s, else MySQL.
     */
    private TargetType target() {
        TargetType fromUrl = null;
        if (targetUrl != null) {
            try {
                fromUrl = TargetType.fromJdbcUrl(targetUrl);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--mysql-url: " + e.getMessage());
            }
        }
        if (targetText == null) {
            return fromUrl == null ? TargetType.MYSQL : fromUrl;
        }
        TargetType given;
        try {
            given = TargetType.parse(targetText);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--target: " + e.getMessage());
        }
        if (fromUrl != null && fromUrl != given) {
            throw new ConfigException(
                    "--target "
                            + targetText
                            + " and --mysql-url (a "
                            + fromUrl.settingName()
                            + " URL) name different targets; give one of them");
        }
        return given;
    }
}
