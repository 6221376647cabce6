package io.dbtransfer.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.MongoDBContainer;
import org.testcontainers.containers.MySQLContainer;

/**
 * Real servers in containers for {@code mvn verify -Pcontainers}: a {@code mongo:7} replica set and
 * {@code mysql:8.4}, each started once per JVM (Testcontainers' reaper stops them).
 */
public final class Containers {

    private static MongoDBContainer mongo;
    private static MySQLContainer<?> mysql;

    private Containers() {}

    /** True with {@code -Pcontainers}; fails clearly when no Docker engine is reachable. */
    public static boolean enabled() {
        if (!Boolean.getBoolean("dbtransfer.containers")) {
            return false;
        }
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new IllegalStateException(
                    "-Pcontainers needs a Docker engine, and none was found. Run without the"
                            + " profile (emulator + MariaDB) or set DBTRANSFER_MONGO_URI /"
                            + " DBTRANSFER_MYSQL_URL to real servers.");
        }
        return true;
    }

    /** The connection string of a one-member {@code mongo:7} replica set. */
    public static synchronized String mongoReplicaSetUri() {
        if (mongo == null) {
            mongo = new MongoDBContainer("mongo:7.0");
            mongo.start();
        }
        return mongo.getReplicaSetUrl("admin").replace("/admin", "/");
    }

    /** A root JDBC URL of {@code mysql:8.4} (no database selected). */
    public static synchronized String mysqlRootUrl() {
        if (mysql == null) {
            mysql = new MySQLContainer<>("mysql:8.4").withUsername("root").withPassword("root");
            mysql.start();
        }
        return "jdbc:mysql://"
                + mysql.getHost()
                + ":"
                + mysql.getMappedPort(3306)
                + "/?user=root&password=root";
    }
}
