package io.dbtransfer.cli;

import io.dbtransfer.config.ConfigException;
import io.dbtransfer.config.JobConfig;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.MappingInference;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.sink.MySqlDialect;

import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import org.bson.BsonDocument;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code bin/dbtransfer infer-mapping --mongo-uri URI --database DB --collection C [--sample N|all]
 * [--out mapping.yaml]}: samples documents, reports every field path with its BSON types and
 * frequency (conflicts flagged), writes a proposed mapping and prints its MySQL DDL.
 */
final class InferMappingCommand {

    private final CliArgs args;
    private final PrintStream out;

    InferMappingCommand(CliArgs args, PrintStream out) {
        this.args = args;
        this.out = out;
        args.requireKnown(Set.of("mongo-uri", "database", "collection", "sample", "out"));
    }

    int run() throws Exception {
        String uri = args.require("mongo-uri");
        String database = args.require("database");
        String collection = args.require("collection");
        String sampleText = args.get("sample", "1000");
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
        try (MongoClient client = MongoClients.create(uri)) {
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
        Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        Mapping mapping = JobConfig.parseMapping(((java.util.Map<?, ?>) parsed).get("collections"));
        String file = args.get("out", null);
        if (file == null) {
            out.println();
            out.println("Proposed mapping:");
            out.print(yaml);
        } else {
            Files.writeString(Path.of(file), yaml, StandardCharsets.UTF_8);
            out.println();
            out.println("Proposed mapping written to " + file);
        }
        out.println();
        out.println("MySQL DDL:");
        for (TableSpec table : mapping.tables()) {
            for (String ddl : MySqlDialect.createTables(table)) {
                out.println(ddl + ";");
            }
        }
        return 0;
    }
}
