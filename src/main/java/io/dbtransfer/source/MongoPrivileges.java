package io.dbtransfer.source;

import org.bson.Document;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The privileges a MongoDB user holds, as {@code connectionStatus} with {@code showPrivileges:
 * true} lists them (roles already expanded by the server), and what the source needs of them.
 */
public final class MongoPrivileges {

    /** mongod's action that stands for every action. */
    private static final String ANY_ACTION = "anyAction";

    /** One privilege: a resource and its actions. */
    private record Grant(
            boolean anyResource,
            boolean cluster,
            String db,
            String collection,
            Set<String> actions) {

        /**
         * As mongod matches resources: {@code anyResource} covers everything; {@code {db: D,
         * collection: ""}} D's non-system collections (and D itself, for a database-wide stream);
         * {@code {db: "", collection: C}} C in every database; both empty every non-system
         * collection. The cluster resource covers no collection.
         */
        boolean covers(String d, String c) {
            if (anyResource) {
                return true;
            }
            if (cluster || db == null || collection == null) {
                return false;
            }
            boolean system = c.startsWith("system.");
            boolean dbMatches = db.equals(d) || (db.isEmpty() && !system);
            if (collection.isEmpty()) {
                return dbMatches && !system;
            }
            return dbMatches && collection.equals(c);
        }

        boolean allows(String action) {
            return actions.contains(action) || actions.contains(ANY_ACTION);
        }
    }

    private final List<Grant> grants;

    private MongoPrivileges(List<Grant> grants) {
        this.grants = grants;
    }

    /** Parses {@code authInfo.authenticatedUserPrivileges}. */
    @SuppressWarnings("unchecked")
    public static MongoPrivileges parse(List<?> privileges) {
        List<Grant> grants = new ArrayList<>();
        for (Object p : privileges) {
            if (!(p instanceof Document)) {
                continue;
            }
            Document privilege = (Document) p;
            Object r = privilege.get("resource");
            Object a = privilege.get("actions");
            if (!(r instanceof Document) || !(a instanceof List)) {
                continue;
            }
            Document resource = (Document) r;
            Set<String> actions = new LinkedHashSet<>();
            for (Object action : (List<Object>) a) {
                actions.add(String.valueOf(action));
            }
            grants.add(
                    new Grant(
                            Boolean.TRUE.equals(resource.get("anyResource")),
                            Boolean.TRUE.equals(resource.get("cluster")),
                            resource.get("db") instanceof String ? resource.getString("db") : null,
                            resource.get("collection") instanceof String
                                    ? resource.getString("collection")
                                    : null,
                            actions));
        }
        return new MongoPrivileges(grants);
    }

    /** Whether {@code action} is allowed on collection {@code coll} of {@code db}. */
    public boolean allows(String db, String coll, String action) {
        for (Grant g : grants) {
            if (g.covers(db, coll) && g.allows(action)) {
                return true;
            }
        }
        return false;
    }

    /**
     * What the source lacks, as {@code "action on resource"} texts (empty: nothing). The snapshot
     * finds on every collection; Flink CDC 3.5 watches one collection with a collection stream and
     * several with a database-wide stream (find and changeStream on the database's collections).
     */
    public List<String> missingForSource(String db, List<String> collections) {
        List<String> missing = new ArrayList<>();
        for (String c : collections) {
            if (!allows(db, c, "find")) {
                missing.add("find on " + db + "." + c);
            }
        }
        if (collections.size() == 1) {
            String c = collections.get(0);
            if (!allows(db, c, "changeStream")) {
                missing.add("changeStream on " + db + "." + c);
            }
        } else {
            for (String action : List.of("find", "changeStream")) {
                if (!allows(db, "", action)) {
                    missing.add(
                            action
                                    + " on all collections of database "
                                    + db
                                    + " (a database-wide change stream, used for several"
                                    + " collections)");
                }
            }
        }
        return missing;
    }
}
