package io.dbtransfer;

import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.pipeline.TargetPreparation;
import io.dbtransfer.source.MongoSourceFactory;
import io.dbtransfer.source.SourceProbe;
import io.dbtransfer.testing.MigrationFixture;
import io.dbtransfer.testing.TestMongo;

import org.apache.flink.cdc.connectors.base.source.IncrementalSource;
import org.apache.flink.cdc.connectors.mongodb.source.MongoDBSource;
import org.apache.flink.cdc.connectors.mongodb.source.config.MongoDBSourceConfigFactory;

import com.mongodb.client.MongoClient;
import org.bson.Document;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS settings reach the drivers unchanged: JDBC URL properties go to MySQL Connector/J, MongoDB
 * URI options to the probe's client and to the CDC source's connection string.
 */
class TlsPassThroughITCase {

    private static String with(String uri, String option) {
        assertThat(uri).doesNotContain("tls=").doesNotContain("ssl=");
        return uri + (uri.contains("?") ? "&" : "?") + option;
    }

    @Test
    void jdbcUrlTlsPropertiesReachTheMySqlDriver() throws Exception {
        MigrationFixture f = new MigrationFixture("tls").collections("items: {}\n");
        TargetPreparation.prepare(f.config(), false); // plain connection: fine
        // The test server's certificate (if it offers TLS at all) is in no trust store: a driver
        // that received sslMode=VERIFY_CA must refuse to connect.
        MigrationFixture strict =
                new MigrationFixture("tls")
                        .collections("items: {}\n")
                        .set(
                                "mysql.url",
                                f.mysqlUrl.replace("sslMode=DISABLED", "sslMode=VERIFY_CA"));
        assertThatThrownBy(() -> TargetPreparation.prepare(strict.config(), false))
                .satisfies(
                        e ->
                                assertThat(fullMessage(e))
                                        .containsIgnoringCase("ssl")
                                        .as("names the setting")
                                        .contains("mysql"));
    }

    @Test
    void mongoUriTlsOptionsReachTheProbeAndTheCdcSource() throws Exception {
        String uri = with(TestMongo.uri(), "tls=true");
        // The probe's client speaks TLS to a server that does not: no connection.
        assertThatThrownBy(() -> SourceProbe.check(uri, "tls_db", List.of("items")))
                .satisfies(
                        e -> assertThat(fullMessage(e)).contains("mongo.uri").contains("tls=true"));
        // The CDC source connects with the same options.
        MigrationFixture f = new MigrationFixture("tls").collections("items: {}\n");
        f.set("mongo.uri", with(TestMongo.uri(), "tls=true&tlsAllowInvalidHostnames=true"));
        MongoDBSource<?> source =
                MongoSourceFactory.createUnguarded(f.config(), f.config().collections(), 1L);
        Field factory = IncrementalSource.class.getDeclaredField("configFactory");
        factory.setAccessible(true);
        String cdcConnectionString =
                ((MongoDBSourceConfigFactory) factory.get(source)).create(0).getConnectionString();
        assertThat(cdcConnectionString)
                .contains("tls=true")
                .contains("tlsAllowInvalidHostnames=true");
        // and the plain URI still works (the failure above is TLS, not the server).
        try (MongoClient c = MongoConnections.open(TestMongo.uri(), 10)) {
            assertThat(c.getDatabase("admin").runCommand(new Document("ping", 1)).get("ok"))
                    .isNotNull();
        }
    }

    private static String fullMessage(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t).append(" | ");
        }
        return sb.toString();
    }
}
