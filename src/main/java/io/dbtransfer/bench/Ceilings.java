package io.dbtransfer.bench;

import io.dbtransfer.dialect.MySqlDialect;
import io.dbtransfer.dialect.PostgresDialect;
import io.dbtransfer.dialect.SchemaManager;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.dialect.ValueCodec;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.RowChange;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import org.bson.RawBsonDocument;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.BufferedWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The raw ceilings a migration is compared with: reading the collection straight with the driver,
 * and writing the same normalized rows (parent and child rows) straight into MySQL by multi-row
 * INSERT and by {@code LOAD DATA LOCAL INFILE}.
 */
final class Ceilings {

    private Ceilings() {}

    /** Reads every document with a plain {@code find()}; returns documents and bytes read. */
    static Measurement sourceRead(MongoCollection<RawBsonDocument> collection) {
        long start = System.nanoTime();
        long docs = 0;
        long bytes = 0;
        try (MongoCursor<RawBsonDocument> c = collection.find().batchSize(1000).iterator()) {
            while (c.hasNext()) {
                RawBsonDocument d = c.next();
                docs++;
                bytes += d.getByteBuffer().remaining();
            }
        }
        return new Measurement(
                "source ceiling: driver find()", docs, bytes, System.nanoTime() - start);
    }

    /**
     * Multi-row INSERT (rewritten JDBC batches of {@code batch} documents) of every parent and
     * child row the job writes for these documents (with the version and the hidden {@code
     * _src_key} the job writes too), one commit per batch.
     */
    static Measurement insert(
            Connection c, TableSpec table, List<RowChange> docs, long version, int batch)
            throws Exception {
        return insert(c, MySqlDialect.INSTANCE, table, docs, version, batch);
    }

    /**
     * {@link #insert(Connection, TableSpec, List, long, int)} on any target: the dialect's
     * statements (on PostgreSQL rewritten into multi-row INSERTs by the driver's {@code
     * reWriteBatchedInserts=true}, which the caller's URL sets).
     */
    static Measurement insert(
            Connection c,
            TargetDialect dialect,
            TableSpec table,
            List<RowChange> docs,
            long version,
            int batch)
            throws Exception {
        createEmpty(c, dialect, table);
        List<TableSpec> children = TableSpec.descendants(table);
        long start = System.nanoTime();
        long rows = 0;
        c.setAutoCommit(false);
        try (PreparedStatement parent = c.prepareStatement(dialect.parentUpsert(table, false))) {
            List<PreparedStatement> child = new ArrayList<>();
            try {
                for (TableSpec t : children) {
                    child.add(c.prepareStatement(dialect.childInsert(t)));
                }
                int n = 0;
                for (RowChange doc : docs) {
                    bind(parent, table.columns, doc.parent);
                    ValueCodec.bindVersion(parent, doc.parent.length + 1, version);
                    parent.setString(doc.parent.length + 2, doc.key);
                    parent.addBatch();
                    rows++;
                    for (ChildRows set : doc.children) {
                        int i = indexOf(children, set.table);
                        for (String[] row : set.rows) {
                            bind(child.get(i), children.get(i).columns, row);
                            child.get(i).addBatch();
                            rows++;
                        }
                    }
                    if (++n % batch == 0) {
                        executeAll(parent, child);
                        c.commit();
                    }
                }
                executeAll(parent, child);
                c.commit();
            } finally {
                for (PreparedStatement ps : child) {
                    ps.close();
                }
            }
        } finally {
            c.setAutoCommit(true);
        }
        return new Measurement(
                "sink ceiling: multi-row INSERT", docs.size(), 0, System.nanoTime() - start, rows);
    }

    /**
     * {@code LOAD DATA LOCAL INFILE} of the same parent and child rows, written to one
     * tab-separated file per table first (file writing is not timed).
     */
    static Measurement loadData(
            Connection c, TableSpec table, List<RowChange> docs, long version, Path dir)
            throws Exception {
        createEmpty(c, MySqlDialect.INSTANCE, table);
        List<TableSpec> children = MySqlDialect.descendants(table);
        List<Path> files = writeTsvFiles(table, children, docs, version, dir);
        long rows = countLines(files);
        long start = System.nanoTime();
        try (Statement st = c.createStatement()) {
            st.execute(loadDataSql(files.get(0), table, true));
            for (int i = 0; i < children.size(); i++) {
                st.execute(loadDataSql(files.get(i + 1), children.get(i), false));
            }
        }
        long elapsed = System.nanoTime() - start;
        for (Path f : files) {
            Files.deleteIfExists(f);
        }
        return new Measurement(
                "sink ceiling: LOAD DATA LOCAL INFILE", docs.size(), 0, elapsed, rows);
    }

