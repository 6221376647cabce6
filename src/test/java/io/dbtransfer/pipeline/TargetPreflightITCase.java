package io.dbtransfer.pipeline;

import io.dbtransfer.embedded.EmbeddedPostgres;
import io.dbtransfer.model.ConfigException;
import io.dbtransfer.testing.TestMySql;
import io.dbtransfer.testing.TestPostgres;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The target pre-flight checks against the test servers with real, limited users: a missing
 * privilege is named before any table exists; enough privileges pass without creating anything;
 * what {@code XA RECOVER} needs on this MySQL server; and on PostgreSQL the schema and table
 * privileges and {@code max_prepared_transactions}.
 */
class TargetPreflightITCase {

    private static final List<String> TABLES = List.of("orders", "orders_items", "_dbtransfer_dlq");

    /** Creates a user (any host and localhost) with {@code grants} on the URL's database. */
    private static String user(String rootUrl, String grants) throws SQLException {
        String name = "pf_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = TestMySql.connect(rootUrl);
                Statement st = c.createStatement()) {
            String db = c.getCatalog();
            for (String host : List.of("%", "localhost")) {
                st.execute("CREATE USER '" + name + "'@'" + host + "' IDENTIFIED BY 'pw'");
                st.execute(
                        "GRANT " + grants + " ON `" + db + "`.* TO '" + name + "'@'" + host + "'");
            }
        }
        return name;
    }

    /** A connection as {@code user} to the URL's database. */
    private static Connection as(String rootUrl, String user) throws SQLException {
        String url = rootUrl.replaceAll("([?&])(user|password)=[^&]*", "$1").replaceAll("&&+", "&");
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", "pw");
        return DriverManager.getConnection(url, p);
    }

    private static List<String> tables(String rootUrl) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = TestMySql.connect(rootUrl);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW TABLES")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void aReadOnlyUserIsRefusedWithTheGrantToRunAndNothingIsCreated() throws Exception {
        String url = TestMySql.newDatabase("pf_ro");
        try (Connection root = TestMySql.connect(url);
                Statement st = root.createStatement()) {
            st.execute("CREATE TABLE orders (id INT PRIMARY KEY)");
        }
        String user = user(url, "SELECT");
        try (Connection c = as(url, user)) {
            assertThatThrownBy(() -> TargetPreflight.check(c, TABLES, false, "the target"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("mysql.username: the MySQL user '" + user + "'@")
                    .hasMessageContaining(
                            "lacks INSERT, UPDATE, DELETE on `orders`; CREATE, INSERT, UPDATE,"
                                    + " DELETE on `orders_items`, `_dbtransfer_dlq` at the target")
                    .hasMessageContaining("GRANT CREATE, ALTER, SELECT, INSERT, UPDATE, DELETE ON")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("SELECT on"));
        }
        assertThat(tables(url)).containsExactly("orders");
    }

    @Test
    void theGrantsTheREADMENamesPassWithoutCreatingATable() throws Exception {
        String url = TestMySql.newDatabase("pf_ok");
        String user = user(url, "CREATE, ALTER, SELECT, INSERT, UPDATE, DELETE");
        try (Connection c = as(url, user)) {
            TargetPreflight.check(c, TABLES, !TestMySql.isMariaDb(), "the target");
        }
        assertThat(tables(url)).isEmpty();
    }

    /**
     * Found by trying MariaDB 11.4: {@code XA RECOVER} needs no privilege at all; a user with only
     * USAGE lists every prepared branch of the server (also other users'), so the exactly-once
     * check passes there. MySQL 8 refuses it without {@code XA_RECOVER_ADMIN}, and the check says
     * so.
     */
    @Test
    void xaRecoverForAUserWithOnlyTablePrivileges() throws Exception {
        String url = TestMySql.newDatabase("pf_xa");
        String user = user(url, "CREATE, ALTER, SELECT, INSERT, UPDATE, DELETE");
        String xid = "pf-" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection root = TestMySql.connect(url);
                Statement st = root.createStatement()) {
            st.execute("CREATE TABLE probe (id INT PRIMARY KEY)");
            st.execute("XA START '" + xid + "'");
            st.execute("INSERT INTO probe VALUES (1)");
            st.execute("XA END '" + xid + "'");
            st.execute("XA PREPARE '" + xid + "'");
            try (Connection c = as(url, user)) {
                if (TestMySql.isMariaDb()) {
                    TargetPreflight.check(c, TABLES, true, "the target");
                    List<String> listed = new ArrayList<>();
                    try (Statement s = c.createStatement();
                            ResultSet rs = s.executeQuery("XA RECOVER")) {
                        while (rs.next()) {
                            listed.add(rs.getString("data"));
                        }
                    }
                    assertThat(listed).as("another user's branch is listed").contains(xid);
                } else {
                    assertThatThrownBy(() -> TargetPreflight.check(c, TABLES, true, "the target"))
                            .hasMessageContaining("sink.delivery-guarantee: exactly-once")
                            .hasMessageContaining("GRANT XA_RECOVER_ADMIN ON *.* TO '" + user)
                            .hasMessageContaining("idempotent");
                    TargetPreflight.check(c, TABLES, false, "the target");
                }
            } finally {
                st.execute("XA ROLLBACK '" + xid + "'");
            }
        }
    }

    /** A PostgreSQL login role (password {@code pw}) in the server of {@code rootUrl}. */
    private static String pgRole(String rootUrl) throws SQLException {
        String name = "pf_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = TestPostgres.connect(rootUrl);
                Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + name + " LOGIN PASSWORD 'pw'");
        }
        return name;
    }

    /** A connection as {@code role} to the URL's database. */
    private static Connection pgAs(String rootUrl, String role) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", role);
        p.setProperty("password", "pw");
        return DriverManager.getConnection(rootUrl.replaceFirst("\\?.*$", ""), p);
    }

    private static List<String> pgTables(String rootUrl) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = TestPostgres.connect(rootUrl);
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT table_name FROM information_schema.tables"
                                        + " WHERE table_schema = 'public' ORDER BY 1")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void postgresUserWithoutCreateOnTheSchemaIsRefusedWithTheGrantsAndNothingIsCreated()
            throws Exception {
        String url = TestPostgres.newDatabase("pf_pg_ro");
        String role = pgRole(url);
        try (Connection root = TestPostgres.connect(url);
                Statement st = root.createStatement()) {
            st.execute("CREATE TABLE orders (id int PRIMARY KEY)");
            // No privilege at all: information_schema does not show it to the role.
            st.execute("CREATE TABLE orders_items (id int PRIMARY KEY)");
            st.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            st.execute("GRANT SELECT ON orders TO " + role);
        }
        try (Connection c = pgAs(url, role)) {
            assertThatThrownBy(() -> TargetPreflight.check(c, TABLES, true, "the target"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(
                            "mysql.username: the PostgreSQL user \""
                                    + role
                                    + "\" lacks CREATE on schema \"public\"; INSERT, UPDATE,"
                                    + " DELETE on \"orders\"; SELECT, INSERT, UPDATE, DELETE on"
                                    + " \"orders_items\" at the target")
                    .hasMessageContaining(
                            "GRANT USAGE, CREATE ON SCHEMA \"public\" TO \"" + role + "\";")
                    .hasMessageContaining(
                            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA"
                                    + " \"public\" TO \""
                                    + role
                                    + "\";")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("SELECT on"));
        }
        assertThat(pgTables(url)).containsExactly("orders", "orders_items");
    }

    @Test
    void postgresGrantsTheREADMENamesPassWithoutCreatingATable() throws Exception {
        String url = TestPostgres.newDatabase("pf_pg_ok");
        String role = pgRole(url);
        try (Connection root = TestPostgres.connect(url);
                Statement st = root.createStatement()) {
            st.execute("CREATE TABLE orders (id int PRIMARY KEY)");
            st.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            st.execute("GRANT USAGE, CREATE ON SCHEMA public TO " + role);
            st.execute(
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "
                            + role);
        }
        try (Connection c = pgAs(url, role)) {
            TargetPreflight.check(c, TABLES, true, "the target");
        }
        assertThat(pgTables(url)).containsExactly("orders");
    }

    /** A server with PostgreSQL's default {@code max_prepared_transactions = 0}. */
    @Test
    void postgresWithoutPreparedTransactionsIsRefusedForExactlyOnce(@TempDir Path dir)
            throws Exception {
        try (EmbeddedPostgres server = EmbeddedPostgres.start(dir, 0);
                Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"))) {
            assertThatThrownBy(() -> TargetPreflight.check(c, TABLES, true, "the target"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(
                            "sink.delivery-guarantee: exactly-once prepares one transaction")
                    .hasMessageContaining("max_prepared_transactions is 0 on PostgreSQL")
                    .hasMessageContaining("restart the server")
                    .hasMessageContaining("sink.delivery-guarantee: idempotent");
            TargetPreflight.check(c, TABLES, false, "the target");
        }
    }
}
