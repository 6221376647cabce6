package io.dbtransfer.source;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Resource matching of {@code connectionStatus} privileges as mongod defines it. */
class MongoPrivilegesTest {

    private static Document privilege(Document resource, String... actions) {
        return new Document("resource", resource).append("actions", List.of(actions));
    }

    private static Document coll(String db, String coll) {
        return new Document("db", db).append("collection", coll);
    }

    @Test
    void collectionDatabaseAndAnyDatabaseResources() {
        MongoPrivileges p =
                MongoPrivileges.parse(
                        List.of(
                                privilege(coll("shop", "orders"), "find", "changeStream"),
                                privilege(coll("crm", ""), "find"),
                                privilege(coll("", "audit"), "changeStream")));
        assertThat(p.allows("shop", "orders", "find")).isTrue();
        assertThat(p.allows("shop", "orders", "changeStream")).isTrue();
        assertThat(p.allows("shop", "other", "find")).isFalse();
        assertThat(p.allows("shop", "", "changeStream")).as("database-wide stream").isFalse();
        assertThat(p.allows("crm", "people", "find")).isTrue();
        assertThat(p.allows("crm", "", "find")).isTrue();
        assertThat(p.allows("crm", "system.views", "find")).as("system collection").isFalse();
        assertThat(p.allows("crm", "people", "changeStream")).isFalse();
        assertThat(p.allows("any", "audit", "changeStream")).isTrue();
        assertThat(p.allows("any", "audit", "find")).isFalse();
    }

    @Test
    void everyNonSystemCollectionClusterAndAnyResource() {
        MongoPrivileges readAny =
                MongoPrivileges.parse(
                        List.of(
                                privilege(coll("", ""), "find", "changeStream"),
                                privilege(new Document("cluster", true), "listDatabases")));
        assertThat(readAny.allows("x", "y", "changeStream")).isTrue();
        assertThat(readAny.allows("x", "", "find")).isTrue();
        assertThat(readAny.allows("x", "system.js", "find")).isFalse();

        MongoPrivileges clusterOnly =
                MongoPrivileges.parse(
                        List.of(privilege(new Document("cluster", true), "find", "changeStream")));
        assertThat(clusterOnly.allows("x", "y", "find")).isFalse();

        MongoPrivileges any =
                MongoPrivileges.parse(
                        List.of(privilege(new Document("anyResource", true), "anyAction")));
        assertThat(any.allows("x", "system.js", "changeStream")).isTrue();
    }

    @Test
    void oneCollectionIsWatchedAloneSeveralThroughTheDatabase() {
        MongoPrivileges perCollection =
                MongoPrivileges.parse(
                        List.of(
                                privilege(coll("shop", "a"), "find", "changeStream"),
                                privilege(coll("shop", "b"), "find", "changeStream")));
        assertThat(perCollection.missingForSource("shop", List.of("a"))).isEmpty();
        assertThat(perCollection.missingForSource("shop", List.of("a", "b")))
                .containsExactly(
                        "find on all collections of database shop (a database-wide change"
                                + " stream, used for several collections)",
                        "changeStream on all collections of database shop (a database-wide"
                                + " change stream, used for several collections)");

        MongoPrivileges findOnly =
                MongoPrivileges.parse(List.of(privilege(coll("shop", ""), "find")));
        assertThat(findOnly.missingForSource("shop", List.of("a")))
                .containsExactly("changeStream on shop.a");
        assertThat(MongoPrivileges.parse(List.of()).missingForSource("shop", List.of("a")))
                .containsExactly("find on shop.a", "changeStream on shop.a");
    }
}
