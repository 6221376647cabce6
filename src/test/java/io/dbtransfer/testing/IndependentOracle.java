package io.dbtransfer.testing;

import com.mongodb.client.MongoDatabase;
import org.bson.Document;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A test oracle that shares no code with the job: it reads MongoDB with the driver and MySQL (or
 * PostgreSQL) with plain JDBC and compares, column by column, with expectations the test writes out
 * itself for its mapping (no {@code io.dbtransfer.mapping}, {@code normalize}, {@code verify} or
 * {@code sink} code), so a bug in the job's mapping cannot hide by being on both sides of the
 * comparison.
 *
 * <p>Supports what the failover tests map: a single {@code _id} key column holding a string or an
 * integer, scalar columns (strings, numbers, booleans, dates as UTC {@code DATETIME}), the {@code
 * _extra} JSON column (parsed with the driver's JSON parser), and child tables compared by the
 * number of rows per document.
 */
public final class IndependentOracle {

    private final String collection;
    private final String table;
    private final Map<String, Function<Document, Object>> columns = new LinkedHashMap<>();
    private final Map<String, String> childArrays = new LinkedHashMap<>();
    private Function<Document, Document> extra;

    private IndependentOracle(String collection, String table) {
        this.collection = collection;
        this.table = table;
    }

    /** An oracle for {@code collection} mapped to {@code table} (key column {@code _id}). */
    public static IndependentOracle of(String collection, String table) {
        return new IndependentOracle(collection, table);
    }

    /** {@code column} must hold {@code expected(document)}; {@code null}: SQL NULL. */
    public IndependentOracle column(String column, Function<Document, Object> expected) {
        columns.put(column, expected);
        return this;
    }

    /** The {@code _extra} JSON column must parse to {@code expected(document)}. */
    public IndependentOracle extra(Function<Document, Document> expected) {
        this.extra = expected;
        return this;
    }

    /**
     * {@code childTable} (first column: the document key) must hold one row per element of the
     * document's array {@code arrayField} (absent or null: none).
     */
    public IndependentOracle childRows(String childTable, String arrayField) {
        childArrays.put(childTable, arrayField);
        return this;
    }

    /**
     * The oracle for {@code ReviewDocuments.mappingYaml(collection)}, written out by hand: each
     * mapped column from its path, {@code _extra} = what the mapping leaves ({@code product.parent}
     * and any field a test adds), {@code comments} and {@code images} as child tables.
     */
    public static IndependentOracle reviews(String collection) {
        return reviewColumns(collection)
                .extra(
                        d -> {
                            // The README's rule: what no column or array takes, plus explicit
                            // nulls and empty arrays (null, missing and [] stay distinct).
                            Document rest = new Document(d);
                            for (String f :
                                    List.of(
                                            "_id",
                                            "marketplace",
                                            "customer",
                                            "rating",
                                            "vine",
                                            "verifiedPurchase",
                                            "headline",
                                            "body",
                                            "date",
                                            "comments",
                                            "images")) {
                                Object v = d.get(f);
                                boolean kept =
                                        d.containsKey(f)
                                                && (v == null
                                                        || v instanceof List
                                                                && ((List<?>) v).isEmpty());
                                if (!kept) {
                                    rest.remove(f);
                                }
                            }
                            Document product = new Document(sub(d, "product"));
                            product.keySet().removeAll(List.of("id", "title", "category"));
                            rest.remove("product");
                            if (!product.isEmpty()) {
                                rest.put("product", product);
                            }
                            Document customer = new Document(sub(d, "customer"));
                            customer.remove("id");
                            if (!customer.isEmpty()) {
                                rest.put("customer", customer);
                            }
                            Document rating = new Document(sub(d, "rating"));
                            rating.keySet()
                                    .removeAll(List.of("stars", "helpfulVotes", "totalVotes"));
                            if (!rating.isEmpty()) {
                                rest.put("rating", rating);
                            }
                            return rest;
                        });
    }

    /**
     * {@link #reviews} without the {@code _extra} check: every mapped column and the child rows.
     */
    public static IndependentOracle reviewColumns(String collection) {
        return of(collection, collection)
                .column("marketplace", d -> d.getString("marketplace"))
                .column("customer_id", d -> sub(d, "customer").get("id"))
                .column("product_id", d -> sub(d, "product").get("id"))
                .column("product_title", d -> sub(d, "product").get("title"))
                .column("product_category", d -> sub(d, "product").get("category"))
                .column("star_rating", d -> sub(d, "rating").get("stars"))
                .column("helpful_votes", d -> sub(d, "rating").get("helpfulVotes"))
                .column("total_votes", d -> sub(d, "rating").get("totalVotes"))
                .column("vine", d -> d.get("vine"))
                .column("verified_purchase", d -> d.get("verifiedPurchase"))
                .column("review_headline", d -> d.get("headline"))
                .column("review_body", d -> d.get("body"))
                .column("review_date", d -> d.get("date"))
                .childRows(collection + "_comments", "comments")
                .childRows(collection + "_images", "images");
    }

    private static Document sub(Document d, String field) {
        Object o = d.get(field);
        return o instanceof Document ? (Document) o : new Document();
    }

    /** Waits until {@link #differences} is empty; fails with the last differences. */
    public void awaitEqual(MongoDatabase mongo, String mysqlUrl, Duration timeout)
            throws Exception {
        List<String> last = new ArrayList<>();
        try {
            Eventually.waitUntil(
                    timeout,
                    "MySQL table " + table + " to equal MongoDB collection " + collection,
                    () -> {
                        List<String> d = differences(mongo, mysqlUrl);
                        last.clear();
                        last.addAll(d);
                        return d.isEmpty();
                    });
        } catch (AssertionError e) {
            throw new AssertionError(
                    e.getMessage()
                            + "; "
                            + last.size()
                            + " differences, first: "
                            + last.subList(0, Math.min(20, last.size())),
                    e);
        }
    }

    /**
     * Every difference between the collection and the table, one line each ({@code missing}, {@code
     * extra}, or {@code key column: mongo=… mysql=…} with MySQL's {@code _src_version}).
     */
    public List<String> differences(MongoDatabase mongo, String mysqlUrl) throws Exception {
        Map<String, Document> docs = new LinkedHashMap<>();
        for (Document d : mongo.getCollection(collection).find()) {
            docs.put(keyText(d.get("_id")), d);
        }
        List<String> out = new ArrayList<>();
        try (Connection c = TestMySql.connect(mysqlUrl)) {
            Map<String, Map<String, Object>> rows = readRows(c);
            Set<String> keys = new TreeSet<>(docs.keySet());
            keys.addAll(rows.keySet());
            for (String key : keys) {
                Document d = docs.get(key);
                Map<String, Object> row = rows.get(key);
                if (d == null) {
                    out.add(key + ": extra row in MySQL (version " + row.get("_src_version") + ")");
                } else if (row == null) {
                    out.add(key + ": missing in MySQL");
                } else {
                    compare(key, d, row, out);
                }
            }
            for (Map.Entry<String, String> e : childArrays.entrySet()) {
                Map<String, Integer> counts = childCounts(c, e.getKey());
                for (String key : keys) {
                    Document d = docs.get(key);
                    Object array = d == null ? null : d.get(e.getValue());
                    int expected = array instanceof List ? ((List<?>) array).size() : 0;
                    int actual = counts.getOrDefault(key, 0);
                    if (expected != actual) {
                        out.add(
                                key
                                        + ": "
                                        + e.getKey()
                                        + " rows: mongo="
                                        + expected
                                        + " mysql="
                                        + actual);
                    }
                }
            }
        }
        return out;
    }

    private void compare(String key, Document d, Map<String, Object> row, List<String> out) {
        for (Map.Entry<String, Function<Document, Object>> e : columns.entrySet()) {
            Object expected = e.getValue().apply(d);
            Object actual = row.get(e.getKey());
            if (!same(expected, actual)) {
                out.add(
                        key
                                + ": "
                                + e.getKey()
                                + ": mongo="
                                + abbreviate(expected)
                                + " mysql="
                                + abbreviate(actual)
                                + " (version "
                                + row.get("_src_version")
                                + ")");
            }
        }
        if (extra != null) {
            Document expected = extra.apply(d);
            Object text = row.get("_extra");
            Document actual = text == null ? new Document() : Document.parse((String) text);
            if (!same(expected, actual)) {
                out.add(key + ": _extra: mongo=" + expected.toJson() + " mysql=" + text);
            }
        }
    }

    /** The identifier quote of the target {@code c} is connected to (MySQL or PostgreSQL). */
    private static char quote(Connection c) throws Exception {
        return TestTarget.isPostgres(c) ? '"' : '`';
    }

    private Map<String, Map<String, Object>> readRows(Connection c) throws Exception {
        char q = quote(c);
        StringBuilder sql =
                new StringBuilder("SELECT " + q + "_id" + q + ", CAST(" + q + "_src_version" + q);
        sql.append(TestTarget.isPostgres(c) ? " AS text)" : " AS CHAR)");
        for (String col : columns.keySet()) {
            sql.append(", ").append(q).append(col).append(q);
        }
        if (extra != null) {
            sql.append(", ").append(q).append("_extra").append(q);
        }
        sql.append(" FROM ").append(q).append(table).append(q);
        Map<String, Map<String, Object>> rows = new HashMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql.toString())) {
            while (rs.next()) {
                Map<String, Object> row = new HashMap<>();
                row.put("_src_version", rs.getString(2));
                int i = 3;
                for (String col : columns.keySet()) {
                    Object o = rs.getObject(i);
                    if (o instanceof java.sql.Timestamp || o instanceof LocalDateTime) {
                        o = rs.getObject(i, LocalDateTime.class);
                    }
                    row.put(col, o);
                    i++;
                }
                if (extra != null) {
                    row.put("_extra", rs.getString(i));
                }
                rows.put(rs.getString(1), row);
            }
        }
        return rows;
    }

    private static Map<String, Integer> childCounts(Connection c, String childTable)
            throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT * FROM " + quote(c) + childTable + quote(c))) {
            while (rs.next()) {
                counts.merge(rs.getString(1), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** The key as MySQL shows it in a VARCHAR or BIGINT {@code _id} column. */
    private static String keyText(Object id) {
        if (id instanceof String || id instanceof Integer || id instanceof Long) {
            return id.toString();
        }
        throw new IllegalArgumentException(
                "The oracle supports string and integer _ids only, got " + id);
    }

    /** Equal as values: numbers by value, booleans also as 0/1, dates as UTC DATETIME(3). */
    static boolean same(Object expected, Object actual) {
        if (expected == null || actual == null) {
            return expected == null && actual == null;
        }
        if (expected instanceof Boolean) {
            if (actual instanceof Number) {
                return ((Boolean) expected) == (((Number) actual).intValue() != 0);
            }
            return expected.equals(actual);
        }
        if (expected instanceof Number && actual instanceof Number) {
            return new BigDecimal(expected.toString()).compareTo(new BigDecimal(actual.toString()))
                    == 0;
        }
        if (expected instanceof Date && actual instanceof Date) {
            // A date inside _extra: Extended JSON's $date, parsed back to a Date.
            return expected.equals(actual);
        }
        if (expected instanceof Date) {
            LocalDateTime utc =
                    LocalDateTime.ofInstant(((Date) expected).toInstant(), ZoneOffset.UTC)
                            .truncatedTo(ChronoUnit.MILLIS);
            return actual instanceof LocalDateTime && utc.equals(actual);
        }
        if (expected instanceof Map && actual instanceof Map) {
            Map<?, ?> a = (Map<?, ?>) expected;
            Map<?, ?> b = (Map<?, ?>) actual;
            if (!a.keySet().equals(b.keySet())) {
                return false;
            }
            for (Object k : a.keySet()) {
                if (!same(a.get(k), b.get(k))) {
                    return false;
                }
            }
            return true;
        }
        if (expected instanceof List && actual instanceof List) {
            List<?> a = (List<?>) expected;
            List<?> b = (List<?>) actual;
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!same(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(expected, actual);
    }

    private static String abbreviate(Object o) {
        String s = String.valueOf(o);
        return s.length() > 40 ? s.substring(0, 40) + "…(" + s.length() + " chars)" : s;
    }
}
