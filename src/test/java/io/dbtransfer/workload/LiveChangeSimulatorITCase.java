package io.dbtransfer.workload;

import io.dbtransfer.testing.ChangeLogReplay;
import io.dbtransfer.testing.TestMongo;

import com.mongodb.client.MongoCollection;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LiveChangeSimulator} against the test MongoDB: its change log, replayed over the starting
 * documents, gives exactly what MongoDB holds (read independently); deletes are gone, pushes are
 * there, and the mix is honoured.
 */
class LiveChangeSimulatorITCase {

    private static MongoCollection<Document> newCollection(String prefix) {
        return TestMongo.client()
                .getDatabase(TestMongo.newDatabaseName(prefix))
                .getCollection("reviews");
    }

    private static Map<Object, Document> readAll(MongoCollection<Document> coll) {
        Map<Object, Document> out = new LinkedHashMap<>();
        coll.find().forEach(d -> out.put(d.get("_id"), d));
        return out;
    }

    @Test
    void theReplayedChangeLogEqualsTheCollectionDocumentByDocument(@TempDir Path dir)
            throws Exception {
        MongoCollection<Document> coll = newCollection("sim_replay");
        List<Document> docs = new ReviewDocuments(11).next(400);
        coll.insertMany(new ArrayList<>(docs.subList(0, 300)));
        Deque<Document> heldBack = new ArrayDeque<>(docs.subList(300, 400));
        List<Object> heldBackIds = heldBack.stream().map(d -> d.get("_id")).toList();
        Map<Object, Document> initial = readAll(coll);
        Path logFile = dir.resolve("changes.jsonl");

        long started = System.currentTimeMillis();
        LiveChangeSimulator simulator;
        try (ChangeLogWriter log = new ChangeLogWriter(logFile)) {
            simulator =
                    LiveChangeSimulator.builder(coll)
                            .heldBack(heldBack)
                            .knownIds(initial.keySet())
                            .ratePerSecond(100_000)
                            .maxChanges(800)
                            .seed(5)
                            .generateInsertsWhenHeldBackRunsOut(true)
                            .log(log)
                            .build();
            simulator.run();
        }
        long ended = System.currentTimeMillis();
        List<ChangeLogReplay.Entry> entries = ChangeLogReplay.read(logFile);

        // One line per change, in order, with send and acknowledgement times.
        assertThat(entries).hasSize(800);
        assertThat(simulator.stats().total()).isEqualTo(800);
        assertThat(simulator.changesTried()).isEqualTo(800);
        long previousSent = started;
        for (int i = 0; i < entries.size(); i++) {
            ChangeLogReplay.Entry e = entries.get(i);
            assertThat(e.seq()).isEqualTo(i + 1);
            assertThat(e.error()).as("refused: " + e).isNull();
            assertThat(e.sentAtMs()).isGreaterThanOrEqualTo(previousSent);
            assertThat(e.ackAtMs()).isGreaterThanOrEqualTo(e.sentAtMs()).isLessThanOrEqualTo(ended);
            assertThat(e.id()).isNotNull();
            assertThat(e.change() != null).as("change of " + e).isEqualTo(!e.op().equals("delete"));
            previousSent = e.sentAtMs();
        }

        // The heart of it: replay over the starting documents == the collection, read afresh.
        Map<Object, Document> replayed = ChangeLogReplay.replay(initial, entries);
        Map<Object, Document> actual = readAll(coll);
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(replayed.keySet());
        for (Map.Entry<Object, Document> e : replayed.entrySet()) {
            assertThat(actual.get(e.getKey())).as("document " + e.getKey()).isEqualTo(e.getValue());
        }

        // Deleted documents are gone (ids are never reused); pushed elements not taken away since
        // are there.
        Set<Object> deleted = new HashSet<>();
        Map<Object, List<Object>> pushedComments = new HashMap<>();
        for (ChangeLogReplay.Entry e : entries) {
            switch (e.kind()) {
                case "delete" -> {
                    deleted.add(e.id());
                    pushedComments.remove(e.id());
                }
                case "push-comment" ->
                        pushedComments
                                .computeIfAbsent(e.id(), k -> new ArrayList<>())
                                .add(
                                        ((Document)
                                                e.change()
                                                        .get("$push", Document.class)
                                                        .get("comments")));
                case "pull-comment", "pop-comment" -> pushedComments.remove(e.id());
                default -> {}
            }
        }
        assertThat(deleted).isNotEmpty();
        assertThat(actual.keySet()).doesNotContainAnyElementsOf(deleted);
        assertThat(pushedComments).isNotEmpty();
        pushedComments.forEach(
                (id, comments) ->
                        assertThat(actual.get(id).getList("comments", Object.class))
                                .as("comments of " + id)
                                .containsAll(comments));

        // Every kind of change happened, pulls and pops that removed something included.
        Set<String> kinds = new TreeSet<>();
        entries.forEach(e -> kinds.add(e.kind()));
        assertThat(kinds)
                .containsExactlyInAnyOrder(
                        "held-back",
                        "generated",
                        "vote",
                        "unhelpful-vote",
                        "stars",
                        "edit",
                        "unset-headline",
                        "push-comment",
                        "push-image",
                        "pull-comment",
                        "pull-image",
                        "pop-image",
                        "pop-comment",
                        "rewrite",
                        "delete");
        for (String kind : List.of("pull-comment", "pull-image", "pop-image", "pop-comment")) {
            assertThat(entries)
                    .as(kind + " that removed something")
                    .anyMatch(e -> e.kind().equals(kind) && e.modified() == 1);
        }
        // Held-back documents go in first, in their order.
        assertThat(entries.stream().filter(e -> e.kind().equals("held-back")).map(e -> e.id()))
                .containsExactlyElementsOf(heldBackIds);
        assertThat(actual.values())
                .anyMatch(d -> !d.getList("images", Object.class).isEmpty())
                .anyMatch(d -> !d.containsKey("headline"));
    }

