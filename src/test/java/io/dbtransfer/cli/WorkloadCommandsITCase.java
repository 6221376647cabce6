package io.dbtransfer.cli;

import io.dbtransfer.model.ConfigException;
import io.dbtransfer.testing.TestMongo;
import io.dbtransfer.workload.ExtendedJsonLines;
import io.dbtransfer.workload.ReviewTsvLoader;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code generate-reviews}, {@code load-reviews} and {@code simulate} as commands: their output,
 * side files and exit codes, in process and through the real entry point.
 */
class WorkloadCommandsITCase {

    /** Exit code and output of one command. */
    record Run(int exit, String stdout, String stderr) {}

    /** Runs a command in this JVM with its own stdout and stderr. */
    private static Run command(String name, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        String[] all = new String[args.length + 1];
        all[0] = name;
        System.arraycopy(args, 0, all, 1, args.length);
        int exit = Main.run(o, e, all);
        return new Run(
                exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code Main} in its own JVM, as {@code bin/dbtransfer} does. */
    private static Run main(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        File out = File.createTempFile("stdout", ".txt");
        File err = File.createTempFile("stderr", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err).start();
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("main finished").isTrue();
        return new Run(
                p.exitValue(),
                Files.readString(out.toPath(), StandardCharsets.UTF_8),
                Files.readString(err.toPath(), StandardCharsets.UTF_8));
    }

    private static Path badLines(Path dir) throws Exception {
        Path copy = dir.resolve("bad-lines.tsv");
        Files.copy(
                Path.of(WorkloadCommandsITCase.class.getResource("/reviews/bad-lines.tsv").toURI()),
                copy);
        return copy;
    }

    @Test
    void generateThenLoadWithHoldBackThenSimulateWithTheHeldBackReviews(@TempDir Path dir)
            throws Exception {
        Path tsv = dir.resolve("reviews.tsv.gz");
        Run generated =
                command(
                        "generate-reviews",
                        "--rows",
                        "300",
                        "--seed",
                        "3",
                        "--out",
                        tsv.toString());
        assertThat(generated.exit()).isZero();
        assertThat(generated.stdout()).startsWith("Wrote 300 reviews (seed 3) to " + tsv);

        String database = TestMongo.newDatabaseName("cmd_flow");
        Run loaded =
                command(
                        "load-reviews",
                        "--tsv",
                        tsv.toString(),
                        "--mongo-uri",
                        TestMongo.uri(),
                        "--database",
                        database,
                        "--hold-back",
                        "10%",
                        "--batch",
                        "100");
        assertThat(loaded.exit()).as(loaded.stderr()).isZero();
        assertThat(loaded.stdout())
                .contains("Loaded " + tsv + " into " + database + ".reviews")
                .containsPattern("lines after the header +300\n")
                .containsPattern("inserted +270\n")
                .containsPattern("held back +30  -> " + tsv + ".held-back.jsonl\n")
                .containsPattern("rejected +0\n");
        assertThat(loaded.stderr()).doesNotContain("rejected line");
        assertThat(Files.readAllLines(Path.of(tsv + ".rejects.tsv")))
                .containsExactly(ReviewTsvLoader.REJECTS_HEADER);
        List<Document> held = ExtendedJsonLines.read(Path.of(tsv + ".held-back.jsonl"));
        assertThat(held).hasSize(30);
        MongoCollection<Document> coll =
                TestMongo.client().getDatabase(database).getCollection("reviews");
        assertThat(coll.countDocuments()).isEqualTo(270);

        Path log = dir.resolve("changes.jsonl");
        Run simulated =
                command(
                        "simulate",
                        "--mongo-uri",
                        TestMongo.uri(),
                        "--database",
                        database,
                        "--rate",
                        "5000",
                        "--changes",
                        "200",
                        "--duration",
                        "60s",
                        "--hold-back-file",
                        tsv + ".held-back.jsonl",
                        "--log",
                        log.toString(),
                        "--seed",
                        "4");
        assertThat(simulated.exit()).as(simulated.stderr()).isZero();
        assertThat(simulated.stdout())
                .contains("(270 documents, 30 held back to insert)")
                .contains("insert:40,update:40,replace:5,delete:15")
                .contains("Applied 200 changes")
                .contains("Change log: " + log);
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(200);
        // The held-back reviews are inserted first, in file order.
        List<Object> insertedHeldBack = new ArrayList<>();
        for (String line : lines) {
            Document entry = Document.parse(line);
            if ("held-back".equals(entry.get("kind"))) {
                insertedHeldBack.add(entry.get("_id"));
            }
        }
        assertThat(insertedHeldBack)
                .containsExactlyElementsOf(held.stream().map(d -> d.get("_id")).toList());
        Object firstHeld = held.get(0).get("_id");
        boolean deletedLater =
                lines.stream()
                        .map(Document::parse)
                        .anyMatch(
                                e ->
                                        e.get("op").equals("delete")
                                                && e.get("_id").equals(firstHeld));
        assertThat(coll.find(Filters.eq("_id", firstHeld)).first() != null)
                .isEqualTo(!deletedLater);
    }

    @Test
    void loadReviewsListsEveryRejectedLineAndExitsOne(@TempDir Path dir) throws Exception {
        Path tsv = badLines(dir);
        Run r =
                command(
                        "load-reviews",
                        "--tsv",
                        tsv.toString(),
                        "--mongo-uri",
                        TestMongo.uri(),
                        "--database",
                        TestMongo.newDatabaseName("cmd_bad"));
        assertThat(r.exit()).isEqualTo(1);
        List<String> rejectedLines =
                r.stderr().lines().filter(l -> l.startsWith("rejected line ")).toList();
        assertThat(rejectedLines)
                .hasSize(13)
                .contains(
                        "rejected line 3: expected 15 tab-separated columns, found 14",
                        "rejected line 7: star_rating must be 1 to 5, got 7",
                        "rejected line 8: review_date is not a yyyy-MM-dd date: '2015-13-45'",
                        "rejected line 10: vine must be Y or N, got 'maybe'",
                        "rejected line 12: review_id is empty",
                        "rejected line 13: duplicate review_id R2RXXBI12B5FA3 (first on line 2)",
                        "rejected line 15: expected 15 tab-separated columns, found an empty line");
        for (int n = 3; n <= 15; n++) {
            String prefix = "rejected line " + n + ": ";
            assertThat(rejectedLines).anyMatch(l -> l.startsWith(prefix));
        }
        Path rejects = Path.of(tsv + ".rejects.tsv");
        assertThat(r.stdout())
                .containsPattern("inserted +3\n")
                .containsPattern("rejected +13  -> " + rejects + "\n");
        assertThat(Files.readAllLines(rejects)).hasSize(14);

        // --rejects puts the file elsewhere.
        Path elsewhere = dir.resolve("out/rejects.tsv");
        Run again =
                command(
                        "load-reviews",
                        "--tsv",
                        tsv.toString(),
                        "--mongo-uri",
                        TestMongo.uri(),
                        "--database",
                        TestMongo.newDatabaseName("cmd_bad"),
                        "--rejects",
                        elsewhere.toString());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(Files.readAllLines(elsewhere)).hasSize(14);
    }

    @Test
    void badOptionsAreClearErrorsNamingTheOption(@TempDir Path dir) throws Exception {
        String uri = TestMongo.uri();
        Path tsv = badLines(dir);
        assertThatThrownBy(
                        () ->
                                command(
                                        "simulate",
                                        "--mongo-uri",
                                        uri,
                                        "--rate",
                                        "10",
                                        "--duration",
                                        "1s",
                                        "--mix",
                                        "insert:50,upsert:50"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--mix: unknown operation 'upsert'");
        assertThatThrownBy(
                        () ->
                                command(
                                        "simulate",
                                        "--mongo-uri",
                                        uri,
                                        "--rate",
                                        "10",
                                        "--duration",
                                        "1s",
                                        "--mix",
                                        "insert:-10,update:110"))
                .hasMessageStartingWith("--mix: the share of insert is negative");
        assertThatThrownBy(() -> command("simulate", "--mongo-uri", uri, "--rate", "10"))
                .hasMessageStartingWith("--duration is required");
        assertThatThrownBy(
                        () ->
                                command(
                                        "simulate",
                                        "--mongo-uri",
                                        uri,
                                        "--rate",
                                        "10",
                                        "--duration",
                                        "soon"))
                .hasMessageStartingWith(
                        "Invalid value for option '--duration': 'soon' is not a"
                                + " duration: give a number with a unit: 250ms, 30s, 5m or 1h");
        assertThatThrownBy(() -> command("simulate", "--mongo-uri", uri, "--duration", "1s"))
                .hasMessage("Missing required option: '--rate=R'");
        assertThatThrownBy(
                        () ->
                                command(
                                        "load-reviews",
                                        "--tsv",
                                        dir.resolve("nope.tsv").toString(),
                                        "--mongo-uri",
                                        uri))
                .hasMessageContaining("--tsv: file")
                .hasMessageContaining("nope.tsv does not exist");
        assertThatThrownBy(
                        () ->
                                command(
                                        "load-reviews",
                                        "--tsv",
                                        tsv.toString(),
                                        "--mongo-uri",
                                        uri,
                                        "--hold-back",
                                        "150%"))
                .hasMessageStartingWith("--hold-back must be between 0% and 100%");
        assertThatThrownBy(
                        () ->
                                command(
                                        "load-reviews",
                                        "--tsv",
                                        tsv.toString(),
                                        "--mongo-uri",
                                        uri,
                                        "--hold-back-file",
                                        "h.jsonl"))
                .hasMessageStartingWith("--hold-back-file needs --hold-back");
        assertThatThrownBy(() -> command("generate-reviews", "--rows", "10"))
                .hasMessage("Missing required option: '--out=FILE.tsv[.gz]'");
        assertThatThrownBy(
                        () ->
                                command(
                                        "generate-reviews",
                                        "--rows",
                                        "10",
                                        "--out",
                                        "x.tsv",
                                        "--sed",
                                        "1"))
                .hasMessageStartingWith("Unknown options: '--sed', '1'");
        Path notReviews = dir.resolve("other.tsv");
        Files.writeString(notReviews, "a\tb\n1\t2\n");
        assertThatThrownBy(
                        () ->
                                command(
                                        "load-reviews",
                                        "--tsv",
                                        notReviews.toString(),
                                        "--mongo-uri",
                                        uri))
                .hasMessageContaining("does not start with the Amazon reviews header")
                .hasMessageEndingWith("nothing was loaded");
        assertThat(LoadReviewsCommand.basisPoints("12.5%")).isEqualTo(1250);
        assertThat(LoadReviewsCommand.basisPoints("10")).isEqualTo(1000);
    }

    @Test
    void theEntryPointListsTheCommandsAndReturnsTheirExitCodes(@TempDir Path dir) throws Exception {
        Run help = main("help");
        assertThat(help.exit()).isZero();
        assertThat(help.stdout()).contains("generate-reviews", "load-reviews", "simulate");

        Run badMix =
                main(
                        "simulate",
                        "--mongo-uri",
                        TestMongo.uri(),
                        "--rate",
                        "10",
                        "--duration",
                        "1s",
                        "--mix",
                        "insert:40,update:40");
        assertThat(badMix.exit()).isEqualTo(2);
        List<String> errorLines = badMix.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertThat(errorLines)
                .as(badMix.stderr())
                .containsExactly(
                        "dbtransfer: --mix: the shares add up to 80, not 100 (insert:40,update:40,replace:0,delete:0)");

        Run rejected =
                main(
                        "load-reviews",
                        "--tsv",
                        badLines(dir).toString(),
                        "--mongo-uri",
                        TestMongo.uri(),
                        "--database",
                        TestMongo.newDatabaseName("cmd_main"));
        assertThat(rejected.exit()).as(rejected.stderr()).isEqualTo(1);
        assertThat(rejected.stderr())
                .contains("rejected line 14: helpful_votes (9) exceeds total_votes (3)");
    }
}
