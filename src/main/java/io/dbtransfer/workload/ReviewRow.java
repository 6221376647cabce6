package io.dbtransfer.workload;

import org.bson.Document;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;

/**
 * One row of the Amazon Customer Reviews TSV, typed; {@link #toDocument()} gives the nested MongoDB
 * document every workload tool uses.
 */
public record ReviewRow(
        String marketplace,
        long customerId,
        String reviewId,
        String productId,
        long productParent,
        String productTitle,
        String productCategory,
        int starRating,
        int helpfulVotes,
        int totalVotes,
        boolean vine,
        boolean verifiedPurchase,
        String reviewHeadline,
        String reviewBody,
        LocalDate reviewDate) {

    /**
     * The review as a MongoDB document: {@code _id} = review id, {@code customer}, {@code product}
     * and {@code rating} nested, {@code date} a BSON date at UTC midnight, and the arrays a live
     * application grows ({@code comments}, {@code images}) empty.
     */
    public Document toDocument() {
        return new Document("_id", reviewId)
                .append("marketplace", marketplace)
                .append("customer", new Document("id", customerId))
                .append(
                        "product",
                        new Document("id", productId)
                                .append("parent", productParent)
                                .append("title", productTitle)
                                .append("category", productCategory))
                .append(
                        "rating",
                        new Document("stars", starRating)
                                .append("helpfulVotes", helpfulVotes)
                                .append("totalVotes", totalVotes))
                .append("vine", vine)
                .append("verifiedPurchase", verifiedPurchase)
                .append("headline", reviewHeadline)
                .append("body", reviewBody)
                .append("date", Date.from(reviewDate.atStartOfDay(ZoneOffset.UTC).toInstant()))
                .append("comments", new ArrayList<>())
                .append("images", new ArrayList<>());
    }
}
