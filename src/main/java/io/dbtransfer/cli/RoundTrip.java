package io.dbtransfer.cli;

import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.TableSpec;

import org.apache.flink.core.execution.JobClient;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code demo --round-trip} after the forward migration: cut over (certificate 1, with the binlog
 * point), start the reverse job from it, write to MySQL as an application would (inserts, updates
 * of parent and child rows, deletes, each in a transaction), cut back with {@code cutover --to
 * mongodb} (certificate 2). Both verdicts are returned.
 */
final class RoundTrip {

    /** The verdicts and where the certificates are. */
    record Outcome(int cutover, int cutBack, Path forwardCertificate, Path backCertificate) {
        boolean bothConsistent() {
            return cutover == 0 && cutBack == 0;
        }
    }

    /** What the application wrote to MySQL. */
    static final class Writes {
        int inserted;
        int updated;
        int deleted;
        int transactions;

        @Override
        public String toString() {
            return inserted
                    + " inserts, "
                    + updated
                    + " updates (with their child rows), "
                    + deleted
                    + " deletes in "
                    + transactions
                    + " transactions";
        }
    }

    private final String mongoUri;
    private final String mysqlUrl;
    private final TableSpec reviews;
    private final Path workDir;
    private final Duration timeout;
    private final PrintStream out;

    /** The writes of the last run. */
    final Writes writes = new Writes();

    RoundTrip(
            String mongoUri,
            String mysqlUrl,
            TableSpec reviews,
            Path workDir,
            Duration timeout,
            PrintStream out) {
        this.mongoUri = mongoUri;
        this.mysqlUrl = mysqlUrl;
        this.reviews = reviews;
        this.workDir = workDir;
        this.timeout = timeout;
        this.out = out;
    }

