package io.dbtransfer.embedded;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The emulator's privilege model and oplog, over the wire with the MongoDB driver: {@code
 * connectionStatus} reports the configured roles and privileges as mongod does, {@code find} and
 * change streams are refused without them, and {@code local.oplog.rs} and its {@code collStats}
 * describe the emulated oplog, which can be capped.
 */
class MongoEmulatorPrivilegesTest {

    private static final String PASSWORD = "secret-pw";

    private static MongoClient client(MongoEmulator mongo, String user) {
        return MongoClients.create(
                mongo.connectionString()
                        .replace("mongodb://", "mongodb://" + user + ":" + PASSWORD + "@"));
    }

    private static Document authInfo(MongoClient client) {
        return client.getDatabase("admin")
                .runCommand(new Document("connectionStatus", 1).append("showPrivileges", true))
                .get("authInfo", Document.class);
    }

    @Test
    void readRoleIsReportedAndEnforced() {
        try (MongoEmulator mongo =
                        MongoEmulator.start(
                                "reader", PASSWORD, List.of(EmulatedRole.read("shop")));
                MongoClient client = client(mongo, "reader")) {
            Document info = authInfo(client);
            assertThat(info.getList("authenticatedUsers", Document.class))
                    .containsExactly(new Document("user", "reader").append("db", "admin"));
            assertThat(info.getList("authenticatedUserRoles", Document.class))
                    .containsExactly(new Document("role", "read").append("db", "shop"));
            List<Document> privileges = info.getList("authenticatedUserPrivileges", Document.class);
            assertThat(privileges).hasSize(1);
            assertThat(privileges.get(0).get("resource"))
                    .isEqualTo(new Document("db", "shop").append("collection", ""));
            assertThat(privileges.get(0).getList("actions", String.class))
                    .contains("find", "changeStream");

            assertThat(client.getDatabase("shop").getCollection("orders").find().first()).isNull();
            try (MongoChangeStreamCursor<ChangeStreamDocument<Document>> c =
                    client.getDatabase("shop").getCollection("orders").watch().cursor()) {
                assertThat(c.tryNext()).isNull();
            }
            try (MongoChangeStreamCursor<ChangeStreamDocument<Document>> c =
                    client.getDatabase("shop").watch().cursor()) {
                assertThat(c.tryNext()).isNull();
            }
            assertThatThrownBy(() -> client.getDatabase("other").getCollection("c").find().first())
                    .isInstanceOfSatisfying(
                            MongoCommandException.class,
                            e -> assertThat(e.getErrorCode()).isEqualTo(13));
            assertThatThrownBy(() -> client.watch().cursor().close())
                    .as("cluster-wide stream")
                    .isInstanceOfSatisfying(
                            MongoCommandException.class,
                            e -> assertThat(e.getErrorCode()).isEqualTo(13));
        }
    }

    @Test
    void aRoleWithoutChangeStreamMayReadButNotWatch() {
        EmulatedRole findOnly =
                EmulatedRole.custom(
                        "snapshotOnly",
                        EmulatedRole.Privilege.onCollection("shop", "orders", "find"));
        try (MongoEmulator mongo = MongoEmulator.start("snap", PASSWORD, List.of(findOnly));
                MongoClient client = client(mongo, "snap")) {
            assertThat(authInfo(client).getList("authenticatedUserPrivileges", Document.class))
                    .containsExactly(
                            new Document(
                                            "resource",
                                            new Document("db", "shop")
                                                    .append("collection", "orders"))
                                    .append("actions", List.of("find")));
            client.getDatabase("shop").getCollection("orders").find().first();
            assertThatThrownBy(
                            () ->
                                    client.getDatabase("shop")
                                            .getCollection("orders")
                                            .watch()
                                            .cursor()
                                            .close())
                    .isInstanceOfSatisfying(
                            MongoCommandException.class,
                            e -> {
                                assertThat(e.getErrorCode()).isEqualTo(13);
                                assertThat(e.getErrorMessage()).contains("changeStream");
                            });
        }
    }

    @Test
    void withoutAccessControlNoUserIsReported() {
        try (MongoEmulator mongo = MongoEmulator.start();
                MongoClient client = MongoClients.create(mongo.connectionString())) {
            Document info = authInfo(client);
            assertThat(info.getList("authenticatedUsers", Document.class)).isEmpty();
            assertThat(info.getList("authenticatedUserPrivileges", Document.class)).isEmpty();
        }
    }

    @Test
    void oplogIsReadableAndCappedLikeMongod() {
        try (MongoEmulator mongo = MongoEmulator.start();
                MongoClient client = MongoClients.create(mongo.connectionString())) {
            var orders = client.getDatabase("shop").getCollection("orders");
            BsonDocument tokenAtStart;
            try (MongoChangeStreamCursor<ChangeStreamDocument<Document>> c =
                    orders.watch().cursor()) {
                c.tryNext();
                tokenAtStart = c.getResumeToken();
            }
            List<Document> docs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                docs.add(new Document("_id", i).append("pad", "x".repeat(500)));
            }
            orders.insertMany(docs);
            orders.deleteOne(new Document("_id", 0));

            var oplog = client.getDatabase("local").getCollection("oplog.rs");
            Document first = oplog.find().sort(new Document("$natural", 1)).limit(1).first();
            Document last = oplog.find().sort(new Document("$natural", -1)).limit(1).first();
            assertThat(first.getString("op")).isEqualTo("i");
            assertThat(first.getString("ns")).isEqualTo("shop.orders");
            assertThat(first.get("o", Document.class).get("_id")).isEqualTo(0);
            assertThat(last.getString("op")).isEqualTo("d");
            assertThat(last.get("ts", BsonTimestamp.class))
                    .isGreaterThan(first.get("ts", BsonTimestamp.class));

            Document stats =
                    client.getDatabase("local").runCommand(new Document("collStats", "oplog.rs"));
            assertThat(stats.getBoolean("capped")).isTrue();
            assertThat(((Number) stats.get("count")).intValue()).isEqualTo(201);
            long size = ((Number) stats.get("size")).longValue();
            assertThat(size).isGreaterThan(200L * 500);
            assertThat(((Number) stats.get("maxSize")).longValue())
                    .isEqualTo(EmulatedOplog.DEFAULT_MAX_SIZE);

            mongo.resizeOplog(size / 4);
            Document capped =
                    client.getDatabase("local").runCommand(new Document("collStats", "oplog.rs"));
            assertThat(((Number) capped.get("size")).longValue()).isLessThanOrEqualTo(size / 4);
            assertThat(((Number) capped.get("maxSize")).longValue()).isEqualTo(size / 4);
            int kept = ((Number) capped.get("count")).intValue();
            assertThat(kept).isBetween(40, 60);
            Document firstKept = oplog.find().sort(new Document("$natural", 1)).limit(1).first();
            assertThat(firstKept.get("o", Document.class).get("_id")).isEqualTo(201 - kept);

            assertThatThrownBy(
                            () -> {
                                try (var c = orders.watch().resumeAfter(tokenAtStart).cursor()) {
                                    c.tryNext();
                                }
                            })
                    .as("a stream positioned before the dropped entries")
                    .isInstanceOfSatisfying(
                            MongoCommandException.class,
                            e -> assertThat(e.getErrorCode()).isEqualTo(286));
        }
    }
}
