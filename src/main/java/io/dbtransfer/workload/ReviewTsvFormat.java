package io.dbtransfer.workload;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.List;

/**
 * The Amazon Customer Reviews TSV format: its header, writing a {@link ReviewRow} as one line, and
 * parsing one line into a row or a reason why it is not one.
 *
 * <p>Fields are separated by one tab and are not quoted; a value can therefore hold neither a tab
 * nor a line break. The published data set writes line breaks inside reviews as the HTML {@code <br
 * />} and quotes as {@code &#34;}; this format keeps such text verbatim in both directions (the
 * loader does not unescape HTML), and {@link #format} refuses values with a tab or line break
 * rather than altering them.
 */
public final class ReviewTsvFormat {

    /** The column names, in file order. */
    public static final List<String> COLUMNS =
            List.of(
                    "marketplace",
                    "customer_id",
                    "review_id",
                    "product_id",
                    "product_parent",
                    "product_title",
                    "product_category",
                    "star_rating",
                    "helpful_votes",
                    "total_votes",
                    "vine",
                    "verified_purchase",
                    "review_headline",
                    "review_body",
                    "review_date");

    /** The header line (without line terminator). */
    public static final String HEADER = String.join("\t", COLUMNS);

    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("uuuu-MM-dd").withResolverStyle(ResolverStyle.STRICT);

    private ReviewTsvFormat() {}

    /** The outcome of parsing one line: exactly one of {@code row} and {@code reason} is set. */
    public record ParsedLine(ReviewRow row, String reason) {
        public boolean ok() {
            return row != null;
        }
    }

    /** A line that is not a valid row: an exception carrying the reason. */
    private static final class BadField extends Exception {
        BadField(String reason) {
            super(reason, null, false, false);
        }
    }

    /** {@code row} as one TSV line, without line terminator. */
    public static String format(ReviewRow row) {
        StringBuilder sb = new StringBuilder(256 + row.reviewBody().length());
        text(sb, "marketplace", row.marketplace()).append('\t');
        sb.append(row.customerId()).append('\t');
        text(sb, "review_id", row.reviewId()).append('\t');
        text(sb, "product_id", row.productId()).append('\t');
        sb.append(row.productParent()).append('\t');
        text(sb, "product_title", row.productTitle()).append('\t');
        text(sb, "product_category", row.productCategory()).append('\t');
        sb.append(row.starRating()).append('\t');
        sb.append(row.helpfulVotes()).append('\t');
        sb.append(row.totalVotes()).append('\t');
        sb.append(row.vine() ? 'Y' : 'N').append('\t');
        sb.append(row.verifiedPurchase() ? 'Y' : 'N').append('\t');
        text(sb, "review_headline", row.reviewHeadline()).append('\t');
        text(sb, "review_body", row.reviewBody()).append('\t');
        sb.append(DATE.format(row.reviewDate()));
        return sb.toString();
    }

    private static StringBuilder text(StringBuilder sb, String column, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\t' || c == '\n' || c == '\r') {
                throw new IllegalArgumentException(
                        column + " holds a tab or line break, which the TSV cannot carry");
            }
        }
        return sb.append(value);
    }

    /** True if {@code line} is the expected header (a trailing carriage return is ignored). */
    public static boolean isHeader(String line) {
        return stripCarriageReturn(line).equals(HEADER);
    }

    /**
     * Parses one data line (a trailing carriage return, as in files with CRLF line ends, is
     * ignored). Text values are kept verbatim; numbers, Y/N flags and the date are checked.
     */
    public static ParsedLine parse(String line) {
        String[] f = stripCarriageReturn(line).split("\t", -1);
        if (f.length != COLUMNS.size()) {
            return new ParsedLine(
                    null,
                    "expected "
                            + COLUMNS.size()
                            + " tab-separated columns, found "
                            + (line.isEmpty() ? "an empty line" : String.valueOf(f.length)));
        }
        try {
            String reviewId = f[2];
            if (reviewId.isBlank()) {
                throw new BadField("review_id is empty");
            }
            int stars = integer(f[7], "star_rating");
            if (stars < 1 || stars > 5) {
                throw new BadField("star_rating must be 1 to 5, got " + stars);
            }
            int helpful = integer(f[8], "helpful_votes");
            int total = integer(f[9], "total_votes");
            if (helpful < 0 || total < 0) {
                throw new BadField(
                        (helpful < 0 ? "helpful_votes" : "total_votes") + " is negative");
            }
            if (helpful > total) {
                throw new BadField(
                        "helpful_votes (" + helpful + ") exceeds total_votes (" + total + ")");
            }
            return new ParsedLine(
                    new ReviewRow(
                            f[0],
                            whole(f[1], "customer_id"),
                            reviewId,
                            f[3],
                            whole(f[4], "product_parent"),
                            f[5],
                            f[6],
                            stars,
                            helpful,
                            total,
                            yesNo(f[10], "vine"),
                            yesNo(f[11], "verified_purchase"),
                            f[12],
                            f[13],
                            date(f[14])),
                    null);
        } catch (BadField e) {
            return new ParsedLine(null, e.getMessage());
        }
    }

    private static long whole(String s, String column) throws BadField {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new BadField(column + " is not a whole number: '" + excerpt(s) + "'");
        }
    }

    private static int integer(String s, String column) throws BadField {
        long v = whole(s, column);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new BadField(column + " is out of range: " + s);
        }
        return (int) v;
    }

    private static boolean yesNo(String s, String column) throws BadField {
        if (s.equals("Y")) {
            return true;
        }
        if (s.equals("N")) {
            return false;
        }
        throw new BadField(column + " must be Y or N, got '" + excerpt(s) + "'");
    }

    private static LocalDate date(String s) throws BadField {
        try {
            return LocalDate.parse(s, DATE);
        } catch (DateTimeParseException e) {
            throw new BadField("review_date is not a yyyy-MM-dd date: '" + excerpt(s) + "'");
        }
    }

    private static String excerpt(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    private static String stripCarriageReturn(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
}