    /** Steps 7-10, on a MySQL whose forward job has been stopped. */
    Outcome run(Connection mysql, StepPrinter step) throws Exception {
        Path forward = workDir.resolve("cutover-certificate.json");
        Path back = workDir.resolve("cutback-certificate.json");
        Files.deleteIfExists(forward);
        Files.deleteIfExists(back);
        String[] servers = {"--mongo-uri", mongoUri, "--mysql-url", mysqlUrl};
        step.step(7, "Cutover: certify MySQL and record the binlog point the way back starts at");
        int first =
                new CutoverCommand(
                                concat(
                                        servers,
                                        "--quiet-for",
                                        "1s",
                                        "--settle",
                                        "1s",
                                        "--recheck-delay",
                                        "500ms",
                                        "--timeout",
                                        DurationConverter.format(timeout),
                                        "--out",
                                        forward.toString()),
                                out,
                                out)
                        .run();
        if (first != 0) {
            return new Outcome(first, 2, forward, back);
        }
        step.step(8, "Starting the reverse job (MySQL binlog → MongoDB) from the certificate");
        ReverseCommand reverse =
                new ReverseCommand(
                        concat(
                                servers,
                                "--from-certificate",
                                forward.toString(),
                                "--checkpoint-interval",
                                "1s",
                                "--checkpoint-dir",
                                workDir.resolve("reverse-checkpoints").toString()),
                        out,
                        out);
        JobClient job = reverse.start();
        try {
            step.step(9, "The application writes to MySQL (inserts, updates, deletes)");
            applicationWrites(mysql);
            detail("applied: " + writes);
            step.step(
                    10,
                    "Cut back: drain the reverse stream, certify MongoDB (cutover --to mongodb)");
            int second =
                    new CutoverCommand(
                                    concat(
                                            servers,
                                            "--to",
                                            "mongodb",
                                            "--recheck-delay",
                                            "500ms",
                                            "--timeout",
                                            DurationConverter.format(timeout),
                                            "--out",
                                            back.toString()),
                                    out,
                                    out)
                            .run();
            return new Outcome(first, second, forward, back);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Transactions as an application after the cutover would write them: new reviews with their
     * comments and images, edited reviews (parent and child rows in one transaction), deleted
     * reviews (children and parent).
     */
    private void applicationWrites(Connection mysql) throws SQLException {
        TableSpec comments = child("comments");
        TableSpec images = child("images");
        List<String> existing = new ArrayList<>();
        try (Statement s = mysql.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT `_id` FROM `"
                                        + reviews.name
                                        + "` ORDER BY `_id` LIMIT 60")) {
            while (rs.next()) {
                existing.add(rs.getString(1));
            }
        }
        boolean auto = mysql.getAutoCommit();
        mysql.setAutoCommit(false);
        try {
            Timestamp now = Timestamp.from(Instant.parse("2026-12-01T10:00:00Z"));
            // 1. New reviews, each with two comments and an image, ten per transaction.
            for (int tx = 0; tx < 3; tx++) {
                for (int i = 0; i < 10; i++) {
                    String id = "after-cutover-" + tx + "-" + i;
                    try (PreparedStatement p =
                            mysql.prepareStatement(
                                    "INSERT INTO `"
                                            + reviews.name
                                            + "` (`_id`, `marketplace`, `star_rating`,"
                                            + " `review_headline`, `review_date`,"
                                            + " `verified_purchase`)"
                                            + " VALUES (?, 'DE', ?, ?, ?, TRUE)")) {
                        p.setString(1, id);
                        p.setInt(2, 1 + i % 5);
                        p.setString(3, "written to MySQL after the cutover " + i);
                        p.setTimestamp(4, now);
                        p.executeUpdate();
                    }
                    insertComment(mysql, comments, id, 0, "first comment on " + id, now);
                    insertComment(mysql, comments, id, 1, "second comment on " + id, now);
                    insertImage(mysql, images, id, 0, id + ".jpg");
                    writes.inserted++;
                }
                commit(mysql);
            }
            // 2. Edits: the headline and the comments change together (one transaction each 5).
            List<String> edit = existing.subList(0, Math.min(30, existing.size()));
            for (int i = 0; i < edit.size(); i++) {
                String id = edit.get(i);
                try (PreparedStatement p =
                        mysql.prepareStatement(
                                "UPDATE `"
                                        + reviews.name
                                        + "` SET `review_headline` = ?, `helpful_votes` ="
                                        + " COALESCE(`helpful_votes`, 0) + 1 WHERE `_id` = ?")) {
                    p.setString(1, "edited in MySQL " + i);
                    p.setString(2, id);
                    p.executeUpdate();
                }
                deleteChildren(mysql, comments, id);
                insertComment(mysql, comments, id, 0, "the only comment now", now);
                // _extra records an empty array ("comments": []) to tell it from a missing one;
                // a document that has comments now must not say so any longer.
                forgetEmptyArray(mysql, id, comments.arrayPath);
                writes.updated++;
                if (i % 5 == 4) {
                    commit(mysql);
                }
            }
            commit(mysql);
            // 3. Deletes: children and parent in one transaction.
            for (String id : existing.subList(Math.min(30, existing.size()), existing.size())) {
                deleteChildren(mysql, comments, id);
                deleteChildren(mysql, images, id);
                try (PreparedStatement p =
                        mysql.prepareStatement(
                                "DELETE FROM `" + reviews.name + "` WHERE `_id` = ?")) {
                    p.setString(1, id);
                    p.executeUpdate();
                }
                writes.deleted++;
                commit(mysql);
            }
            // 4. A review inserted above is edited again, and one is deleted again.
            try (Statement s = mysql.createStatement()) {
                s.executeUpdate(
                        "UPDATE `"
                                + reviews.name
                                + "` SET `star_rating` = 5 WHERE `_id` = 'after-cutover-0-0'");
                s.executeUpdate(
                        "DELETE FROM `" + comments.name + "` WHERE `_id` = 'after-cutover-0-1'");
                s.executeUpdate(
                        "DELETE FROM `" + images.name + "` WHERE `_id` = 'after-cutover-0-1'");
                s.executeUpdate(
                        "DELETE FROM `" + reviews.name + "` WHERE `_id` = 'after-cutover-0-1'");
            }
            writes.updated++;
            writes.deleted++;
            commit(mysql);
        } catch (SQLException e) {
            mysql.rollback();
            throw e;
        } finally {
            mysql.setAutoCommit(auto);
        }
    }

    private void commit(Connection mysql) throws SQLException {
        mysql.commit();
        writes.transactions++;
    }

    private TableSpec child(String path) {
        for (TableSpec c : reviews.children) {
            if (path.equals(c.arrayPath)) {
                return c;
            }
        }
        throw new IllegalStateException("the reviews mapping has no child table for " + path);
    }

    private static void insertComment(
            Connection mysql, TableSpec comments, String id, int idx, String text, Timestamp at)
            throws SQLException {
        try (PreparedStatement p =
                mysql.prepareStatement(
                        "INSERT INTO `"
                                + comments.name
                                + "` (`_id`, `_idx`, `user`, `text`, `at`)"
                                + " VALUES (?, ?, ?, ?, ?)")) {
            p.setString(1, id);
            p.setInt(2, idx);
            p.setString(3, "app-user-" + idx);
            p.setString(4, text);
            p.setTimestamp(5, at);
            p.executeUpdate();
        }
    }

    private static void insertImage(
            Connection mysql, TableSpec images, String id, int idx, String url)
            throws SQLException {
        String value = null;
        for (ColumnSpec c : images.columns) {
            if (!c.name.equals("_id") && !c.name.startsWith("_idx") && !c.name.equals("_extra")) {
                value = c.name;
            }
        }
        try (PreparedStatement p =
                mysql.prepareStatement(
                        "INSERT INTO `"
                                + images.name
                                + "` (`_id`, `_idx`, `"
                                + value
                                + "`) VALUES (?, ?, ?)")) {
            p.setString(1, id);
            p.setInt(2, idx);
            p.setString(3, url);
            p.executeUpdate();
        }
    }

    /**
     * Removes {@code field} from the document's {@code _extra} (read, edited and written back here,
     * keeping the other keys in their order: the mapping's canonical JSON, which verify compares).
     */
    private void forgetEmptyArray(Connection mysql, String id, String field) throws SQLException {
        if (reviews.indexOf("_extra") < 0) {
            return;
        }
        String extra;
        try (PreparedStatement p =
                mysql.prepareStatement(
                        "SELECT `_extra` FROM `" + reviews.name + "` WHERE `_id` = ?")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
                extra = rs.next() ? rs.getString(1) : null;
            }
        }
        if (extra == null) {
            return;
        }
        org.bson.Document d = org.bson.Document.parse(extra);
        if (d.containsKey(field)) {
            d.remove(field);
            try (PreparedStatement p =
                    mysql.prepareStatement(
                            "UPDATE `" + reviews.name + "` SET `_extra` = ? WHERE `_id` = ?")) {
                p.setString(1, d.toJson());
                p.setString(2, id);
                p.executeUpdate();
            }
        }
    }

    private static void deleteChildren(Connection mysql, TableSpec child, String id)
            throws SQLException {
        try (PreparedStatement p =
                mysql.prepareStatement("DELETE FROM `" + child.name + "` WHERE `_id` = ?")) {
            p.setString(1, id);
            p.executeUpdate();
        }
    }

    private void detail(String text) {
        out.println("      " + text);
    }

    private static String[] concat(String[] first, String... rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(rest));
        return all.toArray(new String[0]);
    }

    /** Prints a numbered step. */
    interface StepPrinter {
        void step(int n, String text);
    }
}