    /**
     * PostgreSQL's bulk path: {@code COPY … FROM STDIN} (text format) of the same parent and child
     * rows, from one file per table written first (file writing is not timed), in one transaction.
     */
    static Measurement copy(
            Connection c, TableSpec table, List<RowChange> docs, long version, Path dir)
            throws Exception {
        TargetDialect pg = PostgresDialect.INSTANCE;
        createEmpty(c, pg, table);
        List<TableSpec> children = TableSpec.descendants(table);
        List<Path> files = writeTsvFiles(table, children, docs, version, dir);
        long rows = countLines(files);
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        long start = System.nanoTime();
        c.setAutoCommit(false);
        try {
            for (int i = 0; i <= children.size(); i++) {
                TableSpec t = i == 0 ? table : children.get(i - 1);
                StringBuilder cols = new StringBuilder();
                for (ColumnSpec col : t.columns) {
                    cols.append(cols.length() == 0 ? "" : ", ")
                            .append(pg.quoteIdentifier(col.name));
                }
                if (i == 0) {
                    cols.append(", ").append(pg.quoteIdentifier(TableSpec.VERSION_COLUMN));
                    cols.append(", ").append(pg.quoteIdentifier(MySqlDialect.SOURCE_KEY_COLUMN));
                }
                try (Reader in = Files.newBufferedReader(files.get(i), StandardCharsets.UTF_8)) {
                    copy.copyIn(
                            "COPY " + pg.quoteIdentifier(t.name) + " (" + cols + ") FROM STDIN",
                            in);
                }
            }
            c.commit();
        } finally {
            c.setAutoCommit(true);
        }
        long elapsed = System.nanoTime() - start;
        for (Path f : files) {
            Files.deleteIfExists(f);
        }
        return new Measurement("sink ceiling: COPY FROM STDIN", docs.size(), 0, elapsed, rows);
    }

    private static long countLines(List<Path> files) throws java.io.IOException {
        long n = 0;
        for (Path f : files) {
            try (java.util.stream.Stream<String> lines = Files.lines(f, StandardCharsets.UTF_8)) {
                n += lines.count();
            }
        }
        return n;
    }

    /**
     * One tab-separated file per table (parent first, with version and owner key), in the text
     * format both {@code LOAD DATA} and PostgreSQL's {@code COPY} read ({@code \N} for NULL).
     */
    private static List<Path> writeTsvFiles(
            TableSpec table, List<TableSpec> children, List<RowChange> docs, long version, Path dir)
            throws java.io.IOException {
        List<Path> files = new ArrayList<>();
        List<BufferedWriter> writers = new ArrayList<>();
        try {
            for (int t = 0; t <= children.size(); t++) {
                Path f = dir.resolve("rows-" + t + ".tsv");
                files.add(f);
                writers.add(Files.newBufferedWriter(f, StandardCharsets.UTF_8));
            }
            for (RowChange doc : docs) {
                writeTsv(writers.get(0), table.columns, doc.parent);
                writers.get(0).write('\t');
                writers.get(0).write(Long.toUnsignedString(version));
                writers.get(0).write('\t');
                writers.get(0).write(tsv(doc.key, ColumnType.of(ColumnType.Kind.TEXT)));
                writers.get(0).write('\n');
                for (ChildRows set : doc.children) {
                    int i = indexOf(children, set.table);
                    for (String[] row : set.rows) {
                        writeTsv(writers.get(i + 1), children.get(i).columns, row);
                        writers.get(i + 1).write('\n');
                    }
                }
            }
        } finally {
            for (BufferedWriter w : writers) {
                w.close();
            }
        }
        return files;
    }

    private static String loadDataSql(Path file, TableSpec table, boolean withVersion) {
        StringBuilder cols = new StringBuilder();
        for (ColumnSpec col : table.columns) {
            cols.append(cols.length() == 0 ? "" : ", ").append(MySqlDialect.quote(col.name));
        }
        if (withVersion) {
            cols.append(", ").append(MySqlDialect.quote(TableSpec.VERSION_COLUMN));
            cols.append(", ").append(MySqlDialect.quote(MySqlDialect.SOURCE_KEY_COLUMN));
        }
        return "LOAD DATA LOCAL INFILE '"
                + file.toAbsolutePath().toString().replace("'", "''")
                + "' INTO TABLE "
                + MySqlDialect.quote(table.name)
                + " CHARACTER SET utf8mb4 ("
                + cols
                + ")";
    }

    private static void writeTsv(BufferedWriter w, List<ColumnSpec> columns, String[] row)
            throws java.io.IOException {
        for (int i = 0; i < row.length; i++) {
            if (i > 0) {
                w.write('\t');
            }
            w.write(tsv(row[i], columns.get(i).type));
        }
    }

    private static void bind(PreparedStatement ps, List<ColumnSpec> columns, String[] row)
            throws java.sql.SQLException {
        for (int i = 0; i < row.length; i++) {
            ValueCodec.bind(ps, i + 1, columns.get(i), row[i]);
        }
    }

    private static void executeAll(PreparedStatement parent, List<PreparedStatement> children)
            throws java.sql.SQLException {
        parent.executeBatch();
        for (PreparedStatement ps : children) {
            ps.executeBatch();
        }
    }

    private static int indexOf(List<TableSpec> tables, String name) {
        for (int i = 0; i < tables.size(); i++) {
            if (tables.get(i).name.equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no child table " + name);
    }

    private static String tsv(String value, ColumnType type) {
        if (value == null) {
            return "\\N";
        }
        if (type.kind == ColumnType.Kind.BINARY) {
            return value; // never used by the review mapping
        }
        StringBuilder sb = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                default:
                    sb.append(ch);
            }
        }
        return sb.toString();
    }

    private static void createEmpty(Connection c, TargetDialect dialect, TableSpec table)
            throws Exception {
        try (Statement st = c.createStatement()) {
            for (TableSpec child : TableSpec.descendants(table)) {
                st.execute("DROP TABLE IF EXISTS " + dialect.quoteIdentifier(child.name));
            }
            st.execute("DROP TABLE IF EXISTS " + dialect.quoteIdentifier(table.name));
        }
        SchemaManager.createTables(
                c, new io.dbtransfer.mapping.Mapping(java.util.Map.of("x", table)), dialect);
    }
}
