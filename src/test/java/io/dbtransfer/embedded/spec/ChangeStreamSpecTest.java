package io.dbtransfer.embedded.spec;

import io.dbtransfer.embedded.MongoEmulator;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs MongoDB's unified change-stream spec tests ({@code source/change-streams/tests/unified} of
 * the public {@code mongodb/specifications} repository, not part of this project: their licence
 * does not fit it) against the emulator, or against {@code DBTRANSFER_MONGO_URI} when set. The
 * directory comes from {@code -Ddbtransfer.spec.dir=…} or {@code DBTRANSFER_SPEC_DIR}; without
 * either the tests are skipped. Prints "N of M pass" and the reason of every failure and skip, and
 * writes them to {@code target/change-stream-spec-results.txt}.
 */
class ChangeStreamSpecTest {

    static final String PROPERTY = "dbtransfer.spec.dir";
    static final String VARIABLE = "DBTRANSFER_SPEC_DIR";

    private static final Map<String, UnifiedTestRunner.Outcome> OUTCOMES = new TreeMap<>();
    private static MongoEmulator emulator;

    @TestFactory
    Stream<DynamicTest> unifiedChangeStreamTests() throws IOException {
        String dir = System.getProperty(PROPERTY);
        if (dir == null || dir.isBlank()) {
            dir = System.getenv(VARIABLE);
        }
        if (dir == null || dir.isBlank()) {
            // One skipped test that says why, rather than a factory that silently runs nothing.
            String why =
                    "No spec directory given: set -D"
                            + PROPERTY
                            + "=… or "
                            + VARIABLE
                            + " to source/change-streams/tests/unified of a mongodb/specifications"
                            + " checkout to run MongoDB's unified change-stream tests";
            return Stream.of(
                    DynamicTest.dynamicTest(
                            "unified change-stream spec tests", () -> assumeTrue(false, why)));
        }
        Path path = Path.of(dir);
        if (!Files.isDirectory(path)) {
            throw new IllegalArgumentException(
                    PROPERTY + " / " + VARIABLE + ": " + path + " is not a directory");
        }
        String uri = System.getenv("DBTRANSFER_MONGO_URI");
        String topology;
        if (uri == null || uri.isBlank()) {
            emulator = MongoEmulator.start();
            uri = emulator.connectionString();
            // The emulator answers hello as a standalone server but stands in for a replica set
            // (its oplog and change streams are a replica set's): it counts as one here.
            topology = "replicaset";
        } else {
            topology = null;
        }
        String version;
        try (MongoClient client = MongoClients.create(uri)) {
            BsonDocument buildInfo =
                    client.getDatabase("admin")
                            .runCommand(
                                    new BsonDocument("buildInfo", new BsonInt32(1)),
                                    BsonDocument.class);
            version = buildInfo.getString("version").getValue().replaceAll("[^0-9.].*$", "");
            if (topology == null) {
                BsonDocument hello =
                        client.getDatabase("admin")
                                .runCommand(
                                        new BsonDocument("hello", new BsonInt32(1)),
                                        BsonDocument.class);
                topology =
                        hello.containsKey("setName")
                                ? "replicaset"
                                : "isdbgrid"
                                                .equals(
                                                        hello.getString("msg", null) == null
                                                                ? null
                                                                : hello.getString("msg").getValue())
                                        ? "sharded"
                                        : "single";
            }
        }
        System.out.println(
                "Unified change-stream spec tests from "
                        + path
                        + " against "
                        + uri
                        + " (server "
                        + version
                        + ", counted as "
                        + topology
                        + ")");
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(path)) {
            files =
                    list.filter(p -> p.toString().endsWith(".json"))
                            .sorted()
                            .collect(Collectors.toList());
        }
        String serverUri = uri;
        String serverVersion = version;
        String serverTopology = topology;
        for (Path file : files) {
            BsonDocument spec = BsonDocument.parse(Files.readString(file, StandardCharsets.UTF_8));
            String fileName = file.getFileName().toString().replace(".json", "");
            for (BsonValue value : spec.getArray("tests")) {
                BsonDocument test = value.asDocument();
                String name = fileName + ": " + test.getString("description").getValue();
                tests.add(
                        DynamicTest.dynamicTest(
                                name,
                                () -> {
                                    UnifiedTestRunner.Outcome outcome =
                                            new UnifiedTestRunner(
                                                            serverUri,
                                                            serverVersion,
                                                            serverTopology)
                                                    .run(spec, test);
                                    OUTCOMES.put(name, outcome);
                                    assumeTrue(!outcome.status().equals("SKIP"), outcome.reason());
                                    if (outcome.status().equals("FAIL")) {
                                        fail(outcome.reason());
                                    }
                                }));
            }
        }
        return tests.stream();
    }

    @AfterAll
    static void summarize() throws IOException {
        if (emulator != null) {
            emulator.close();
        }
        if (OUTCOMES.isEmpty()) {
            return;
        }
        long passed = OUTCOMES.values().stream().filter(o -> o.status().equals("PASS")).count();
        StringBuilder out = new StringBuilder();
        out.append(passed)
                .append(" of ")
                .append(OUTCOMES.size())
                .append(" unified change-stream spec tests pass\n");
        OUTCOMES.forEach(
                (name, o) ->
                        out.append(o.status())
                                .append(" ")
                                .append(name)
                                .append(o.reason().isEmpty() ? "" : " -- " + o.reason())
                                .append('\n'));
        System.out.print(out);
        Path target = Path.of("target");
        if (Files.isDirectory(target)) {
            Files.writeString(
                    target.resolve("change-stream-spec-results.txt"),
                    out.toString(),
                    StandardCharsets.UTF_8);
        }
    }
}
