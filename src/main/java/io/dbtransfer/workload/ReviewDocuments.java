package io.dbtransfer.workload;

import org.bson.Document;

import java.util.ArrayList;
import java.util.List;

/**
 * Deterministic Amazon-review documents for the demo and the tests: the rows of {@link
 * ReviewTsvGenerator} in the nested shape of {@link ReviewRow#toDocument()}, the same shape {@code
 * load-reviews} writes.
 */
public final class ReviewDocuments {

    /** Sizes the generator's product catalogue and customer pool for demo-sized collections. */
    private static final long TYPICAL_COUNT = 100_000;

    private final ReviewTsvGenerator generator;

    public ReviewDocuments(long seed) {
        this.generator = new ReviewTsvGenerator(seed, TYPICAL_COUNT);
    }

    /** The next review document. */
    public Document next() {
        return generator.next().toDocument();
    }

    /** {@code count} documents. */
    public List<Document> next(int count) {
        List<Document> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(next());
        }
        return out;
    }

    /**
     * The job-file mapping the demo uses for review documents: the TSV's columns from their nested
     * paths; {@code comments} and {@code images} as child tables ({@code reviews_comments}, {@code
     * reviews_images}); fields added by live changes go to {@code _extra}.
     */
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
                + "    review_date: {path: date, type: DATETIME}\n"
                + "  arrays:\n"
                + "    comments:\n"
                + "      columns: {user: VARCHAR(64), text: TEXT, at: DATETIME}\n"
                + "    images: VARCHAR(512)\n";
    }
}
