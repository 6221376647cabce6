package io.dbtransfer.workload;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;
import org.bson.Document;

import java.io.BufferedInputStream;
import java.io.BufferedWriter;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Loads an Amazon Customer Reviews TSV (plain or gzip) into a MongoDB collection as nested review
 * documents ({@link ReviewRow#toDocument()}), in unordered {@code insertMany} batches.
 *
 * <p>Nothing is skipped silently: every line that is not a valid row — wrong column count, bad
 * number, bad date, bad Y/N flag, empty or duplicate review id (in the file, or already in the
 * collection), invalid UTF-8 — goes to the listener and to the rejects file with its line number
 * and the reason, and is counted. A deterministic share of the valid rows can be held back: they
 * are written as canonical Extended JSON lines instead of being inserted, for {@link
 * LiveChangeSimulator} to insert later while a migration runs.
 */
public final class ReviewTsvLoader {

    /** Header of the rejects file; after the two columns comes the rejected line verbatim. */
    public static final String REJECTS_HEADER = "line\treason\toriginal_line";

    /** Duplicate key error code of MongoDB. */
    private static final int DUPLICATE_KEY = 11000;

    /** What to load and where the side outputs go. */
    public record Options(
            Path tsv, int holdBackBasisPoints, Path holdBackFile, Path rejectsFile, int batchSize) {
        public Options {
            if (holdBackBasisPoints < 0 || holdBackBasisPoints > 10_000) {
                throw new IllegalArgumentException("hold-back must be between 0% and 100%");
            }
            if (holdBackBasisPoints > 0 && holdBackFile == null) {
                throw new IllegalArgumentException("a hold-back share needs a hold-back file");
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1");
            }
        }
    }

    /** A line that did not become a document. */
    public record RejectedLine(long lineNumber, String reason, String line) {}

    /** Told about rejects as they happen and about progress every few thousand lines. */
    public interface Listener {
        void rejected(RejectedLine rejected);

        /**
         * @param fileBytesRead bytes of the (possibly compressed) file consumed so far
         * @param fileSize the file's size in bytes
         */
        void progress(
                long linesRead, long inserted, long rejected, long fileBytesRead, long fileSize);
    }

    /** What a load did; {@code dataLines} counts the lines after the header. */
    public record Summary(
            long dataLines,
            long validRows,
            long inserted,
            long heldBack,
            long rejected,
            long durationMillis) {}

    /** The TSV does not start with the expected header; nothing was loaded. */
    public static final class NotAReviewsFileException extends IOException {
        NotAReviewsFileException(String message) {
            super(message);
        }
    }

    private final Options options;
    private final Listener listener;

    public ReviewTsvLoader(Options options, Listener listener) {
        this.options = options;
        this.listener = listener;
    }

    /**
     * Loads the file into {@code collection}.
     *
     * @throws NotAReviewsFileException if the first line is not the reviews header (nothing is
     *     written to the collection then)
     */
    public Summary load(MongoCollection<Document> collection) throws IOException {
        long started = System.currentTimeMillis();
        long fileSize = Files.size(options.tsv());
        Counters c = new Counters();
        try (CountingInputStream counted =
                        new CountingInputStream(Files.newInputStream(options.tsv()));
                Utf8LineReader lines = new Utf8LineReader(decompressed(counted))) {
            String header = lines.next();
            if (header == null || !ReviewTsvFormat.isHeader(header)) {
                throw new NotAReviewsFileException(
                        options.tsv()
                                + (header == null
                                        ? " is empty"
                                        : " does not start with the Amazon reviews header")
                                + "; expected line 1 to be: "
                                + ReviewTsvFormat.HEADER.replace("\t", "<TAB>"));
            }
            try (Writer rejects = writer(options.rejectsFile());
                    Writer held =
                            options.holdBackBasisPoints() > 0
                                    ? writer(options.holdBackFile())
                                    : null) {
                rejects.write(REJECTS_HEADER);
                rejects.write('\n');
                loadRows(collection, lines, rejects, held, c, counted, fileSize);
            }
        }
        return new Summary(
                c.lines,
                c.valid - c.rejectedByMongo,
                c.inserted,
                c.heldBack,
                c.rejected,
                System.currentTimeMillis() - started);
    }

    private void loadRows(
            MongoCollection<Document> collection,
            Utf8LineReader lines,
            Writer rejects,
            Writer held,
            Counters c,
            CountingInputStream counted,
            long fileSize)
            throws IOException {
        ReviewIdIndex seen = new ReviewIdIndex();
        Batch batch = new Batch(options.batchSize());
        String line;
        while ((line = lines.next()) != null) {
            long n = lines.lineNumber();
            c.lines++;
            String reason = lines.invalidReason();
            ReviewRow row = null;
            if (reason == null) {
                ReviewTsvFormat.ParsedLine parsed = ReviewTsvFormat.parse(line);
                row = parsed.row();
                reason = parsed.reason();
            }
            if (row != null) {
                long first = seen.putIfAbsent(row.reviewId(), n);
                if (first != 0) {
                    reason =
                            "duplicate review_id "
                                    + row.reviewId()
                                    + " (first on line "
                                    + first
                                    + ")";
                    row = null;
                }
            }
            if (row == null) {
                reject(rejects, c, new RejectedLine(n, reason, line));
            } else {
                long index = c.valid++;
                if (heldBack(index)) {
                    held.write(ExtendedJsonLines.toLine(row.toDocument()));
                    held.write('\n');
                    c.heldBack++;
                } else {
                    batch.add(row.toDocument(), n, line);
                    if (batch.full()) {
                        insert(collection, batch, rejects, c);
                    }
                }
            }
            if (c.lines % 2000 == 0) {
                listener.progress(c.lines, c.inserted, c.rejected, counted.count, fileSize);
            }
        }
        insert(collection, batch, rejects, c);
        listener.progress(c.lines, c.inserted, c.rejected, counted.count, fileSize);
    }

    /**
     * Whether the {@code index}-th valid row (0-based) is held back: exactly {@code floor(n ×
     * share)} of the first n valid rows are, spread evenly (with 10%, rows 10, 20, 30, …).
     */
    boolean heldBack(long index) {
        long bp = options.holdBackBasisPoints();
        return (index + 1) * bp / 10_000 > index * bp / 10_000;
    }

    private void insert(
            MongoCollection<Document> collection, Batch batch, Writer rejects, Counters c)
            throws IOException {
        if (batch.documents.isEmpty()) {
            return;
        }
        int failed = 0;
        try {
            collection.insertMany(batch.documents, new InsertManyOptions().ordered(false));
        } catch (MongoBulkWriteException e) {
            if (e.getWriteConcernError() != null) {
                throw e;
            }
            for (BulkWriteError error : e.getWriteErrors()) {
                int i = error.getIndex();
                String reason =
                        error.getCode() == DUPLICATE_KEY
                                ? "review_id "
                                        + batch.documents.get(i).get("_id")
                                        + " already exists in the collection"
                                : "MongoDB refused the document: " + error.getMessage();
                reject(
                        rejects,
                        c,
                        new RejectedLine(batch.lineNumbers.get(i), reason, batch.lines.get(i)));
                failed++;
            }
            c.rejectedByMongo += failed;
        }
        c.inserted += batch.documents.size() - failed;
        batch.clear();
    }

    private void reject(Writer rejects, Counters c, RejectedLine r) throws IOException {
        c.rejected++;
        rejects.write(Long.toString(r.lineNumber()));
        rejects.write('\t');
        rejects.write(r.reason().replace('\t', ' ').replace('\n', ' ').replace('\r', ' '));
        rejects.write('\t');
        rejects.write(r.line());
        rejects.write('\n');
        listener.rejected(r);
    }

    private static InputStream decompressed(InputStream file) throws IOException {
        BufferedInputStream in = new BufferedInputStream(file, 1 << 16);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        // The gzip magic number, whatever the file is called.
        return b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    private static Writer writer(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return new BufferedWriter(
                new java.io.OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8),
                1 << 16);
    }

    /** Running counts of one load. */
    private static final class Counters {
        long lines;
        long valid;
        long inserted;
        long heldBack;
        long rejected;
        long rejectedByMongo;
    }

    /** Documents waiting for one {@code insertMany}, with the lines they came from. */
    private static final class Batch {
        final int capacity;
        final List<Document> documents;
        final List<Long> lineNumbers;
        final List<String> lines;

        Batch(int capacity) {
            this.capacity = capacity;
            this.documents = new ArrayList<>(capacity);
            this.lineNumbers = new ArrayList<>(capacity);
            this.lines = new ArrayList<>(capacity);
        }

        void add(Document d, long lineNumber, String line) {
            documents.add(d);
            lineNumbers.add(lineNumber);
            lines.add(line);
        }

        boolean full() {
            return documents.size() >= capacity;
        }

        void clear() {
            documents.clear();
            lineNumbers.clear();
            lines.clear();
        }
    }

    /** Counts the bytes read from the file, for progress on compressed files too. */
    private static final class CountingInputStream extends FilterInputStream {
        volatile long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
