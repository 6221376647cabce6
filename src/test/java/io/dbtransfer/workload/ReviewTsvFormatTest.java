package io.dbtransfer.workload;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.Date;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing one TSV line: a typed row, or one clear reason naming the column. */
class ReviewTsvFormatTest {

    private static final String[] GOOD = {
        "US",
        "53096384",
        "R63J84G1LOX6R",
        "1563890119",
        "763187671",
        "The Sandman Vol. 1: Preludes and Nocturnes",
        "Books",
        "4",
        "0",
        "1",
        "N",
        "Y",
        "ignore the review below",
        "this is the first chapter<br />really &#34;good&#34; 😀",
        "1995-08-10"
    };

    private static String line(int column, String value) {
        String[] f = GOOD.clone();
        f[column] = value;
        return String.join("\t", f);
    }

    private static String reason(String line) {
        ReviewTsvFormat.ParsedLine p = ReviewTsvFormat.parse(line);
        assertThat(p.row()).as("rejected: " + line).isNull();
        return p.reason();
    }

    @Test
    void aGoodLineBecomesATypedRowWithTextVerbatim() {
        ReviewTsvFormat.ParsedLine p = ReviewTsvFormat.parse(String.join("\t", GOOD));
        assertThat(p.ok()).isTrue();
        ReviewRow r = p.row();
        assertThat(r.customerId()).isEqualTo(53096384L);
        assertThat(r.productParent()).isEqualTo(763187671L);
        assertThat(r.starRating()).isEqualTo(4);
        assertThat(r.totalVotes()).isEqualTo(1);
        assertThat(r.vine()).isFalse();
        assertThat(r.verifiedPurchase()).isTrue();
        assertThat(r.reviewBody()).isEqualTo(GOOD[13]);
        assertThat(r.reviewDate()).isEqualTo(LocalDate.of(1995, 8, 10));
        // CRLF line ends are tolerated.
        assertThat(ReviewTsvFormat.parse(String.join("\t", GOOD) + "\r").row()).isEqualTo(r);
        assertThat(ReviewTsvFormat.format(r)).isEqualTo(String.join("\t", GOOD));
    }

    @Test
    void theDocumentShapeIsNested() {
        Document d = ReviewTsvFormat.parse(String.join("\t", GOOD)).row().toDocument();
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
        assertThat(d.get("_id")).isEqualTo("R63J84G1LOX6R");
        assertThat(d.get("customer", Document.class).get("id")).isEqualTo(53096384L);
        assertThat(d.get("product", Document.class))
                .isEqualTo(
                        new Document("id", "1563890119")
                                .append("parent", 763187671L)
                                .append("title", GOOD[5])
                                .append("category", "Books"));
        assertThat(d.get("rating", Document.class))
                .isEqualTo(
                        new Document("stars", 4).append("helpfulVotes", 0).append("totalVotes", 1));
        assertThat(d.get("date"))
                .isEqualTo(Date.from(java.time.Instant.parse("1995-08-10T00:00:00Z")));
        assertThat(d.getList("comments", Object.class)).isEmpty();
        assertThat(d.getList("images", Object.class)).isEmpty();
    }

    @Test
    void eachKindOfBadLineGetsAReasonNamingTheColumn() {
        String good = String.join("\t", GOOD);
        assertThat(reason(good.substring(0, good.lastIndexOf('\t'))))
                .isEqualTo("expected 15 tab-separated columns, found 14");
        assertThat(reason(good + "\textra"))
                .isEqualTo("expected 15 tab-separated columns, found 16");
        assertThat(reason("")).isEqualTo("expected 15 tab-separated columns, found an empty line");
        assertThat(reason(line(1, "12x"))).isEqualTo("customer_id is not a whole number: '12x'");
        assertThat(reason(line(4, ""))).isEqualTo("product_parent is not a whole number: ''");
        assertThat(reason(line(7, "five"))).isEqualTo("star_rating is not a whole number: 'five'");
        assertThat(reason(line(7, "6"))).isEqualTo("star_rating must be 1 to 5, got 6");
        assertThat(reason(line(8, "99999999999")))
                .isEqualTo("helpful_votes is out of range: 99999999999");
        assertThat(reason(line(9, "-1"))).isEqualTo("total_votes is negative");
        assertThat(reason(line(8, "5"))).isEqualTo("helpful_votes (5) exceeds total_votes (1)");
        assertThat(reason(line(10, "yes"))).isEqualTo("vine must be Y or N, got 'yes'");
        assertThat(reason(line(11, "n"))).isEqualTo("verified_purchase must be Y or N, got 'n'");
        assertThat(reason(line(14, "2015-02-30")))
                .isEqualTo("review_date is not a yyyy-MM-dd date: '2015-02-30'");
        assertThat(reason(line(14, "10/08/1995")))
                .isEqualTo("review_date is not a yyyy-MM-dd date: '10/08/1995'");
        assertThat(reason(line(2, ""))).isEqualTo("review_id is empty");
        assertThat(reason(line(2, "  "))).isEqualTo("review_id is empty");
    }

    @Test
    void theHeaderIsRecognisedAndFormatRefusesTextTheTsvCannotCarry() {
        assertThat(ReviewTsvFormat.isHeader(String.join("\t", ReviewTsvFormat.COLUMNS))).isTrue();
        assertThat(ReviewTsvFormat.isHeader(ReviewTsvFormat.HEADER + "\r")).isTrue();
        assertThat(ReviewTsvFormat.isHeader(String.join("\t", GOOD))).isFalse();
        assertThat(ReviewTsvFormat.COLUMNS)
                .hasSize(15)
                .startsWith("marketplace")
                .endsWith("review_date");
        ReviewRow r = ReviewTsvFormat.parse(String.join("\t", GOOD)).row();
        for (String bad : List.of("a\tb", "a\nb", "a\rb")) {
            ReviewRow withBreak =
                    new ReviewRow(
                            r.marketplace(),
                            r.customerId(),
                            r.reviewId(),
                            r.productId(),
                            r.productParent(),
                            r.productTitle(),
                            r.productCategory(),
                            r.starRating(),
                            r.helpfulVotes(),
                            r.totalVotes(),
                            r.vine(),
                            r.verifiedPurchase(),
                            r.reviewHeadline(),
                            bad,
                            r.reviewDate());
            assertThatThrownBy(() -> ReviewTsvFormat.format(withBreak))
                    .hasMessageContaining("review_body");
        }
    }
}
