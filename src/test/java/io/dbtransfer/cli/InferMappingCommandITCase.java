package io.dbtransfer.cli;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.testing.TestMongo;
import io.dbtransfer.testing.TestPostgres;

import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code infer-mapping} against a real MongoDB wire server. */
class InferMappingCommandITCase {

    @Test
    void reportsPathsWritesAMappingTheJobReadsAndPrintsTheDdl(@TempDir Path dir) throws Exception {
        String db = TestMongo.newDatabaseName("infer");
        TestMongo.client()
                .getDatabase(db)
                .getCollection("orders", BsonDocument.class)
                .insertMany(
                        List.of(
                                BsonDocument.parse(
                                        "{_id: 1, customer: {name: 'Ann'}, total: 2.5,"
                                                + " items: [{sku: 'a', qty: 1}], note: 'x'}"),
                                BsonDocument.parse(
                                        "{_id: 2, customer: {name: 'Bob'}, total: 3.0,"
                                                + " items: [], note: 7}")));
        Path out = dir.resolve("mapping.yaml");
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int code =
                new InferMappingCommand(
                                (new String[] {
                                    "--mongo-uri",
                                    TestMongo.uri(),
                                    "--database",
                                    db,
                                    "--collection",
                                    "orders",
                                    "--sample",
                                    "all",
                                    "--out",
                                    out.toString()
                                }),
                                new PrintStream(buffer, true, StandardCharsets.UTF_8))
                        .run();
        String printed = buffer.toString(StandardCharsets.UTF_8);
        assertThat(code).isZero();
        assertThat(printed)
                .contains("2 sampled documents")
                .containsPattern("customer\\.name +100\\.0%  string 2")
                .containsPattern("note +100\\.0%  .*CONFLICT")
                .contains("CREATE TABLE IF NOT EXISTS `orders` (`_id` BIGINT NOT NULL")
                .contains("CREATE TABLE IF NOT EXISTS `orders_items`");
        Map<String, Object> yaml = new Yaml().load(Files.readString(out));
        Mapping mapping = JobConfig.parseMapping(yaml.get("collections"));
        assertThat(mapping.tableFor("orders").columns)
                .extracting(c -> c.name + " " + c.type + " <- " + c.sourcePath)
                .containsExactly(
                        "_id BIGINT <- _id",
                        "customer_name VARCHAR(16) <- customer.name",
                        "total DOUBLE <- total",
                        "_extra JSON <- *");
        assertThat(mapping.tableFor("orders").children.get(0).columns)
                .extracting(c -> c.name + " " + c.type)
                .containsExactly(
                        "_id BIGINT", "_idx INT", "sku VARCHAR(16)", "qty INT", "_extra JSON");
    }

    /**
     * With a PostgreSQL target URL (never connected to by the command) the DDL printed is
     * PostgreSQL's, and PostgreSQL runs it.
     */
    @Test
    void printsTheDdlOfAPostgresTargetWhichPostgresRuns() throws Exception {
        String db = TestMongo.newDatabaseName("infer_pg");
        TestMongo.client()
                .getDatabase(db)
                .getCollection("orders", BsonDocument.class)
                .insertMany(
                        List.of(
                                BsonDocument.parse(
                                        "{_id: 1, customer: {name: 'Ann'}, total: 2.5,"
                                                + " items: [{sku: 'a', qty: 1}]}"),
                                BsonDocument.parse("{_id: 2, total: 3.0, items: []}")));
        String url = TestPostgres.newDatabase("infer_pg");
        String[] args = {
            "--mongo-uri",
            TestMongo.uri(),
            "--database",
            db,
            "--collection",
            "orders",
            "--mysql-url",
            url
        };
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int code =
                new InferMappingCommand(args, new PrintStream(buffer, true, StandardCharsets.UTF_8))
                        .run();
        String printed = buffer.toString(StandardCharsets.UTF_8);
        assertThat(code).isZero();
        assertThat(printed)
                .contains("PostgreSQL DDL:")
                .contains("CREATE TABLE IF NOT EXISTS \"orders\"")
                .doesNotContain("`");
        String ddl = printed.substring(printed.indexOf("PostgreSQL DDL:") + 15);
        try (Connection c = TestPostgres.connect(url);
                Statement st = c.createStatement()) {
            for (String statement : ddl.split(";\\s*\\n")) {
                if (!statement.isBlank()) {
                    st.execute(statement);
                }
            }
            try (ResultSet rs =
                    st.executeQuery(
                            "SELECT string_agg(table_name, ',' ORDER BY table_name)"
                                    + " FROM information_schema.tables WHERE table_schema = 'public'")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("orders,orders_items");
            }
        }
        String[] both = java.util.Arrays.copyOf(args, args.length + 2);
        both[args.length] = "--target";
        both[args.length + 1] = "mysql";
        assertThatThrownBy(() -> new InferMappingCommand(both, System.out).run())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--target mysql and --mysql-url (a postgresql URL)");
    }

    @Test
    void anEmptyCollectionOrABadSampleIsRefusedWithTheReason() {
        String db = TestMongo.newDatabaseName("infer_empty");
        String[] base = {"--mongo-uri", TestMongo.uri(), "--database", db, "--collection", "none"};
        assertThatThrownBy(() -> new InferMappingCommand(base, System.out).run())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("holds no documents");
        String[] bad = java.util.Arrays.copyOf(base, base.length + 2);
        bad[base.length] = "--sample";
        bad[base.length + 1] = "some";
        assertThatThrownBy(() -> new InferMappingCommand(bad, System.out).run())
                .hasMessageContaining("--sample: 'some' is not valid");
    }
}
