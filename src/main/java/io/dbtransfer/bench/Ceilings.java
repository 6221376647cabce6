package io.dbtransfer.bench;

import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.sink.MySqlDialect;
import io.dbtransfer.sink.SchemaManager;
import io.dbtransfer.sink.ValueCodec;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import org.bson.RawBsonDocument;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;

/**
 * The raw ceilings a migration is compared with: reading the collection straight with the driver,
 * and writing the same normalized rows straight into MySQL by multi-row INSERT and by {@code LOAD
 * DATA LOCAL INFILE}.
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

    /** Multi-row INSERT (rewritten JDBC batches of {@code batch} rows), one commit per batch. */
    static Measurement insert(
            Connection c, TableSpec table, List<String[]> rows, long version, int batch)
            throws Exception {
        createEmpty(c, table);
        String sql = MySqlDialect.upsertParent(table);
        long start = System.nanoTime();
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int n = 0;
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    ValueCodec.bind(ps, i + 1, table.columns.get(i), row[i]);
                }
                ValueCodec.bindVersion(ps, row.length + 1, version);
                ps.addBatch();
                if (++n % batch == 0) {
                    ps.executeBatch();
                    c.commit();
                }
            }
            ps.executeBatch();
            c.commit();
        } finally {
            c.setAutoCommit(true);
        }
        return new Measurement(
                "sink ceiling: multi-row INSERT", rows.size(), 0, System.nanoTime() - start);
    }

    /** {@code LOAD DATA LOCAL INFILE} of the same rows written to a tab-separated file first. */
    static Measurement loadData(
            Connection c, TableSpec table, List<String[]> rows, long version, Path dir)
            throws Exception {
        createEmpty(c, table);
        Path file = dir.resolve("rows.tsv");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    w.write(tsv(row[i], table.columns.get(i).type));
                    w.write('\t');
                }
                w.write(Long.toUnsignedString(version));
                w.write('\n');
            }
        }
        StringBuilder cols = new StringBuilder();
        for (ColumnSpec col : table.columns) {
            cols.append(MySqlDialect.quote(col.name)).append(", ");
        }
        cols.append(MySqlDialect.quote(TableSpec.VERSION_COLUMN));
        long start = System.nanoTime();
        try (Statement st = c.createStatement()) {
            st.execute(
                    "LOAD DATA LOCAL INFILE '"
                            + file.toAbsolutePath().toString().replace("'", "''")
                            + "' INTO TABLE "
                            + MySqlDialect.quote(table.name)
                            + " CHARACTER SET utf8mb4 ("
                            + cols
                            + ")");
        }
        long elapsed = System.nanoTime() - start;
        Files.deleteIfExists(file);
        return new Measurement("sink ceiling: LOAD DATA LOCAL INFILE", rows.size(), 0, elapsed);
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

    private static void createEmpty(Connection c, TableSpec table) throws Exception {
        try (Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + MySqlDialect.quote(table.name));
        }
        SchemaManager.createTables(
                c, new io.dbtransfer.mapping.Mapping(java.util.Map.of("x", table)));
    }
}
