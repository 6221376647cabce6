package io.dbtransfer.workload;

import io.dbtransfer.testing.TestMongo;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ReviewTsvLoader} against the test MongoDB: documents equal their TSV lines field by field
 * (read back with the driver), every bad line is reported with its number and reason, the hold-back
 * share is exact and deterministic.
 */
class ReviewTsvLoaderITCase {

    static Path resource(String name) throws Exception {
        return Path.of(ReviewTsvLoaderITCase.class.getResource("/reviews/" + name).toURI());
    }

    private static MongoCollection<Document> newCollection(String prefix) {
        return TestMongo.client()
                .getDatabase(TestMongo.newDatabaseName(prefix))
                .getCollection("reviews");
    }

    /** Data lines of a TSV (after the header), split independently of the code under test. */
    private static List<String[]> dataLines(Path tsv) throws Exception {
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        List<String[]> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            out.add(line.split("\t", -1));
        }
        return out;
    }

    /** A listener that keeps the rejects. */
    private static final class Recorder implements ReviewTsvLoader.Listener {
        final List<ReviewTsvLoader.RejectedLine> rejects = new ArrayList<>();
        long progressCalls;

        @Override
        public void rejected(ReviewTsvLoader.RejectedLine r) {
            rejects.add(r);
        }

        @Override
        public void progress(long lines, long inserted, long rejected, long read, long size) {
            progressCalls++;
            assertThat(read).isBetween(0L, size);
        }
    }

    private static ReviewTsvLoader.Summary load(
            Path tsv, MongoCollection<Document> coll, int basisPoints, Path dir, Recorder r)
            throws Exception {
        return new ReviewTsvLoader(
                        new ReviewTsvLoader.Options(
                                tsv,
                                basisPoints,
                                basisPoints == 0 ? null : dir.resolve("held.jsonl"),
                                dir.resolve("rejects.tsv"),
                                64),
                        r)
                .load(coll);
    }

    @Test
    void sampleRowsBecomeDocumentsEqualToTheirTsvLinesFieldByField(@TempDir Path dir)
            throws Exception {
        Path tsv = resource("sample.tsv");
        MongoCollection<Document> coll = newCollection("load_sample");
        Recorder recorder = new Recorder();
        ReviewTsvLoader.Summary s = load(tsv, coll, 0, dir, recorder);

        assertThat(s.dataLines()).isEqualTo(200);
        assertThat(s.inserted()).isEqualTo(200);
        assertThat(s.validRows()).isEqualTo(200);
        assertThat(s.rejected()).isZero();
        assertThat(s.heldBack()).isZero();
        assertThat(recorder.rejects).isEmpty();
        assertThat(recorder.progressCalls).isPositive();
        assertThat(coll.countDocuments()).isEqualTo(200);
        assertThat(Files.readAllLines(dir.resolve("rejects.tsv")))
                .containsExactly(ReviewTsvLoader.REJECTS_HEADER);

        int withFourByteChars = 0;
        for (String[] f : dataLines(tsv)) {
            Document d = coll.find(Filters.eq("_id", f[2])).first();
            assertThat(d).as("document " + f[2]).isNotNull();
            assertThat(d.keySet())
                    .containsExactly(
                            "_id",
                            "marketplace",
                            "customer",
                            "product",
                            "rating",
                            "vine",
                            "verifiedPurchase",
                            "headline",
                            "body",
                            "date",
                            "comments",
                            "images");
            assertThat(d.get("marketplace")).isEqualTo(f[0]);
            assertThat(d.get("customer")).isEqualTo(new Document("id", Long.parseLong(f[1])));
            Document product = d.get("product", Document.class);
            assertThat(product.get("id")).isEqualTo(f[3]);
            assertThat(product.get("parent"))
                    .isInstanceOf(Long.class)
                    .isEqualTo(Long.parseLong(f[4]));
            assertThat(product.get("title")).isEqualTo(f[5]);
            assertThat(product.get("category")).isEqualTo(f[6]);
            assertThat(product).hasSize(4);
            Document rating = d.get("rating", Document.class);
            assertThat(rating.get("stars"))
                    .isInstanceOf(Integer.class)
                    .isEqualTo(Integer.parseInt(f[7]));
            assertThat(rating.get("helpfulVotes")).isEqualTo(Integer.parseInt(f[8]));
            assertThat(rating.get("totalVotes")).isEqualTo(Integer.parseInt(f[9]));
            assertThat(rating).hasSize(3);
            assertThat(d.get("vine")).isEqualTo(f[10].equals("Y"));
            assertThat(d.get("verifiedPurchase")).isEqualTo(f[11].equals("Y"));
            assertThat(d.get("headline")).isEqualTo(f[12]);
            assertThat(d.get("body")).isEqualTo(f[13]);
            assertThat(d.get("date"))
                    .isEqualTo(
                            Date.from(
                                    LocalDate.parse(f[14])
                                            .atStartOfDay(ZoneOffset.UTC)
                                            .toInstant()));
            assertThat(d.getList("comments", Object.class)).isEmpty();
            assertThat(d.getList("images", Object.class)).isEmpty();
            if ((f[12] + f[13]).codePoints().anyMatch(Character::isSupplementaryCodePoint)) {
                withFourByteChars++;
            }
        }
        assertThat(withFourByteChars).as("4-byte characters made the round trip").isPositive();
    }

    @Test
    void holdBackIsAnExactDeterministicShareWrittenAsExtendedJson(@TempDir Path dir)
            throws Exception {
        Path tsv = resource("sample.tsv");
        Set<String> allIds = new HashSet<>();
        Map<String, String[]> lineById = new LinkedHashMap<>();
        for (String[] f : dataLines(tsv)) {
            allIds.add(f[2]);
            lineById.put(f[2], f);
        }
        MongoCollection<Document> coll = newCollection("load_hold");
        ReviewTsvLoader.Summary s = load(tsv, coll, 1000, dir, new Recorder());
        assertThat(s.heldBack()).isEqualTo(20);
        assertThat(s.inserted()).isEqualTo(180);
        assertThat(coll.countDocuments()).isEqualTo(180);

        List<Document> held = ExtendedJsonLines.read(dir.resolve("held.jsonl"));
        assertThat(held).hasSize(20);
        Set<Object> inMongo = new HashSet<>();
        coll.find().forEach(d -> inMongo.add(d.get("_id")));
        Set<Object> union = new HashSet<>(inMongo);
        for (Document d : held) {
            assertThat(inMongo).doesNotContain(d.get("_id"));
            union.add(d.get("_id"));
            // Types survive the Extended JSON round trip.
            String[] f = lineById.get(d.getString("_id"));
            assertThat(d.get("customer", Document.class).get("id")).isEqualTo(Long.parseLong(f[1]));
            assertThat(d.get("rating", Document.class).get("stars"))
                    .isEqualTo(Integer.parseInt(f[7]));
            assertThat(d.get("date")).isInstanceOf(Date.class);
            assertThat(d.getString("body")).isEqualTo(f[13]);
        }
        assertThat(union).isEqualTo(allIds);
        // Every tenth valid row: the 10th, 20th, … data line.
        List<String> ids = new ArrayList<>(lineById.keySet());
        assertThat(held.stream().map(d -> d.get("_id")))
                .containsExactly(
                        java.util.stream.IntStream.range(0, 20)
                                .mapToObj(i -> ids.get(i * 10 + 9))
                                .toArray());

        // Deterministic: the same file gives the same held-back bytes.
        byte[] first = Files.readAllBytes(dir.resolve("held.jsonl"));
        load(tsv, newCollection("load_hold2"), 1000, dir, new Recorder());
        assertThat(Files.readAllBytes(dir.resolve("held.jsonl"))).isEqualTo(first);

        // Other shares: floor(200 × share).
        assertThat(load(tsv, newCollection("load_hold3"), 1250, dir, new Recorder()).heldBack())
                .isEqualTo(25);
        assertThat(load(tsv, newCollection("load_hold4"), 33, dir, new Recorder()).heldBack())
                .isZero();
        assertThat(load(tsv, newCollection("load_hold5"), 50, dir, new Recorder()).heldBack())
                .isEqualTo(1);
        ReviewTsvLoader.Summary all =
                load(tsv, newCollection("load_hold6"), 10_000, dir, new Recorder());
        assertThat(all.heldBack()).isEqualTo(200);
        assertThat(all.inserted()).isZero();
    }

    @Test
    void gzipFilesAreRecognisedByTheirContentAndLoadTheSame(@TempDir Path dir) throws Exception {
        Path compressed = dir.resolve("sample.data");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(compressed))) {
            out.write(Files.readAllBytes(resource("sample.tsv")));
        }
        MongoCollection<Document> plain = newCollection("load_plain");
        MongoCollection<Document> gz = newCollection("load_gz");
        load(resource("sample.tsv"), plain, 0, dir, new Recorder());
        ReviewTsvLoader.Summary s = load(compressed, gz, 0, dir, new Recorder());
        assertThat(s.inserted()).isEqualTo(200);
        assertThat(gz.find().into(new ArrayList<>()))
                .containsExactlyInAnyOrderElementsOf(plain.find().into(new ArrayList<>()));
    }

    @Test
    void everyBadLineIsReportedWithItsNumberAndReasonAndTheGoodOnesLoad(@TempDir Path dir)
            throws Exception {
        Path tsv = resource("bad-lines.tsv");
        MongoCollection<Document> coll = newCollection("load_bad");
        Recorder recorder = new Recorder();
        ReviewTsvLoader.Summary s = load(tsv, coll, 0, dir, recorder);

        Map<Long, String> expected = new TreeMap<>();
        expected.put(3L, "expected 15 tab-separated columns, found 14");
        expected.put(4L, "expected 15 tab-separated columns, found 16");
        expected.put(5L, "customer_id is not a whole number: '12x45'");
        expected.put(6L, "star_rating is not a whole number: 'five'");
        expected.put(7L, "star_rating must be 1 to 5, got 7");
        expected.put(8L, "review_date is not a yyyy-MM-dd date: '2015-13-45'");
        expected.put(9L, "review_date is not a yyyy-MM-dd date: '08/31/2015'");
        expected.put(10L, "vine must be Y or N, got 'maybe'");
        expected.put(11L, "verified_purchase must be Y or N, got 'y'");
        expected.put(12L, "review_id is empty");
        expected.put(13L, "duplicate review_id R2RXXBI12B5FA3 (first on line 2)");
        expected.put(14L, "helpful_votes (9) exceeds total_votes (3)");
        expected.put(15L, "expected 15 tab-separated columns, found an empty line");
        Map<Long, String> reported = new TreeMap<>();
        recorder.rejects.forEach(r -> reported.put(r.lineNumber(), r.reason()));
        assertThat(reported).isEqualTo(expected);
        assertThat(recorder.rejects).hasSize(expected.size());

        assertThat(s.dataLines()).isEqualTo(16);
        assertThat(s.rejected()).isEqualTo(13);
        assertThat(s.inserted()).isEqualTo(3);
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        Set<Object> ids = new HashSet<>();
        coll.find().forEach(d -> ids.add(d.get("_id")));
        assertThat(ids)
                .containsExactlyInAnyOrder(
                        lines.get(1).split("\t")[2],
                        lines.get(15).split("\t")[2],
                        lines.get(16).split("\t")[2]);

        // The rejects file: line, reason, then the rejected line verbatim.
        List<String> rejects =
                Files.readAllLines(dir.resolve("rejects.tsv"), StandardCharsets.UTF_8);
        assertThat(rejects.get(0)).isEqualTo(ReviewTsvLoader.REJECTS_HEADER);
        assertThat(rejects).hasSize(1 + expected.size());
        for (String r : rejects.subList(1, rejects.size())) {
            String[] parts = r.split("\t", 3);
            long n = Long.parseLong(parts[0]);
            assertThat(parts[1]).isEqualTo(expected.get(n));
            assertThat(parts[2]).isEqualTo(lines.get((int) n - 1));
        }
    }

    @Test
    void invalidUtf8AndIdsAlreadyInTheCollectionAreRejectedNotSkipped(@TempDir Path dir)
            throws Exception {
        List<String> sample = Files.readAllLines(resource("sample.tsv"), StandardCharsets.UTF_8);
        Path tsv = dir.resolve("mixed.tsv");
        try (OutputStream out = Files.newOutputStream(tsv)) {
            out.write(
                    (sample.get(0) + "\n" + sample.get(1) + "\n").getBytes(StandardCharsets.UTF_8));
            byte[] broken = (sample.get(2) + "\n").getBytes(StandardCharsets.UTF_8);
            broken[20] = (byte) 0xFF;
            out.write(broken);
            out.write((sample.get(3) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        MongoCollection<Document> coll = newCollection("load_again");
        Recorder first = new Recorder();
        ReviewTsvLoader.Summary s1 = load(tsv, coll, 0, dir, first);
        assertThat(s1.inserted()).isEqualTo(2);
        assertThat(first.rejects)
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.lineNumber()).isEqualTo(3);
                            assertThat(r.reason())
                                    .isEqualTo(
                                            "not valid UTF-8 (byte 0xFF at byte 21 of the line)");
                        });

        Recorder second = new Recorder();
        ReviewTsvLoader.Summary s2 = load(tsv, coll, 0, dir, second);
        assertThat(s2.inserted()).isZero();
        assertThat(s2.rejected()).isEqualTo(3);
        Map<Long, String> reasons = new TreeMap<>();
        second.rejects.forEach(r -> reasons.put(r.lineNumber(), r.reason()));
        assertThat(reasons)
                .containsEntry(
                        2L,
                        "review_id "
                                + sample.get(1).split("\t")[2]
                                + " already exists in the collection")
                .containsEntry(
                        4L,
                        "review_id "
                                + sample.get(3).split("\t")[2]
                                + " already exists in the collection")
                .containsKey(3L);
        assertThat(coll.countDocuments()).isEqualTo(2);
    }

    @Test
    void aFileWithoutTheHeaderLoadsNothing(@TempDir Path dir) throws Exception {
        List<String> sample = Files.readAllLines(resource("sample.tsv"), StandardCharsets.UTF_8);
        Path tsv = dir.resolve("no-header.tsv");
        Files.writeString(tsv, String.join("\n", sample.subList(1, 5)) + "\n");
        MongoCollection<Document> coll = newCollection("load_noheader");
        assertThatThrownBy(() -> load(tsv, coll, 1000, dir, new Recorder()))
                .isInstanceOf(ReviewTsvLoader.NotAReviewsFileException.class)
                .hasMessageContaining("does not start with the Amazon reviews header")
                .hasMessageContaining("marketplace<TAB>customer_id");
        assertThat(coll.countDocuments()).isZero();
        assertThat(dir.resolve("rejects.tsv")).doesNotExist();
        assertThat(dir.resolve("held.jsonl")).doesNotExist();
    }
}
