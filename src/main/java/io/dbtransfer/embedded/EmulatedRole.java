package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.bson.Document;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A role of the emulator's user: its name, database and the privileges it grants, as mongod's
 * {@code connectionStatus} with {@code showPrivileges: true} reports them. The built-in roles are
 * modelled by their read privileges only (see the README's list of differences from mongod).
 *
 * @param name role name (e.g. {@code read})
 * @param db the database the role is defined in
 * @param privileges what the role grants
 */
public record EmulatedRole(String name, String db, List<Privilege> privileges) {

    /** The actions mongod's built-in {@code read} role grants on a database's collections. */
    static final List<String> READ_ACTIONS =
            List.of(
                    "changeStream",
                    "collStats",
                    "dbHash",
                    "dbStats",
                    "find",
                    "killCursors",
                    "listCollections",
                    "listIndexes",
                    "listSearchIndexes");

    /** mongod's action that stands for every action. */
    static final String ANY_ACTION = "anyAction";

    public EmulatedRole {
        privileges = List.copyOf(privileges);
    }

    /** Built-in {@code read} on {@code db}: reads and change streams on its collections. */
    public static EmulatedRole read(String db) {
        return new EmulatedRole("read", db, List.of(Privilege.onDatabase(db, READ_ACTIONS)));
    }

    /** Built-in {@code readAnyDatabase}: {@code read} on every database (defined in admin). */
    public static EmulatedRole readAnyDatabase() {
        return new EmulatedRole(
                "readAnyDatabase",
                "admin",
                List.of(
                        Privilege.onDatabase("", READ_ACTIONS),
                        Privilege.onCluster(List.of("listDatabases"))));
    }

    /** Every action on every resource (mongod's {@code root} expands to many privileges). */
    public static EmulatedRole root() {
        return new EmulatedRole("root", "admin", List.of(Privilege.onAnyResource()));
    }

    /** A user-defined role (defined in admin) granting exactly {@code privileges}. */
    public static EmulatedRole custom(String name, Privilege... privileges) {
        return new EmulatedRole(name, "admin", List.of(privileges));
    }

    /**
     * Whether one of these roles allows {@code action} on collection {@code coll} of {@code db}.
     */
    static boolean allows(List<EmulatedRole> roles, String db, String coll, String action) {
        for (EmulatedRole role : roles) {
            for (Privilege p : role.privileges) {
                if (p.covers(db, coll) && (p.actions.contains(action) || p.isAnyAction())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The {@code authInfo} of a {@code connectionStatus} reply for this user: users, roles and,
     * when asked, the privileges.
     */
    static Document authInfo(String user, List<EmulatedRole> roles, boolean showPrivileges) {
        List<Document> users = new ArrayList<>();
        List<Document> roleDocs = new ArrayList<>();
        List<Document> privileges = new ArrayList<>();
        if (user != null) {
            users.add(new Document("user", user).append("db", ScramSha256Server.USER_DATABASE));
            for (EmulatedRole role : roles) {
                roleDocs.add(new Document("role", role.name).append("db", role.db));
                for (Privilege p : role.privileges) {
                    privileges.add(p.toDocument());
                }
            }
        }
        Document authInfo =
                new Document("authenticatedUsers", users)
                        .append("authenticatedUserRoles", roleDocs);
        if (showPrivileges) {
            authInfo.append("authenticatedUserPrivileges", privileges);
        }
        return authInfo;
    }

    /**
     * Actions on a resource: a collection ({@code db}/{@code collection}, either empty for "any"),
     * the cluster, or any resource.
     */
    public record Privilege(
            String db,
            String collection,
            boolean cluster,
            boolean anyResource,
            Set<String> actions) {

        public Privilege {
            actions = Set.copyOf(actions);
        }

        /** {@code actions} on collection {@code collection} of {@code db}. */
        public static Privilege onCollection(String db, String collection, String... actions) {
            return new Privilege(db, collection, false, false, Set.of(actions));
        }

        /** {@code actions} on every non-system collection of {@code db} ("" for every db). */
        public static Privilege onDatabase(String db, String... actions) {
            return onDatabase(db, List.of(actions));
        }

        static Privilege onDatabase(String db, List<String> actions) {
            return new Privilege(db, "", false, false, Set.copyOf(actions));
        }

        static Privilege onCluster(List<String> actions) {
            return new Privilege(null, null, true, false, Set.copyOf(actions));
        }

        /** {@code anyAction} on {@code anyResource}. */
        public static Privilege onAnyResource() {
            return new Privilege(null, null, false, true, Set.of(ANY_ACTION));
        }

        boolean isAnyAction() {
            return actions.contains(ANY_ACTION);
        }

        /**
         * As mongod matches resources: any resource; {@code {db: D, collection: ""}} covers D's
         * non-system collections, {@code {db: "", collection: C}} C in every database, {@code {db:
         * "", collection: ""}} every non-system collection. {@code coll} "" asks for the database
         * resource itself (a database-wide change stream).
         */
        boolean covers(String d, String c) {
            if (anyResource) {
                return true;
            }
            if (cluster) {
                return false;
            }
            boolean system = c.startsWith("system.");
            boolean dbMatches = db.equals(d) || db.isEmpty() && !system;
            if (collection.isEmpty()) {
                return dbMatches && !system;
            }
            return dbMatches && collection.equals(c);
        }

        Document toDocument() {
            Document resource;
            if (anyResource) {
                resource = new Document("anyResource", true);
            } else if (cluster) {
                resource = new Document("cluster", true);
            } else {
                resource = new Document("db", db).append("collection", collection);
            }
            return new Document("resource", resource)
                    .append("actions", new ArrayList<>(actions.stream().sorted().toList()));
        }
    }
}
