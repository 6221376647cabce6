package io.dbtransfer.workload;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The generator is deterministic and its rows look like the Amazon reviews data set. */
class ReviewTsvGeneratorTest {

    private static final int ROWS = 10_000;
    private static List<ReviewRow> rows;

    @BeforeAll
    static void generate() {
        ReviewTsvGenerator g = new ReviewTsvGenerator(99, ROWS);
        rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(g.next());
        }
    }

    @Test
    void sameSeedGivesIdenticalBytesAndAnotherSeedDifferentOnes(@TempDir Path dir)
            throws Exception {
        for (String name : List.of("a.tsv", "a.tsv.gz")) {
            Path first = dir.resolve("1-" + name);
            Path second = dir.resolve("2-" + name);
            Path other = dir.resolve("3-" + name);
            ReviewTsvGenerator.writeTsv(first, 1000, 5, null);
            ReviewTsvGenerator.writeTsv(second, 1000, 5, null);
            ReviewTsvGenerator.writeTsv(other, 1000, 6, null);
            assertThat(Files.readAllBytes(second)).as(name).isEqualTo(Files.readAllBytes(first));
            assertThat(Files.readAllBytes(other)).as(name).isNotEqualTo(Files.readAllBytes(first));
        }
        // The compressed file holds the same text as the plain one.
        try (InputStream in =
                new GZIPInputStream(Files.newInputStream(dir.resolve("1-a.tsv.gz")))) {
            assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(dir.resolve("1-a.tsv")));
        }
    }

    @Test
    void committedSampleIsTheGeneratorsOutputForItsSeed(@TempDir Path dir) throws Exception {
        // src/test/resources/reviews/sample.tsv was written by
        //   bin/dbtransfer generate-reviews --rows 200 --seed 20240601 --out …/sample.tsv
        // If the generator changes on purpose, regenerate it with that command.
        Path fresh = dir.resolve("sample.tsv");
        ReviewTsvGenerator.writeTsv(fresh, 200, 20240601, null);
        try (InputStream committed = getClass().getResourceAsStream("/reviews/sample.tsv")) {
            assertThat(committed).isNotNull();
            assertThat(Files.readAllBytes(fresh)).isEqualTo(committed.readAllBytes());
        }
    }

    @Test
    void starRatingsAreJShapedWithFiveStarsMostCommon() {
        int[] stars = new int[6];
        rows.forEach(r -> stars[r.starRating()]++);
        assertThat(stars[0]).isZero();
        int five = stars[5];
        assertThat(five).isGreaterThan(ROWS * 45 / 100);
        for (int s = 1; s <= 4; s++) {
            assertThat(stars[s]).as("%d stars", s).isPositive().isLessThan(five);
        }
        assertThat(stars[4]).as("4 stars next").isGreaterThan(stars[3]);
        assertThat(stars[1]).as("J shape: one star above two").isGreaterThan(stars[2]);
    }

    @Test
    void votesArePowerLawAndTotalNeverBelowHelpful() {
        int zero = 0;
        int max = 0;
        for (ReviewRow r : rows) {
            assertThat(r.helpfulVotes()).isNotNegative();
            assertThat(r.totalVotes()).isGreaterThanOrEqualTo(r.helpfulVotes());
            zero += r.helpfulVotes() == 0 ? 1 : 0;
            max = Math.max(max, r.helpfulVotes());
        }
        assertThat(zero).as("most reviews have no helpful vote").isGreaterThan(ROWS * 4 / 10);
        assertThat(max).as("a long tail").isGreaterThan(200);
        long atLeast10 = rows.stream().filter(r -> r.helpfulVotes() >= 10).count();
        long atLeast100 = rows.stream().filter(r -> r.helpfulVotes() >= 100).count();
        assertThat(atLeast100).isPositive().isLessThan(atLeast10 / 3);
    }

    @Test
    void bodyLengthsAreLongTailed() {
        int[] lengths = rows.stream().mapToInt(r -> r.reviewBody().length()).sorted().toArray();
        int median = lengths[lengths.length / 2];
        double mean = Arrays.stream(lengths).average().orElseThrow();
        int p99 = lengths[lengths.length * 99 / 100];
        assertThat(mean).isGreaterThan(median);
        assertThat(p99).isGreaterThan(5 * median);
        assertThat(lengths[0]).isPositive();
        assertThat(lengths[lengths.length - 1])
                .isLessThanOrEqualTo(ReviewTsvGenerator.MAX_BODY_CHARS);
    }

    @Test
    void datesSpan1995To2015AndRecentYearsDominate() {
        Map<Integer, Integer> perYear = new HashMap<>();
        for (ReviewRow r : rows) {
            assertThat(r.reviewDate())
                    .isAfterOrEqualTo(LocalDate.of(1995, 1, 1))
                    .isBeforeOrEqualTo(LocalDate.of(2015, 12, 31));
            perYear.merge(r.reviewDate().getYear(), 1, Integer::sum);
        }
        assertThat(perYear.keySet()).contains(1995, 2000, 2005, 2010, 2015);
        assertThat(perYear.get(2014)).isGreaterThan(5 * perYear.get(2004));
    }

    @Test
    void textHasUnicodeIncludingFourByteCharactersButNoTabsOrLineBreaks() {
        int supplementary = 0;
        int nonAscii = 0;
        Set<String> marketplaces = new HashSet<>();
        Set<String> categories = new HashSet<>();
        for (ReviewRow r : rows) {
            for (String s :
                    List.of(
                            r.marketplace(),
                            r.reviewId(),
                            r.productId(),
                            r.productTitle(),
                            r.productCategory(),
                            r.reviewHeadline(),
                            r.reviewBody())) {
                assertThat(s).doesNotContain("\t", "\n", "\r");
                assertThat(s.codePoints().filter(c -> c >= 0xD800 && c <= 0xDFFF))
                        .as("lone surrogates")
                        .isEmpty();
            }
            String text = r.reviewHeadline() + r.reviewBody() + r.productTitle();
            supplementary +=
                    text.codePoints().anyMatch(Character::isSupplementaryCodePoint) ? 1 : 0;
            nonAscii += text.chars().anyMatch(c -> c > 127) ? 1 : 0;
            marketplaces.add(r.marketplace());
            categories.add(r.productCategory());
        }
        assertThat(supplementary)
                .as("rows with emoji or other 4-byte characters")
                .isGreaterThan(ROWS / 20);
        assertThat(nonAscii).isGreaterThan(ROWS / 5);
        assertThat(marketplaces).containsExactlyInAnyOrder("US", "UK", "DE", "FR", "JP");
        assertThat(categories).hasSizeGreaterThan(20).contains("Books", "Wireless");
        assertThat(rows.stream().filter(r -> r.marketplace().equals("JP")))
                .anyMatch(
                        r -> r.reviewBody().codePoints().anyMatch(c -> c >= 0x3040 && c <= 0x30FF));
    }

    @Test
    void reviewIdsAreUniqueAndProductsStableAcrossTheirReviews() {
        assertThat(rows.stream().map(ReviewRow::reviewId).distinct().count()).isEqualTo(ROWS);
        assertThat(rows).allMatch(r -> r.reviewId().matches("R[0-9A-Z]{13}"));
        Map<String, ReviewRow> byProduct = new HashMap<>();
        int repeated = 0;
        for (ReviewRow r : rows) {
            ReviewRow first = byProduct.putIfAbsent(r.productId(), r);
            if (first != null) {
                repeated++;
                assertThat(r.productTitle()).isEqualTo(first.productTitle());
                assertThat(r.productCategory()).isEqualTo(first.productCategory());
                assertThat(r.productParent()).isEqualTo(first.productParent());
            }
        }
        assertThat(repeated).as("products with several reviews").isGreaterThan(ROWS / 4);
        assertThat(rows.stream().map(ReviewRow::customerId).distinct().count())
                .as("repeat customers")
                .isLessThan(ROWS);
    }

    @Test
    void everyRowSurvivesTheTsvRoundTrip() {
        for (ReviewRow r : rows) {
            String line = ReviewTsvFormat.format(r);
            assertThat(line.split("\t", -1)).hasSize(ReviewTsvFormat.COLUMNS.size());
            ReviewTsvFormat.ParsedLine parsed = ReviewTsvFormat.parse(line);
            assertThat(parsed.reason()).isNull();
            assertThat(parsed.row()).isEqualTo(r);
        }
        assertThat(Objects.requireNonNull(ReviewTsvFormat.HEADER).getBytes(StandardCharsets.UTF_8))
                .doesNotContain((byte) '\n');
    }
}
