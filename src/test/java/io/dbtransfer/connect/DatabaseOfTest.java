package io.dbtransfer.connect;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link MySqlConnections#databaseOf}: the database a JDBC URL names, or nothing. */
class DatabaseOfTest {

    @Test
    void readsTheDatabaseOfAJdbcUrl() {
        assertThat(MySqlConnections.databaseOf("jdbc:mysql://db:3306/shop")).isEqualTo("shop");
        assertThat(MySqlConnections.databaseOf("jdbc:mariadb://db/shop?useSSL=true&x=/y"))
                .isEqualTo("shop");
        assertThat(MySqlConnections.databaseOf("jdbc:mysql://user@db:3306/shop?a=b"))
                .isEqualTo("shop");
    }

    @Test
    void aUrlWithoutADatabaseNamesNone() {
        assertThat(MySqlConnections.databaseOf("jdbc:mysql://db:3306")).isEmpty();
        assertThat(MySqlConnections.databaseOf("jdbc:mysql://db:3306/")).isEmpty();
        assertThat(MySqlConnections.databaseOf("jdbc:mysql://db:3306/?useSSL=true")).isEmpty();
        assertThat(MySqlConnections.databaseOf(null)).isEmpty();
    }
}
