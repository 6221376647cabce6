package io.dbtransfer.workload;

import org.bson.Document;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;

/**
 * Deterministic Amazon-review-shaped documents: nested customer, product and rating, unicode text,
 * star ratings skewed to 5, long-tailed body lengths and power-law helpful votes.
 */
public final class ReviewDocuments {

    private static final String[] CATEGORIES = {
        "Books", "Electronics", "Home", "Toys", "Music", "Grocery", "Beauty", "Sports", "Apparel"
    };
    private static final String[] WORDS = {
        "great",
        "terrible",
        "works",
        "broke",
        "love",
        "value",
        "quality",
        "fast",
        "slow",
        "recommend",
        "gift",
        "size",
        "color",
        "battery",
        "sound",
        "Qualität",
        "très",
        "bien",
        "かわいい",
        "good",
        "😀",
        "price",
        "shipping",
        "perfect",
        "returned",
        "again",
        "five",
        "stars"
    };
    private static final long START = 1_104_537_600_000L; // 2005-01-01
    private static final long SPAN = 20L * 365 * 24 * 3600 * 1000;

    private final Random random;
    private long sequence;

    public ReviewDocuments(long seed) {
        this.random = new Random(seed);
    }

    /** The next review document. */
    public Document next() {
        long n = sequence++;
        String id = String.format("R%013d", n);
        int stars = stars();
        int helpful = (int) Math.floor(Math.pow(random.nextDouble(), -0.8)) - 1;
        int total = helpful + random.nextInt(3);
        return new Document("_id", id)
                .append("marketplace", random.nextInt(10) == 0 ? "UK" : "US")
                .append("customer", new Document("id", 10_000_000L + random.nextInt(5_000_000)))
                .append(
                        "product",
                        new Document("id", "B" + String.format("%09d", random.nextInt(200_000)))
                                .append("parent", (long) random.nextInt(900_000_000))
                                .append("title", text(2 + random.nextInt(8)))
                                .append("category", CATEGORIES[random.nextInt(CATEGORIES.length)]))
                .append(
                        "rating",
                        new Document("stars", stars)
                                .append("helpfulVotes", helpful)
                                .append("totalVotes", total))
                .append("vine", random.nextInt(50) == 0)
                .append("verifiedPurchase", random.nextInt(5) != 0)
                .append("headline", text(1 + random.nextInt(6)))
                .append("body", text(bodyWords()))
                .append("date", new Date(START + (long) (random.nextDouble() * SPAN)));
    }

    /** {@code count} documents. */
    public List<Document> next(int count) {
        List<Document> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(next());
        }
        return out;
    }

    private int stars() {
        double r = random.nextDouble();
        return r < 0.58 ? 5 : r < 0.78 ? 4 : r < 0.87 ? 3 : r < 0.93 ? 2 : 1;
    }

    private int bodyWords() {
        // Long-tailed: most reviews are short, a few are long.
        return 3 + (int) Math.min(600, Math.floor(-Math.log(1 - random.nextDouble()) * 40));
    }

    String text(int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(WORDS[random.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    /** The job-file mapping the demo uses for review documents. */
    public static String mappingYaml(String collection) {
        return collection
                + ":\n"
                + "  table: "
                + collection
                + "\n"
                + "  key-type: VARCHAR(32)\n"
                + "  columns:\n"
                + "    marketplace: VARCHAR(2)\n"
                + "    customer_id: {path: customer.id, type: BIGINT}\n"
                + "    product_id: {path: product.id, type: VARCHAR(16)}\n"
                + "    product_title: {path: product.title, type: TEXT}\n"
                + "    product_category: {path: product.category, type: VARCHAR(64)}\n"
                + "    star_rating: {path: rating.stars, type: INT}\n"
                + "    helpful_votes: {path: rating.helpfulVotes, type: INT}\n"
                + "    total_votes: {path: rating.totalVotes, type: INT}\n"
                + "    vine: BOOLEAN\n"
                + "    verified_purchase: {path: verifiedPurchase, type: BOOLEAN}\n"
                + "    review_headline: {path: headline, type: TEXT}\n"
                + "    review_body: {path: body, type: TEXT}\n"
                + "    review_date: {path: date, type: DATETIME}\n";
    }
}
