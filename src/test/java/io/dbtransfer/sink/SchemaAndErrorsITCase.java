package io.dbtransfer.sink;

import io.dbtransfer.connect.MySqlConnections;
import io.dbtransfer.dialect.DeadLetterRows;
import io.dbtransfer.dialect.MySqlDialect;
import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.testing.TestMySql;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static io.dbtransfer.sink.SinkFixtures.ITEMS;
import static io.dbtransfer.sink.SinkFixtures.MAPPING;
import static io.dbtransfer.sink.SinkFixtures.NOTES;
import static io.dbtransfer.sink.SinkFixtures.PARTS;
import static io.dbtransfer.sink.SinkFixtures.upsert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link SchemaManager} and the messages users get when MySQL says no. */
class SchemaAndErrorsITCase {

    private static List<String> tables(Connection conn) throws SQLException {
        return SinkFixtures.query(conn, "SHOW TABLES", 1).stream().map(r -> r.get(0)).toList();
    }

    @Test
    void createsEveryTableOnceAndAcceptsExistingOnes() throws Exception {
        String url = TestMySql.newDatabase("schema_create");
        SchemaManager.createTables(url, null, null, MAPPING);
        SchemaManager.createTables(url, null, null, MAPPING);
        try (Connection conn = TestMySql.connect(url)) {
            assertThat(tables(conn))
                    .containsExactlyInAnyOrder(
                            ITEMS.name,
                            PARTS.name,
                            NOTES.name,
                            MySqlDialect.TOMBSTONE_TABLE,
                            DeadLetterRows.TABLE);
            assertThat(
                            SinkFixtures.query(
                                    conn,
                                    "SELECT DATA_TYPE, COLUMN_TYPE LIKE '%unsigned' FROM"
                                            + " information_schema.COLUMNS"
                                            + " WHERE TABLE_SCHEMA = DATABASE()"
                                            + " AND TABLE_NAME = 'items'"
                                            + " AND COLUMN_NAME = '_src_version'",
                                    2))
                    .containsExactly(List.of("bigint", "1"));
        }
    }

    @Test
    void anExistingColumnOfAnotherTypeIsReportedByName() throws Exception {
        String url = TestMySql.newDatabase("schema_mismatch");
        try (Connection conn = TestMySql.connect(url);
                Statement s = conn.createStatement()) {
            s.execute("CREATE TABLE items (_id VARCHAR(40) PRIMARY KEY, name VARCHAR(10))");
        }
        assertThatThrownBy(() -> SchemaManager.createTables(url, null, null, MAPPING))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("Table `items`")
                .hasMessageContaining("exists but does not match the mapping")
                .hasMessageContaining("column `name` (field 'name') is varchar(10)")
                .hasMessageContaining("the mapping says VARCHAR(100)");
    }

    @Test
    void anUnreachableServerOrAMissingDatabaseSaysWhatToCheck() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String unreachable = "jdbc:mysql://127.0.0.1:" + closedPort + "/x?user=u&password=secret";
        assertThatThrownBy(() -> SchemaManager.createTables(unreachable, null, null, MAPPING))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("Cannot connect to MySQL at jdbc:mysql://127.0.0.1:")
                .hasMessageContaining("password=***")
                .hasMessageContaining("check host, port and that the server is running")
                .hasMessageNotContaining("secret");

        String url = TestMySql.newDatabase("schema_nodb");
        String noDatabase = url.replaceFirst("/schema_nodb[^?]*", "/");
        assertThatThrownBy(() -> SchemaManager.createTables(noDatabase, null, null, MAPPING))
                .hasMessageContaining("The JDBC URL names no database");
        String missing = url.replaceFirst("/schema_nodb[^?]*", "/no_such_database");
        assertThatThrownBy(() -> SchemaManager.createTables(missing, null, null, MAPPING))
                .hasMessageContaining("no_such_database");
    }

    @Test
    void aUserWithoutCreatePrivilegeIsToldWhatTheSinkNeeds() throws Exception {
        String url = TestMySql.newDatabase("schema_grants");
        String database = url.replaceFirst("^[^/]*//[^/]*/([^?]*).*$", "$1");
        String user = "ro_" + database.substring(database.length() - 6).replaceAll("\\W", "_");
        try (Connection conn = TestMySql.connect(url);
                Statement s = conn.createStatement()) {
            s.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'pw'");
            s.execute("GRANT SELECT ON `" + database + "`.* TO '" + user + "'@'%'");
        }
        String withoutCredentials = url.replaceAll("(?<=[?&])(user|password)=[^&]*&?", "");
        try {
            assertThatThrownBy(
                            () ->
                                    SchemaManager.createTables(
                                            withoutCredentials, user, "pw", MAPPING))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Could not create table `items`")
                    .hasMessageContaining("denied")
                    .hasMessageContaining(MySqlConnections.PRIVILEGE_HINT);
        } finally {
            try (Connection conn = TestMySql.connect(url);
                    Statement s = conn.createStatement()) {
                s.execute("DROP USER '" + user + "'@'%'");
            }
        }
    }

    @Test
    void aRejectedRowNamesTheTableTheKeyAndTheCause() throws Exception {
        String url = TestMySql.newDatabase("apply_errors");
        SchemaManager.createTables(url, null, null, MAPPING);
        RowChange tooLong = upsert("too-long", 7, 1, 1);
        tooLong.parent[1] = "x".repeat(101);
        ChangeApplier applier = new ChangeApplier(MAPPING);
        applier.validate(tooLong);
        try (Connection conn = MySqlConnections.open(url, null, null, false)) {
            assertThatThrownBy(() -> applier.apply(conn, List.of(upsert("fine", 7, 0, 2), tooLong)))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("MySQL rejected the upsert in table `items`")
                    .hasMessageContaining("too-long")
                    .hasMessageContaining("name");
            conn.rollback();
        }
    }
}
