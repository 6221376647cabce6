package io.dbtransfer.reverse;

import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.embedded.EmbeddedMariaDb;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.MappingParser;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.testing.Eventually;
import io.dbtransfer.testing.FlinkStandaloneCluster;
import io.dbtransfer.testing.SharedMiniCluster;
import io.dbtransfer.testing.TaskManagerKills;
import io.dbtransfer.testing.TestDurations;
import io.dbtransfer.testing.TestMongo;

import org.apache.flink.api.common.restartstrategy.RestartStrategies;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;

import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reverse job (MySQL binlog → MongoDB, issue #17) against an embedded MariaDB with a ROW
 * binlog, the Mongo emulator and the shared MiniCluster. MongoDB is compared with what the test
 * itself wrote to MySQL (and MySQL read back with plain JDBC), never through the job's own code.
 */
@ExtendWith(SharedMiniCluster.class)
class ReverseJobITCase {

    @TempDir static Path dir;

    private static EmbeddedMariaDb db;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    /** orders: customer, total, and an items array (sku, qty) in the child table. */
    static final TableSpec ORDERS =
            MappingParser.parseTable(
                    "orders",
                    Map.of(
                            "key-type", "VARCHAR(64)",
                            "columns", Map.of("customer", "VARCHAR(100)", "total", "DECIMAL(10,2)"),
                            "arrays",
                                    Map.of(
                                            "items",
                                            Map.of(
                                                    "columns",
                                                    Map.of("sku", "VARCHAR(32)", "qty", "INT")))));

    static final Mapping MAPPING = new Mapping(Map.of("orders", ORDERS));
    static final String ITEMS = ORDERS.children.get(0).name;

    @BeforeAll
    static void startMariaDb() throws Exception {
        db = EmbeddedMariaDb.start(dir, MySqlBinlogOnMariaDbITCase.BINLOG_OPTIONS);
        exec(
                db.jdbcUrl(""),
                "CREATE USER cdc IDENTIFIED BY 'cdcpw'",
                "GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO cdc");
    }

    @AfterAll
    static void stopMariaDb() {
        if (db != null) {
            db.close();
        }
    }

    /** One test's MySQL database (tables as the forward sink creates them) and MongoDB database. */
    static final class Setup {
        final String database = "rev" + DATABASES.incrementAndGet();
        final String url = db.jdbcUrl(database);
        final MongoDatabase mongo =
                TestMongo.client().getDatabase(TestMongo.newDatabaseName("rev"));
        BinlogPosition startAt;

        Setup() throws Exception {
            db.createDatabase(database);
            try (Connection c = DriverManager.getConnection(url)) {
                SchemaManager.createTables(c, MAPPING);
                ReverseMarkers.ensureTable(c);
            }
        }

        /** Takes the start position (the cutover's point) and starts the job from it. */
        JobClient start(StreamExecutionEnvironment env) throws Exception {
            try (Connection c = DriverManager.getConnection(url)) {
                startAt = BinlogPosition.current(c);
            }
            ReverseSettings settings =
                    ReverseSettings.builder()
                            .mysqlJdbcUrl(db.jdbcUrl(database))
                            .mysqlUser("cdc")
                            .mysqlPassword("cdcpw")
                            .mysqlDatabase(database)
                            .mongoUri(TestMongo.uri())
                            .mongoDatabase(mongo.getName())
                            .mapping(MAPPING)
                            .startAt(startAt)
                            .serverId(String.valueOf(5400 + DATABASES.get()))
                            .checkpointInterval(Duration.ofMillis(300))
                            .build();
            ReverseJob.define(env, settings);
            JobClient job = env.executeAsync("reverse-" + database);
            // Live: a marker inserted now comes back through the binlog.
            drain();
            return job;
        }

        /** Inserts a marker and waits until the job has recorded it; returns its id. */
        long drain() throws Exception {
            long id;
            try (Connection c = DriverManager.getConnection(url)) {
                id = ReverseMarkers.insert(c);
            }
            Eventually.waitUntil(
                    TestDurations.MEDIUM,
                    "marker " + id + " recorded",
                    () -> ReverseMarkers.lastSeen(mongo).orElse(-1) >= id);
            return id;
        }

        MongoCollection<Document> orders() {
            return mongo.getCollection("orders");
        }

        Connection connect() throws SQLException {
            return DriverManager.getConnection(url);
        }
    }

    private static StreamExecutionEnvironment env() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRestartStrategy(RestartStrategies.fixedDelayRestart(20, 300));
        return env;
    }

    @Test
    void oneMySqlTransactionIsOneMongoWritePerDocument() throws Exception {
        Setup s = new Setup();
        try (Connection c = s.connect()) {
            insertOrder(c, "o1", "ann", "10.00", List.of(new Item(0, "a", 1), new Item(1, "b", 2)));
        }
        s.start(env());
        assertThat(s.orders().countDocuments()).isZero();

        try (MongoChangeStreamCursor<ChangeStreamDocument<Document>> stream =
                        s.orders().watch().cursor();
                Connection c = s.connect();
                Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("UPDATE orders SET customer='bea', total=12.50 WHERE _id='o1'");
            st.execute(
                    "INSERT INTO "
                            + ITEMS
                            + " (_id, _idx, sku, qty) VALUES ('o1', 2, 'c', 3), ('o1', 3, 'd', 4)");
            st.execute("DELETE FROM " + ITEMS + " WHERE _id='o1' AND _idx=0");
            c.commit();
            c.setAutoCommit(true);
            // Another document in its own transaction after it, so the stream has a later event.
            insertOrder(c, "o2", "cid", "1.00", List.of());
            s.drain();

            List<ChangeStreamDocument<Document>> events = new ArrayList<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < until
                    && events.stream().noneMatch(e -> idOf(e).equals("o2"))) {
                ChangeStreamDocument<Document> e = stream.tryNext();
                if (e != null) {
                    events.add(e);
                }
            }
            assertThat(events.stream().map(ReverseJobITCase::idOf))
                    .as("change stream events per document")
                    .containsExactly("o1", "o2");
        }
        Document o1 = s.orders().find(new Document("_id", "o1")).first();
        assertThat(o1).isNotNull();
        assertThat(o1.getString("customer")).isEqualTo("bea");
        assertThat(decimal(o1.get("total"))).isEqualByComparingTo("12.50");
        assertThat(items(o1)).containsExactly("b:2", "c:3", "d:4");
        // ... and it equals what MySQL holds (read with plain JDBC).
        try (Connection c = s.connect()) {
            assertThat(mongoOrders(s)).isEqualTo(mysqlOrders(c));
        }
    }

    @Test
    void markerIsRecordedOnlyAfterEveryEarlierWriteIsInMongo() throws Exception {
        Setup s = new Setup();
        s.start(env());
        long marker;
        try (Connection c = s.connect()) {
            for (int i = 0; i < 60; i++) {
                insertOrder(c, "m" + i, "c" + i, i + ".00", List.of(new Item(0, "x", i)));
            }
            marker = ReverseMarkers.insert(c);
        }
        long seen = -1;
        long until = System.nanoTime() + TestDurations.MEDIUM.toNanos();
        while (seen < marker && System.nanoTime() < until) {
            seen = ReverseMarkers.lastSeen(s.mongo).orElse(-1);
            Thread.sleep(2);
        }
        assertThat(seen).isGreaterThanOrEqualTo(marker);
        // The moment the marker is recorded, every change before it is in MongoDB.
        assertThat(s.orders().countDocuments()).isEqualTo(60);
        assertThat(items(s.orders().find(new Document("_id", "m59")).first()))
                .containsExactly("x:59");
    }

    @Test
    void rowsThatCannotBecomeADocumentGoToTheDeadLetterCollection() throws Exception {
        Setup s = new Setup();
        s.start(env());
        try (Connection c = s.connect();
                Statement st = c.createStatement()) {
            // A child row whose parent row does not exist.
            st.execute(
                    "INSERT INTO " + ITEMS + " (_id, _idx, sku, qty) VALUES ('ghost', 0, 'g', 1)");
            // A parent row whose rest-of-document column is no JSON object.
            st.execute(
                    "INSERT INTO orders (_id, customer, total, _extra)"
                            + " VALUES ('bad', 'b', 1.00, '[1,2]')");
            insertOrder(c, "good", "g", "2.00", List.of(new Item(0, "y", 5)));
        }
        s.drain();
        MongoCollection<Document> dlq =
                s.mongo.getCollection(DocumentRefresh.DEAD_LETTER_COLLECTION);
        Map<String, String> byKey = new TreeMap<>();
        for (Document d : dlq.find()) {
            byKey.put(d.getString("table") + "/" + d.getString("key"), d.getString("reason"));
            assertThat(d.getString("position")).startsWith(s.startAt.file() + ":");
        }
        assertThat(byKey).containsOnlyKeys(ITEMS + "/ghost", "orders/bad");
        assertThat(byKey.get(ITEMS + "/ghost")).contains("without a parent row");
        assertThat(s.orders().find(new Document("_id", "bad")).first()).isNull();
        assertThat(s.orders().find(new Document("_id", "ghost")).first()).isNull();
        // The job went on.
        assertThat(items(s.orders().find(new Document("_id", "good")).first()))
                .containsExactly("y:5");
    }

    @Test
    void runsOnAFlinkClusterWithFlinkRunFromTheForwardJobsConfiguration(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp) throws Exception {
        Path jar = Path.of("target/dbtransfer-0.1.0-SNAPSHOT-job.jar");
        assertThat(jar).as("the shaded job jar (built by package)").isRegularFile();
        Setup s = new Setup();
        BinlogPosition start;
        try (Connection c = s.connect()) {
            start = BinlogPosition.current(c);
        }
        // The forward job's configuration (the same mapping YAML) plus the cutover's point.
        Path job = tmp.resolve("job.yaml");
        Files.writeString(
                job,
                String.join(
                        "\n",
                        "mongo.uri: \"" + TestMongo.uri() + "\"",
                        "mongo.database: " + s.mongo.getName(),
                        "mysql.url: \"" + s.url + "\"",
                        "mysql.username: cdc",
                        "mysql.password: cdcpw",
                        "job.checkpoint-interval: 500 ms",
                        "reverse.server-id: '5499'",
                        "collections:",
                        "  orders:",
                        "    key-type: VARCHAR(64)",
                        "    columns:",
                        "      customer: VARCHAR(100)",
                        "      total: DECIMAL(10,2)",
                        "    arrays:",
                        "      items:",
                        "        columns:",
                        "          sku: VARCHAR(32)",
                        "          qty: INT",
                        ""));
        try (FlinkStandaloneCluster cluster =
                new FlinkStandaloneCluster(tmp.resolve("cluster"), Map.of()).start()) {
            String id =
                    cluster.submit(
                            Map.of(),
                            "-c",
                            "io.dbtransfer.MySqlToMongoJob",
                            jar.toString(),
                            "--config",
                            job.toString(),
                            "--set",
                            "reverse.start-at=" + start.text());
            try (Connection c = s.connect()) {
                insertOrder(c, "fr1", "flo", "3.00", List.of(new Item(0, "z", 7)));
            }
            s.drain();
            Document d = s.orders().find(new Document("_id", "fr1")).first();
            assertThat(d).isNotNull();
            assertThat(d.getString("customer")).isEqualTo("flo");
            assertThat(items(d)).containsExactly("z:7");
            cluster.cli(Map.of(), "cancel", id);
        }
    }

    @Test
    void anApplicationInsertNeedsNoSinkColumn() throws Exception {
        Setup s = new Setup();
        try (Connection c = s.connect();
                Statement st = c.createStatement()) {
            // Plain application SQL after cutover knows nothing of _src_version: the sink's table
            // gives it DEFAULT 0 (older than every source version). Refused before that default.
            st.execute("INSERT INTO orders (_id, customer, total) VALUES ('app', 'a', 1.00)");
            try (ResultSet rs =
                    st.executeQuery("SELECT _src_version FROM orders WHERE _id = 'app'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isZero();
            }
        }
    }

    @Test
    void failoverUnderLiveWritesEndsWithMongoEqualToMySql(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        Setup s = new Setup();
        // Documents that exist before the start point (migrated by the forward job) are in both.
        Map<String, Order> oracle = new HashMap<>();
        try (Connection c = s.connect()) {
            for (int i = 0; i < 10; i++) {
                Order o = new Order("ann" + i, i + ".00", List.of(new Item(0, "s", i)));
                insertOrder(c, "p" + i, o.customer, o.total, o.items);
                oracle.put("p" + i, o);
                s.orders().insertOne(o.toDocument("p" + i));
            }
        }
        JobClient job = s.start(env());

        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> writerFailed = new AtomicReference<>();
        AtomicInteger transactions = new AtomicInteger();
        Thread writer =
                new Thread(
                        () -> {
                            try (Connection c = s.connect()) {
                                Random random = new Random(17);
                                while (!stop.get()) {
                                    if (randomTransaction(c, random, oracle)) {
                                        transactions.incrementAndGet();
                                    }
                                    Thread.sleep(5);
                                }
                            } catch (Throwable t) {
                                writerFailed.set(t);
                            }
                        },
                        "app-writer");
        writer.start();
        try {
            Eventually.waitUntil(
                    TestDurations.SHORT, "100 transactions", () -> transactions.get() >= 100);
            assertThat(TaskManagerKills.killAndRestart(cluster, job.getJobID())).isPositive();
            int after = transactions.get();
            Eventually.waitUntil(
                    TestDurations.SHORT,
                    "100 more transactions after the restart",
                    () -> transactions.get() >= after + 100);
        } finally {
            stop.set(true);
            writer.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertThat(writerFailed.get()).isNull();
        s.drain();

        Map<String, String> expected = new TreeMap<>();
        oracle.forEach((id, o) -> expected.put(id, o.text()));
        assertThat(mongoOrders(s)).as("MongoDB vs what the application wrote").isEqualTo(expected);
        try (Connection c = s.connect()) {
            assertThat(mysqlOrders(c))
                    .as("MySQL vs what the application wrote")
                    .isEqualTo(expected);
        }
    }

    /**
     * One application transaction on a random order: insert (parent and items), change the parent,
     * add/change/remove an item, or delete the whole order. The oracle changes only when the commit
     * succeeds.
     */
    private static boolean randomTransaction(Connection c, Random random, Map<String, Order> oracle)
            throws SQLException {
        String id = "p" + random.nextInt(40);
        Order current = oracle.get(id);
        Order next;
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            if (current == null) {
                List<Item> items = new ArrayList<>();
                for (int i = 0; i < random.nextInt(3); i++) {
                    items.add(new Item(i, "k" + random.nextInt(100), random.nextInt(9)));
                }
                next = new Order("new" + random.nextInt(1000), random.nextInt(500) + ".25", items);
                insertOrderRows(c, id, next);
            } else {
                switch (random.nextInt(5)) {
                    case 0 -> {
                        st.execute("DELETE FROM " + ITEMS + " WHERE _id='" + id + "'");
                        st.execute("DELETE FROM orders WHERE _id='" + id + "'");
                        next = null;
                    }
                    case 1 -> {
                        String customer = "upd" + random.nextInt(1000);
                        st.execute(
                                "UPDATE orders SET customer='"
                                        + customer
                                        + "' WHERE _id='"
                                        + id
                                        + "'");
                        next = new Order(customer, current.total, current.items);
                    }
                    case 2 -> {
                        int idx = current.items.stream().mapToInt(i -> i.idx).max().orElse(-1) + 1;
                        Item added = new Item(idx, "n" + random.nextInt(100), random.nextInt(9));
                        st.execute(
                                "INSERT INTO "
                                        + ITEMS
                                        + " (_id, _idx, sku, qty) VALUES ('"
                                        + id
                                        + "', "
                                        + idx
                                        + ", '"
                                        + added.sku
                                        + "', "
                                        + added.qty
                                        + ")");
                        st.execute("UPDATE orders SET total=total+1 WHERE _id='" + id + "'");
                        List<Item> items = new ArrayList<>(current.items);
                        items.add(added);
                        next =
                                new Order(
                                        current.customer,
                                        new BigDecimal(current.total)
                                                .add(BigDecimal.ONE)
                                                .toPlainString(),
                                        items);
                    }
                    case 3 -> {
                        if (current.items.isEmpty()) {
                            c.rollback();
                            return false;
                        }
                        Item first = current.items.get(0);
                        st.execute(
                                "DELETE FROM "
                                        + ITEMS
                                        + " WHERE _id='"
                                        + id
                                        + "' AND _idx="
                                        + first.idx);
                        next =
                                new Order(
                                        current.customer,
                                        current.total,
                                        current.items.subList(1, current.items.size()));
                    }
                    default -> {
                        List<Item> items = new ArrayList<>();
                        for (Item i : current.items) {
                            items.add(new Item(i.idx, i.sku, i.qty + 1));
                        }
                        st.execute("UPDATE " + ITEMS + " SET qty=qty+1 WHERE _id='" + id + "'");
                        next = new Order(current.customer, current.total, items);
                    }
                }
            }
            c.commit();
        } catch (SQLException e) {
            // A deadlock with the reverse job's locking read: the transaction did not happen.
            c.rollback();
            if (!LockedDocumentRead.retryable(e)) {
                throw e;
            }
            return false;
        } finally {
            c.setAutoCommit(true);
        }
        if (next == null) {
            oracle.remove(id);
        } else {
            oracle.put(id, next);
        }
        return true;
    }

    /** One array element as the test writes it. */
    record Item(int idx, String sku, int qty) {}

    /** One order as the test writes it. */
    record Order(String customer, String total, List<Item> items) {
        Order {
            items = List.copyOf(items);
        }

        /** The comparison form: customer, total (as a number), items sku:qty in index order. */
        String text() {
            List<String> is = new ArrayList<>();
            items.stream()
                    .sorted((a, b) -> Integer.compare(a.idx, b.idx))
                    .forEach(i -> is.add(i.sku + ":" + i.qty));
            return customer
                    + " "
                    + new BigDecimal(total).stripTrailingZeros().toPlainString()
                    + " "
                    + is;
        }

        Document toDocument(String id) {
            List<Document> is = new ArrayList<>();
            for (Item i : items) {
                is.add(new Document("sku", i.sku).append("qty", i.qty));
            }
            Document d =
                    new Document("_id", id)
                            .append("customer", customer)
                            .append("total", new org.bson.types.Decimal128(new BigDecimal(total)));
            if (!is.isEmpty()) {
                d.append("items", is);
            }
            return d;
        }
    }

    private static void insertOrder(
            Connection c, String id, String customer, String total, List<Item> items)
            throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        insertOrderRows(c, id, new Order(customer, total, items));
        c.commit();
        c.setAutoCommit(auto);
    }

    private static void insertOrderRows(Connection c, String id, Order o) throws SQLException {
        // Plain application SQL: the forward sink's own columns are left to their defaults.
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO orders (_id, customer, total) VALUES (?, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, o.customer);
            ps.setBigDecimal(3, new BigDecimal(o.total));
            ps.executeUpdate();
        }
        for (Item i : o.items) {
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "INSERT INTO "
                                    + ITEMS
                                    + " (_id, _idx, sku, qty) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setInt(2, i.idx);
                ps.setString(3, i.sku);
                ps.setInt(4, i.qty);
                ps.executeUpdate();
            }
        }
    }

    /** Every order in MongoDB in the comparison form, by {@code _id}. */
    private static Map<String, String> mongoOrders(Setup s) {
        Map<String, String> out = new TreeMap<>();
        for (Document d : s.orders().find()) {
            out.put(
                    String.valueOf(d.get("_id")),
                    d.getString("customer")
                            + " "
                            + decimal(d.get("total")).stripTrailingZeros().toPlainString()
                            + " "
                            + items(d));
        }
        return out;
    }

    /** Every order in MySQL in the comparison form, read with plain JDBC. */
    private static Map<String, String> mysqlOrders(Connection c) throws SQLException {
        Map<String, List<String>> items = new HashMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT _id, sku, qty FROM " + ITEMS + " ORDER BY _id, _idx")) {
            while (rs.next()) {
                items.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                        .add(rs.getString(2) + ":" + rs.getInt(3));
            }
        }
        Map<String, String> out = new TreeMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT _id, customer, total FROM orders")) {
            while (rs.next()) {
                out.put(
                        rs.getString(1),
                        rs.getString(2)
                                + " "
                                + rs.getBigDecimal(3).stripTrailingZeros().toPlainString()
                                + " "
                                + items.getOrDefault(rs.getString(1), List.of()));
            }
        }
        return out;
    }

    private static List<String> items(Document d) {
        assertThat(d).isNotNull();
        List<String> out = new ArrayList<>();
        List<?> items = d.getList("items", Object.class);
        if (items != null) {
            for (Object o : items) {
                Document i = (Document) o;
                out.add(i.getString("sku") + ":" + ((Number) i.get("qty")).intValue());
            }
        }
        return out;
    }

    private static BigDecimal decimal(Object v) {
        if (v instanceof org.bson.types.Decimal128 d) {
            return d.bigDecimalValue();
        }
        return new BigDecimal(String.valueOf(v));
    }

    private static String idOf(ChangeStreamDocument<Document> e) {
        return e.getDocumentKey().get("_id").asString().getValue();
    }

    private static void exec(String url, String... sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }
}
