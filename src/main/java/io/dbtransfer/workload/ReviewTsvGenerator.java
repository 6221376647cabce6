package io.dbtransfer.workload;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Deterministic, statistically plausible Amazon Customer Reviews rows: the same seed gives the same
 * rows (and, through {@link #writeTsv}, the same bytes) on every JVM.
 *
 * <p>Shapes follow the published data set: star ratings J-shaped (about 57% five stars, then one
 * star before two), power-law helpful votes with total votes never below them, log-normal body
 * lengths with a long tail (capped at {@value #MAX_BODY_CHARS} characters), recent years far more
 * frequent than early ones (1995-06 to 2015-08), a catalogue of products whose popularity is
 * Zipf-like and whose id, parent, title and category are stable across their reviews, repeat
 * customers, five marketplaces with text in their language (English, German, French, Japanese),
 * emoji and other characters outside the Basic Multilingual Plane, HTML {@code <br />} line breaks
 * and {@code &#34;} quotes as in the real files, and never a tab or a line break.
 *
 * <p>Only {@link Random} (whose sequence is specified) and {@link StrictMath} (whose results are
 * specified) feed the values, so output does not depend on the JVM or the platform.
 */
public final class ReviewTsvGenerator {

    /** Longest review body generated, in UTF-16 characters (fits a MySQL TEXT column). */
    public static final int MAX_BODY_CHARS = 12_000;

    private static final LocalDate FIRST_DAY = LocalDate.of(1995, 6, 1);
    private static final LocalDate LAST_DAY = LocalDate.of(2015, 8, 31);
    private static final long DAYS = LAST_DAY.toEpochDay() - FIRST_DAY.toEpochDay() + 1;

    private static final String[] MARKETPLACES = {"US", "UK", "DE", "FR", "JP"};
    private static final double[] MARKETPLACE_SHARE = {0.80, 0.08, 0.06, 0.03, 0.03};

    private static final String[] CATEGORIES = {
        "Books",
        "Digital_Ebook_Purchase",
        "Wireless",
        "PC",
        "Home",
        "Apparel",
        "Health & Personal Care",
        "Beauty",
        "Video DVD",
        "Mobile_Apps",
        "Kitchen",
        "Toys",
        "Sports",
        "Music",
        "Shoes",
        "Digital_Video_Download",
        "Outdoors",
        "Home Improvement",
        "Pet Products",
        "Grocery",
        "Electronics",
        "Office Products",
        "Automotive",
        "Video Games",
        "Jewelry",
        "Camera",
        "Baby",
        "Watches",
        "Tools",
        "Musical Instruments",
        "Luggage",
        "Furniture",
        "Software",
        "Gift Card"
    };

    private static final String[][] WORDS = {
        // US, UK
        {
            "the",
            "and",
            "it",
            "this",
            "is",
            "for",
            "to",
            "a",
            "was",
            "of",
            "I",
            "great",
            "product",
            "works",
            "well",
            "good",
            "very",
            "my",
            "with",
            "love",
            "quality",
            "price",
            "use",
            "would",
            "recommend",
            "not",
            "but",
            "just",
            "one",
            "like",
            "easy",
            "time",
            "really",
            "bought",
            "after",
            "bought",
            "fits",
            "perfect",
            "size",
            "color",
            "nice",
            "little",
            "money",
            "worth",
            "battery",
            "sound",
            "screen",
            "case",
            "cable",
            "book",
            "story",
            "read",
            "author",
            "characters",
            "gift",
            "daughter",
            "son",
            "husband",
            "wife",
            "arrived",
            "shipping",
            "fast",
            "box",
            "cheap",
            "broke",
            "months",
            "weeks",
            "days",
            "returned",
            "disappointed",
            "expected",
            "described",
            "exactly",
            "looks",
            "feels",
            "sturdy",
            "flimsy",
            "comfortable",
            "favourite",
            "colour",
            "brilliant",
            "rubbish",
            "café",
            "naïve",
            "résumé",
            "5-star",
            "100%",
            "2x",
            "&#34;amazing&#34;",
            "(really)",
            "—",
            "…",
            "½",
            "°F",
            "€10",
            "£20"
        },
        // DE
        {
            "der",
            "die",
            "das",
            "und",
            "ist",
            "nicht",
            "sehr",
            "gut",
            "Qualität",
            "Preis",
            "für",
            "mit",
            "ich",
            "es",
            "ein",
            "eine",
            "Produkt",
            "schnell",
            "Lieferung",
            "empfehlen",
            "würde",
            "wieder",
            "kaufen",
            "leider",
            "schön",
            "groß",
            "klein",
            "Größe",
            "passt",
            "super",
            "toll",
            "günstig",
            "Verarbeitung",
            "Schuhe",
            "Buch",
            "gelesen",
            "spannend",
            "zufrieden",
            "enttäuscht",
            "zurückgeschickt",
            "Straße",
            "Füße",
            "weiß",
            "heiß"
        },
        // FR
        {
            "le",
            "la",
            "les",
            "et",
            "est",
            "très",
            "bien",
            "pas",
            "produit",
            "qualité",
            "prix",
            "pour",
            "avec",
            "je",
            "un",
            "une",
            "livraison",
            "rapide",
            "recommande",
            "déçu",
            "parfait",
            "conforme",
            "à",
            "été",
            "reçu",
            "taille",
            "couleur",
            "fonctionne",
            "où",
            "ça",
            "plutôt",
            "cœur",
            "élégant",
            "fiabilité",
            "français",
            "épais",
            "légère"
        },
        // JP
        {
            "とても", "良い", "です", "商品", "満足", "しています", "届きました", "早く", "かわいい", "使いやすい", "値段", "品質",
            "サイズ", "ちょうど", "おすすめ", "残念", "壊れました", "本", "面白い", "読みました", "日本語", "購入", "また", "買いたい",
            "思います", "色", "綺麗", "軽い", "丈夫", "電池", "𠮷野家", "箱"
        }
    };

    private static final String[] POSITIVE = {
        "love", "excellent", "perfect", "great", "awesome", "happy", "best", "amazing"
    };
    private static final String[] NEGATIVE = {
        "terrible", "broke", "waste", "junk", "disappointed", "returned", "awful", "worst"
    };
    private static final String[] EMOJI = {
        "😀", "👍", "❤️", "🔥", "⭐", "😡", "🎁", "👎", "💯", "🤔", "😂", "🙏", "📚", "🎧"
    };
    private static final String[] STAR_HEADLINES = {
        "", "One Star", "Two Stars", "Three Stars", "Four Stars", "Five Stars"
    };
    private static final String[] TITLE_WORDS = {
        "Wireless",
        "Bluetooth",
        "Headphones",
        "Charger",
        "Case",
        "Cover",
        "Stainless",
        "Steel",
        "Kitchen",
        "Knife",
        "Set",
        "Organic",
        "Coffee",
        "Tea",
        "Men's",
        "Women's",
        "Running",
        "Shoes",
        "Cotton",
        "T-Shirt",
        "Novel",
        "Edition",
        "Paperback",
        "Kindle",
        "Deluxe",
        "Portable",
        "Mini",
        "Pro",
        "Ultra",
        "LED",
        "Lamp",
        "Camera",
        "Lens",
        "Tripod",
        "Dog",
        "Cat",
        "Toy",
        "Puzzle",
        "Game",
        "Vitamin",
        "Cream",
        "Shampoo",
        "Backpack",
        "Watch",
        "Guitar",
        "Strings",
        "Notebook",
        "Pen",
        "HDMI",
        "USB-C",
        "Cable",
        "Black",
        "Blue",
        "Large",
        "Small",
        "Waterproof",
        "Garden",
        "Hose",
        "Drill",
        "Bits",
        "Jeans"
    };
    private static final String[] TITLE_WORDS_JP = {
        "ワイヤレス", "イヤホン", "充電器", "ケース", "文庫", "コーヒー", "タオル", "限定版", "セット"
    };
    private static final String ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /** Cumulative Zipf-like weights (rank^-0.8) of each vocabulary, for {@link #pick(int[])}. */
    private static final int[][] WORD_RANKS = new int[WORDS.length][];

    static {
        for (int v = 0; v < WORDS.length; v++) {
            int[] cumulative = new int[WORDS[v].length];
            int sum = 0;
            for (int r = 0; r < cumulative.length; r++) {
                sum += (int) StrictMath.round(100_000 * StrictMath.pow(r + 1, -0.8));
                cumulative[r] = sum;
            }
            WORD_RANKS[v] = cumulative;
        }
    }

    private final long seed;
    private final Random random;
    private final int productCount;
    private final int customerCount;
    private long sequence;

    /**
     * @param seed the same seed gives the same rows
     * @param expectedRows roughly how many rows will be drawn: sizes the product catalogue and the
     *     customer pool (reviews per product and per customer then look like the real data's)
     */
    public ReviewTsvGenerator(long seed, long expectedRows) {
        this.seed = seed;
        this.random = new Random(seed);
        this.productCount = (int) Math.max(50, Math.min(50_000_000L, expectedRows / 4));
        this.customerCount = (int) Math.max(100, Math.min(200_000_000L, expectedRows * 2 / 3));
    }

    /** The next row. */
    public ReviewRow next() {
        long n = sequence++;
        int marketplace = pick(MARKETPLACE_SHARE);
        LocalDate date = date();
        int year = date.getYear();
        int stars = stars();
        int helpful = helpfulVotes();
        int unhelpful = powerLaw(stars <= 2 ? 1.4 : 1.9, 20_000);
        long total = Math.min(Integer.MAX_VALUE, (long) helpful + unhelpful);
        boolean vine = year >= 2007 && random.nextDouble() < 0.015;
        boolean verified = random.nextDouble() < (year < 2008 ? 0.3 : year < 2012 ? 0.65 : 0.87);
        Product product = product(zipf(random, productCount, 0.6));
        long customer = customerId(zipf(random, customerCount, 0.5));
        String headline = headline(stars, marketplace);
        String body = body(stars, marketplace);
        return new ReviewRow(
                MARKETPLACES[marketplace],
                customer,
                reviewId(n),
                product.id,
                product.parent,
                product.title,
                product.category,
                stars,
                helpful,
                (int) total,
                vine,
                verified,
                headline,
                body,
                date);
    }

    /**
     * Writes the header and {@code rows} rows to {@code out}, gzip-compressed if its name ends in
     * {@code .gz}. The same seed and row count give identical bytes.
     */
    public static void writeTsv(Path out, long rows, long seed, ProgressListener progress)
            throws IOException {
        ReviewTsvGenerator generator = new ReviewTsvGenerator(seed, rows);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream file = Files.newOutputStream(out);
                OutputStream stream =
                        out.getFileName().toString().endsWith(".gz")
                                ? new GZIPOutputStream(file, 1 << 16)
                                : file;
                BufferedWriter w =
                        new BufferedWriter(
                                new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16)) {
            w.write(ReviewTsvFormat.HEADER);
            w.write('\n');
            for (long i = 0; i < rows; i++) {
                w.write(ReviewTsvFormat.format(generator.next()));
                w.write('\n');
                if ((i + 1) % 10_000 == 0 && progress != null) {
                    progress.rowsDone(i + 1, rows);
                }
            }
        }
        if (progress != null) {
            progress.rowsDone(rows, rows);
        }
    }

    /** Told how far {@link #writeTsv} has come. */
    @FunctionalInterface
    public interface ProgressListener {
        void rowsDone(long done, long total);
    }

    // --- ids ---

    /** {@code R} and 13 base-36 characters; a bijection of the sequence number, so unique. */
    private String reviewId(long n) {
        long x = mix(n ^ seed * 0x9E3779B97F4A7C15L);
        char[] c = new char[14];
        c[0] = 'R';
        for (int i = 13; i >= 1; i--) {
            c[i] = ALNUM.charAt((int) Long.remainderUnsigned(x, 36));
            x = Long.divideUnsigned(x, 36);
        }
        return new String(c);
    }

    /** A 64-bit bijective mixer (the finalizer of SplitMix64). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private long customerId(int index) {
        return 10_000 + Long.remainderUnsigned(mix(seed ^ 0x5DEECE66DL ^ index), 53_090_000L);
    }

    /** A catalogue entry; everything derives from its index, so it is the same in every review. */
    private record Product(String id, long parent, String title, String category) {}

    private Product product(int index) {
        Random r = new Random(mix(mix(seed ^ 0x2545F4914F6CDD1DL) + index));
        int category = zipf(r, CATEGORIES.length, 1.1);
        String name = CATEGORIES[category];
        String id;
        if (name.equals("Books")) {
            StringBuilder isbn = new StringBuilder(10);
            for (int i = 0; i < 9; i++) {
                isbn.append((char) ('0' + r.nextInt(10)));
            }
            int check = r.nextInt(11);
            id = isbn.append(check == 10 ? 'X' : (char) ('0' + check)).toString();
        } else {
            StringBuilder asin = new StringBuilder("B00");
            for (int i = 0; i < 7; i++) {
                asin.append(ALNUM.charAt(r.nextInt(ALNUM.length())));
            }
            id = asin.toString();
        }
        // Variants of one product (sizes, colours) share a parent.
        long parent = 100_000 + Long.remainderUnsigned(mix(seed + index / 3), 999_800_000L);
        String[] words = r.nextInt(30) == 0 ? TITLE_WORDS_JP : TITLE_WORDS;
        int count = 2 + r.nextInt(9);
        StringBuilder title = new StringBuilder();
        String previous = null;
        for (int i = 0; i < count; i++) {
            String word = words[r.nextInt(words.length)];
            if (word.equals(previous)) {
                continue;
            }
            if (previous != null && words != TITLE_WORDS_JP) {
                title.append(' ');
            }
            title.append(word);
            previous = word;
        }
        int extra = r.nextInt(10);
        if (extra == 0) {
            title.append(", Pack of ").append(2 + r.nextInt(11));
        } else if (extra == 1) {
            title.append(" (").append(2000 + r.nextInt(16)).append(" Edition)");
        } else if (extra == 2) {
            title.append(" - &#34;")
                    .append(TITLE_WORDS[r.nextInt(TITLE_WORDS.length)])
                    .append("&#34;");
        }
        return new Product(id, parent, title.toString(), name);
    }

    // --- distributions ---

    private int stars() {
        double r = random.nextDouble();
        return r < 0.57 ? 5 : r < 0.76 ? 4 : r < 0.85 ? 3 : r < 0.90 ? 2 : 1;
    }

    /** About 55% zero, then a power-law tail (exponent 1.3) up to tens of thousands. */
    private int helpfulVotes() {
        return powerLaw(1.3, 50_000);
    }

    /** {@code floor(u^(-1/alpha)) - 1} for uniform u in (0, 1]: Pareto, starting at 0. */
    private int powerLaw(double alpha, int max) {
        double u = 1.0 - random.nextDouble();
        double v = StrictMath.floor(StrictMath.pow(u, -1.0 / alpha)) - 1;
        return (int) Math.min(max, v);
    }

    /**
     * An index in [0, n), small indexes more likely: rank-frequency a power law of {@code skew}.
     */
    private static int zipf(Random r, int n, double skew) {
        // Inverse of a continuous 1/x^skew density over [1, n + 1).
        double u = r.nextDouble();
        double x =
                skew == 1.0
                        ? StrictMath.exp(u * StrictMath.log(n + 1.0))
                        : StrictMath.pow(
                                1 + u * (StrictMath.pow(n + 1.0, 1 - skew) - 1), 1 / (1 - skew));
        return (int) Math.min(n - 1, Math.max(0, StrictMath.floor(x) - 1));
    }

    /** An index drawn in proportion to the weights whose running sums {@code cumulative} holds. */
    private int pick(int[] cumulative) {
        int point = random.nextInt(cumulative[cumulative.length - 1]);
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > point) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private int pick(double[] shares) {
        double u = random.nextDouble();
        for (int i = 0; i < shares.length - 1; i++) {
            u -= shares[i];
            if (u < 0) {
                return i;
            }
        }
        return shares.length - 1;
    }

    /**
     * Most reviews are recent: days before the last day exponential with a mean of two years, plus
     * a thin uniform floor (3%) so that every year back to 1995 has some.
     */
    private LocalDate date() {
        long back;
        if (random.nextDouble() < 0.03) {
            back = (long) (random.nextDouble() * DAYS);
        } else {
            back = (long) StrictMath.floor(-StrictMath.log(1.0 - random.nextDouble()) * 730);
        }
        return LAST_DAY.minusDays(back % DAYS);
    }

    // --- text ---

    private String headline(int stars, int marketplace) {
        if (marketplace <= 1 && random.nextDouble() < 0.18) {
            return STAR_HEADLINES[stars];
        }
        return sentence(stars, marketplace, 1 + random.nextInt(7), false);
    }

    /** Log-normal word count (median about 30 words), so a few reviews are very long. */
    private String body(int stars, int marketplace) {
        double words = StrictMath.exp(3.4 + 1.1 * random.nextGaussian());
        int remaining = (int) Math.max(1, Math.min(3_000, words));
        StringBuilder sb = new StringBuilder();
        while (remaining > 0 && sb.length() < MAX_BODY_CHARS) {
            int n = Math.min(remaining, 4 + random.nextInt(15));
            remaining -= n;
            if (sb.length() > 0) {
                sb.append(random.nextInt(12) == 0 ? "<br /><br />" : " ");
            }
            sb.append(sentence(stars, marketplace, n, true));
        }
        if (sb.length() > MAX_BODY_CHARS) {
            int end = MAX_BODY_CHARS;
            if (Character.isLowSurrogate(sb.charAt(end))) {
                end--; // never split a surrogate pair
            }
            sb.setLength(end);
        }
        return sb.toString();
    }

    private String sentence(int stars, int marketplace, int words, boolean punctuate) {
        String[] vocabulary = WORDS[Math.max(0, marketplace - 1)];
        boolean japanese = marketplace == 4;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            String word;
            double u = random.nextDouble();
            if (u < 0.02) {
                word = EMOJI[random.nextInt(EMOJI.length)];
            } else if (u < 0.09 && !japanese) {
                word =
                        stars >= 4
                                ? POSITIVE[random.nextInt(POSITIVE.length)]
                                : stars <= 2
                                        ? NEGATIVE[random.nextInt(NEGATIVE.length)]
                                        : vocabulary[random.nextInt(vocabulary.length)];
            } else {
                word = vocabulary[pick(WORD_RANKS[Math.max(0, marketplace - 1)])];
            }
            if (i == 0 && !japanese) {
                word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
            }
            if (i > 0 && !japanese) {
                sb.append(' ');
            }
            sb.append(word);
        }
        if (punctuate) {
            int p = random.nextInt(10);
            sb.append(japanese ? (p < 8 ? "。" : "！") : p < 7 ? "." : p < 9 ? "!" : "?");
        }
        return sb.toString();
    }
}
