package io.dbtransfer.embedded;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoCredential;
import com.mongodb.MongoSecurityException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The emulator's SCRAM-SHA-256 access control, driven by the MongoDB Java driver over real
 * connections: the right password works, a wrong one or none does not.
 */
class MongoEmulatorAuthTest {

    private static final String USER = "migrator";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();

    private static MongoEmulator emulator;

    @BeforeAll
    static void start() {
        emulator = MongoEmulator.start(USER, PASSWORD);
    }

    @AfterAll
    static void stop() {
        emulator.close();
    }

    private static MongoClient client(MongoCredential credential) {
        MongoClientSettings.Builder b =
                MongoClientSettings.builder()
                        .applyConnectionString(new ConnectionString(emulator.connectionString()))
                        .applyToClusterSettings(c -> c.serverSelectionTimeout(5, TimeUnit.SECONDS));
        if (credential != null) {
            b.credential(credential);
        }
        return MongoClients.create(b.build());
    }

    @Test
    void rightPasswordNegotiatesScramSha256AndRunsCommands() {
        // No mechanism named: the driver must learn SCRAM-SHA-256 from saslSupportedMechs.
        try (MongoClient client =
                client(MongoCredential.createCredential(USER, "admin", PASSWORD.toCharArray()))) {
            MongoCollection<Document> coll = client.getDatabase("authdb").getCollection("c");
            coll.insertMany(List.of(new Document("_id", 1), new Document("_id", 2)));
            assertThat(coll.find().into(new ArrayList<>()))
                    .extracting(d -> d.get("_id"))
                    .containsExactly(1, 2);
            Document status =
                    client.getDatabase("admin")
                            .runCommand(new Document("ping", 1).append("comment", "after auth"));
            assertThat(status.get("ok")).isEqualTo(1.0);
        }
        // The URI form, with the mechanism named, as a user would write it.
        String uri =
                emulator.connectionString()
                        .replace("mongodb://", "mongodb://" + USER + ":" + PASSWORD + "@")
                        .concat("&authMechanism=SCRAM-SHA-256");
        try (MongoClient client = MongoClients.create(uri)) {
            assertThat(client.getDatabase("authdb").getCollection("c").countDocuments())
                    .isEqualTo(2);
        }
    }

    @Test
    void wrongPasswordFailsWithAuthenticationFailed() {
        try (MongoClient client =
                client(
                        MongoCredential.createCredential(
                                USER, "admin", (PASSWORD + "x").toCharArray()))) {
            assertThatThrownBy(
                            () -> client.getDatabase("authdb").runCommand(new Document("ping", 1)))
                    .isInstanceOf(MongoSecurityException.class)
                    .hasMessageContaining("SCRAM-SHA-256")
                    .cause()
                    .isInstanceOfSatisfying(
                            MongoCommandException.class,
                            e -> {
                                assertThat(e.getErrorCode()).isEqualTo(18);
                                assertThat(e.getErrorMessage()).isEqualTo("Authentication failed.");
                            });
        }
    }

    @Test
    void unknownUserFailsWithAuthenticationFailed() {
        try (MongoClient client =
                client(
                        MongoCredential.createScramSha256Credential(
                                "someone", "admin", PASSWORD.toCharArray()))) {
            assertThatThrownBy(
                            () -> client.getDatabase("authdb").runCommand(new Document("ping", 1)))
                    .isInstanceOf(MongoSecurityException.class)
                    .cause()
                    .isInstanceOfSatisfying(
                            MongoCommandException.class,
                            e -> assertThat(e.getErrorCode()).isEqualTo(18));
        }
    }

    @Test
    void withoutCredentialsOnlyTheHandshakeIsAllowed() {
        try (MongoClient client = client(null)) {
            Document hello =
                    client.getDatabase("admin")
                            .runCommand(
                                    new Document("hello", 1)
                                            .append("saslSupportedMechs", "admin." + USER));
            assertThat(hello.getList("saslSupportedMechs", String.class))
                    .containsExactly("SCRAM-SHA-256");
            assertThatThrownBy(() -> client.getDatabase("authdb").getCollection("c").find().first())
                    .isInstanceOfSatisfying(
                            MongoCommandException.class,
                            e -> {
                                assertThat(e.getErrorCode()).isEqualTo(13);
                                assertThat(e.getErrorCodeName()).isEqualTo("Unauthorized");
                            });
        }
    }

    @Test
    void anEmulatorWithoutUsersRefusesSasl() {
        try (MongoEmulator open = MongoEmulator.start();
                MongoClient client =
                        MongoClients.create(
                                open.connectionString()
                                        .replace(
                                                "mongodb://",
                                                "mongodb://" + USER + ":" + PASSWORD + "@"))) {
            assertThatThrownBy(
                            () -> client.getDatabase("authdb").runCommand(new Document("ping", 1)))
                    .isInstanceOf(MongoSecurityException.class)
                    .hasStackTraceContaining("started without users");
        }
    }
}
