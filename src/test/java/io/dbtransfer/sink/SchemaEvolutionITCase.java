package io.dbtransfer.sink;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.testing.TestMySql;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tables follow the mapping between restarts: new fields add columns, type changes are refused. */
class SchemaEvolutionITCase {

    private static Mapping mapping(String yaml) {
        return JobConfig.fromMap(
                        Map.of(
                                "mongo.uri", "mongodb://h:1",
                                "mongo.database", "d",
                                "mysql.url", "jdbc:mysql://h:1/d",
                                "collections", new Yaml().load(yaml)),
                        Map.of())
                .mapping();
    }

    private static final String EVERY_TYPE =
            "c:\n"
                    + "  key-type: CHAR(24)\n"
                    + "  columns:\n"
                    + "    a: INT\n    b: BIGINT\n    d: DOUBLE\n    e: DECIMAL(38,9)\n"
                    + "    f: BOOLEAN\n    g: VARCHAR(20)\n    h: CHAR(3)\n    i: TEXT\n"
                    + "    j: DATETIME\n    k: JSON\n    l: VARBINARY(16)\n    m: BLOB\n"
                    + "    n: OBJECTID\n    o: UUID\n    p: BINARY_UUID\n"
                    + "  arrays:\n    tags: VARCHAR(8)\n";

    private static List<List<String>> columns(Connection conn, String table) throws SQLException {
        return SinkFixtures.query(
                conn,
                "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE"
                        + " TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '"
                        + table
                        + "' ORDER BY ORDINAL_POSITION",
                2);
    }

    @Test
    void everyColumnTypeIsRecognisedOnRestart() throws Exception {
        String url = TestMySql.newDatabase("evolve_types");
        SchemaManager.createTables(url, null, null, mapping(EVERY_TYPE));
        SchemaManager.createTables(url, null, null, mapping(EVERY_TYPE));
    }

    @Test
    void aNewFieldAddsColumnsAndTablesAndATypeChangeIsRefusedNamingTheField() throws Exception {
        String url = TestMySql.newDatabase("evolve");
        SchemaManager.createTables(url, null, null, mapping("c:\n  columns:\n    stars: INT\n"));
        SchemaManager.createTables(
                url,
                null,
                null,
                mapping(
                        "c:\n  columns:\n    stars: INT\n    product.title: VARCHAR(40)\n"
                                + "  arrays:\n    tags: VARCHAR(8)\n"));
        try (Connection conn = TestMySql.connect(url)) {
            assertThat(columns(conn, "c"))
                    .extracting(r -> r.get(0))
                    .containsExactlyInAnyOrder(
                            "_id", "stars", "_extra", "_src_version", "_src_key", "product_title");
            assertThat(columns(conn, "c_tags"))
                    .extracting(r -> r.get(0))
                    .containsExactlyInAnyOrder("_id", "_idx", "value");
        }
        assertThatThrownBy(
                        () ->
                                SchemaManager.createTables(
                                        url,
                                        null,
                                        null,
                                        mapping(
                                                "c:\n  columns:\n    stars: {path: rating.stars,"
                                                        + " type: VARCHAR(5)}\n")))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("column `stars` (field 'rating.stars') is int")
                .hasMessageContaining("the mapping says VARCHAR(5)")
                .hasMessageContaining("map the field to a new column name");
    }
}
