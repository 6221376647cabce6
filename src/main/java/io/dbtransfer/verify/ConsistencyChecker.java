package io.dbtransfer.verify;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.ChildRows;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.model.TargetType;
import io.dbtransfer.normalize.DocumentNormalizer;

import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import org.bson.BsonDocument;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares every document of the source with the rows of the target, reading each side on its own:
 * documents through the MongoDB driver (turned into expected rows by the pure {@link
 * DocumentNormalizer}), rows through JDBC (turned into canonical values by column type).
 *
 * <p>Holds one collection's expected rows in memory; the chunked, bounded-memory verifier is the
 * {@code verify} command's.
 */
public final class ConsistencyChecker {

    private final DocumentNormalizer normalizer;

    public ConsistencyChecker(DocumentNormalizer normalizer) {
        this.normalizer = normalizer;
    }

    /** Compares all mapped collections. */
    public ConsistencyReport compare(MongoDatabase source, Connection target) throws SQLException {
        ConsistencyReport total = new ConsistencyReport();
        for (Map.Entry<String, TableSpec> e : normalizer.mapping().byCollection().entrySet()) {
            total.add(compare(source, target, e.getKey(), e.getValue()));
        }
        return total;
    }

    private ConsistencyReport compare(
            MongoDatabase source, Connection target, String collection, TableSpec table)
            throws SQLException {
        ConsistencyReport report = new ConsistencyReport();
        Map<String, String[]> expected = new HashMap<>();
        List<TableSpec> descendants = TableSpec.descendants(table);
        List<Map<String, String[]>> expectedChildren = new ArrayList<>();
        for (int d = 0; d < descendants.size(); d++) {
            expectedChildren.add(new HashMap<>());
        }
        try (MongoCursor<BsonDocument> cursor =
                source.getCollection(collection, BsonDocument.class)
                        .find()
                        .batchSize(1000)
                        .iterator()) {
            while (cursor.hasNext()) {
                BsonDocument doc = cursor.next();
                report.sourceDocuments++;
                ChangeRecord record =
                        ChangeRecord.upsert(
                                collection,
                                CanonicalValues.canonicalJson(doc.get("_id")),
                                doc.toJson(CanonicalValues.CANONICAL),
                                0L);
                NormalizeResult result = normalizer.normalize(record, 0L);
                if (result.change == null) {
                    report.deadLettered++;
                    continue;
                }
                expected.put(result.change.parent[0], comparable(result.change.parent, table));
                for (ChildRows rows : result.change.children) {
                    int d = indexOf(descendants, rows.table);
                    for (String[] row : rows.rows) {
                        TableSpec child = descendants.get(d);
                        expectedChildren.get(d).put(rowKey(row, child), comparable(row, child));
                    }
                }
            }
        }
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < table.columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(quote(target, table.columns.get(i).name));
        }
        sql.append(" FROM ").append(quote(target, table.name));
        try (Statement st = target.createStatement();
                ResultSet rs = st.executeQuery(sql.toString())) {
            while (rs.next()) {
                report.targetRows++;
                String[] actual = new String[table.columns.size()];
                for (int i = 0; i < actual.length; i++) {
                    ColumnSpec c = table.columns.get(i);
                    actual[i] = CanonicalValues.fromJdbc(rs, i + 1, c.type);
                }
                String key = actual[0];
                String[] want = expected.remove(key);
                if (want == null) {
                    report.extra++;
                    report.sample("extra row " + table.name + "/" + key);
                } else if (!Arrays.equals(want, actual)) {
                    report.different++;
                    report.sample(
                            "different "
                                    + table.name
                                    + "/"
                                    + key
                                    + ": "
                                    + describe(table, want, actual));
                }
            }
        }
        report.missing = expected.size();
        expected.keySet().stream()
                .limit(ConsistencyReport.MAX_SAMPLES)
                .forEach(k -> report.sample("missing row " + table.name + "/" + k));
        for (int d = 0; d < descendants.size(); d++) {
            compareChildren(target, descendants.get(d), expectedChildren.get(d), report);
        }
        return report;
    }

    /**
     * Compares one child table row by row (key: document key plus indexes); every missing, extra or
     * different child row counts as {@code different} (the document is not what the source holds).
     */
    private static void compareChildren(
            Connection target,
            TableSpec child,
            Map<String, String[]> expected,
            ConsistencyReport report)
            throws SQLException {
        try (Statement st = target.createStatement();
                ResultSet rs = st.executeQuery(select(target, child))) {
            while (rs.next()) {
                report.childRows++;
                String[] actual = read(rs, child);
                String key = rowKey(actual, child);
                String[] want = expected.remove(key);
                if (want == null) {
                    report.different++;
                    report.sample("extra child row " + child.name + "/" + printable(key));
                } else if (!Arrays.equals(want, actual)) {
                    report.different++;
                    report.sample(
                            "different child row "
                                    + child.name
                                    + "/"
                                    + printable(key)
                                    + ": "
                                    + describe(child, want, actual));
                }
            }
        }
        report.different += expected.size();
        expected.keySet().stream()
                .limit(ConsistencyReport.MAX_SAMPLES)
                .forEach(
                        k -> report.sample("missing child row " + child.name + "/" + printable(k)));
    }

    private static String select(Connection target, TableSpec table) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < table.columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(quote(target, table.columns.get(i).name));
        }
        return sql.append(" FROM ").append(quote(target, table.name)).toString();
    }

    private static String[] read(ResultSet rs, TableSpec table) throws SQLException {
        String[] actual = new String[table.columns.size()];
        for (int i = 0; i < actual.length; i++) {
            actual[i] = CanonicalValues.fromJdbc(rs, i + 1, table.columns.get(i).type);
        }
        return actual;
    }

    private static String rowKey(String[] row, TableSpec table) {
        return String.join("\u0000", Arrays.asList(row).subList(0, table.keyColumns));
    }

    private static String printable(String key) {
        return key.replace('\u0000', '/');
    }

    private static int indexOf(List<TableSpec> tables, String name) {
        for (int i = 0; i < tables.size(); i++) {
            if (tables.get(i).name.equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("no child table " + name);
    }

    private static String[] comparable(String[] values, TableSpec table) {
        String[] out = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = CanonicalValues.comparable(values[i], table.columns.get(i).type);
        }
        return out;
    }

    private static String describe(TableSpec table, String[] want, String[] actual) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < want.length; i++) {
            if (!java.util.Objects.equals(want[i], actual[i])) {
                sb.append(table.columns.get(i).name)
                        .append(" source=")
                        .append(abbreviate(want[i]))
                        .append(" target=")
                        .append(abbreviate(actual[i]))
                        .append("; ");
            }
        }
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s == null ? "NULL" : s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }

    /** An identifier quoted for the target {@code c} is connected to (MySQL or PostgreSQL). */
    private static String quote(Connection c, String identifier) throws SQLException {
        TargetDialect d = MySqlReadBack.dialectOf(c);
        return d.type() == TargetType.POSTGRESQL
                ? d.quoteIdentifier(identifier)
                : quote(identifier);
    }

    static String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }
}