    @Test
    void theMixIsHonoured() {
        MongoCollection<Document> coll = newCollection("sim_mix");
        List<Document> docs = new ReviewDocuments(12).next(200);
        coll.insertMany(docs);
        ChangeMix mix = ChangeMix.parse("insert:10,update:55,replace:10,delete:25");
        LiveChangeSimulator simulator =
                LiveChangeSimulator.builder(coll)
                        .knownIds(docs.stream().map(d -> d.get("_id")).toList())
                        .ratePerSecond(100_000)
                        .maxChanges(1000)
                        .mix(mix)
                        .seed(9)
                        .generateInsertsWhenHeldBackRunsOut(true)
                        .build();
        simulator.run();
        LiveChangeSimulator.Stats s = simulator.stats();
        assertThat(s.total()).isEqualTo(1000);
        assertThat(s.failed.get()).isZero();
        assertThat(s.inserts.get()).isBetween(70L, 130L);
        assertThat(s.updates.get()).isBetween(500L, 600L);
        assertThat(s.replaces.get()).isBetween(70L, 130L);
        assertThat(s.deletes.get()).isBetween(210L, 290L);
        assertThat(coll.countDocuments()).isEqualTo(200 + s.inserts.get() - s.deletes.get());
    }

    @Test
    void withoutGeneratedInsertsTheHeldBackRunOutAndTheDemoConstructorStillWorks() {
        MongoCollection<Document> coll = newCollection("sim_demo");
        List<Document> docs = new ReviewDocuments(13).next(105);
        coll.insertMany(new ArrayList<>(docs.subList(0, 100)));
        Deque<Document> heldBack = new ArrayDeque<>(docs.subList(100, 105));
        LiveChangeSimulator simulator =
                new LiveChangeSimulator(
                        coll,
                        heldBack,
                        new ArrayList<>(
                                docs.subList(0, 100).stream().map(d -> d.get("_id")).toList()),
                        100_000,
                        120,
                        7L);
        simulator.run();
        LiveChangeSimulator.Stats s = simulator.stats();
        assertThat(s.total()).isEqualTo(120);
        assertThat(s.inserts.get()).isEqualTo(5);
        assertThat(heldBack).isEmpty();
        assertThat(s.updates.get() + s.replaces.get() + s.deletes.get()).isEqualTo(115);
        assertThat(coll.countDocuments()).isEqualTo(105 - s.deletes.get());
    }

    @Test
    void durationAndStopEndTheRunAndTheRateIsAnUpperBound() throws Exception {
        MongoCollection<Document> coll = newCollection("sim_time");
        List<Document> docs = new ReviewDocuments(14).next(50);
        coll.insertMany(docs);
        List<Object> ids = docs.stream().map(d -> d.get("_id")).toList();
        LiveChangeSimulator timed =
                LiveChangeSimulator.builder(coll)
                        .knownIds(ids)
                        .ratePerSecond(20)
                        .duration(Duration.ofMillis(600))
                        .mix(ChangeMix.parse("update:100"))
                        .build();
        long t0 = System.nanoTime();
        timed.run();
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(elapsedMs).isGreaterThanOrEqualTo(550);
        // Paced: never more than rate × elapsed (+1 for the change at time zero).
        assertThat(timed.stats().total()).isBetween(1L, 20 * elapsedMs / 1000 + 1);

        LiveChangeSimulator endless =
                LiveChangeSimulator.builder(coll)
                        .knownIds(ids)
                        .ratePerSecond(50)
                        .mix(ChangeMix.parse("update:100"))
                        .build();
        Thread worker = new Thread(endless);
        worker.start();
        Thread.sleep(200);
        endless.stop();
        worker.join(10_000);
        assertThat(worker.isAlive()).isFalse();
        assertThat(endless.stats().total()).isPositive();
    }
}
