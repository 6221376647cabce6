package io.dbtransfer.testing;

import io.dbtransfer.model.TargetType;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The target servers a test runs on: the shared MySQL / MariaDB ({@link TestMySql}) or the shared
 * PostgreSQL ({@link TestPostgres}). Parameterize a test with it to run the same assertions on
 * both.
 */
public enum TestTarget {
    MYSQL(TargetType.MYSQL),
    POSTGRESQL(TargetType.POSTGRESQL);

    private final TargetType type;

    TestTarget(TargetType type) {
        this.type = type;
    }

    public TargetType type() {
        return type;
    }

    /** A fresh database on this target's shared server, as a JDBC URL. */
    public String newDatabase(String prefix) {
        return this == POSTGRESQL
                ? TestPostgres.newDatabase(prefix)
                : TestMySql.newDatabase(prefix);
    }

    /** A plain JDBC connection (autocommit) to a URL of either target. */
    public static Connection connect(String url) throws SQLException {
        return DriverManager.getConnection(url);
    }

    /** Whether a connection is to PostgreSQL. */
    public static boolean isPostgres(Connection conn) throws SQLException {
        return conn.getMetaData().getDatabaseProductName().equalsIgnoreCase("PostgreSQL");
    }
}
