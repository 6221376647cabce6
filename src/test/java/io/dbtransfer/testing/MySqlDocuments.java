package io.dbtransfer.testing;

import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnSpec;
import io.dbtransfer.mapping.RowsToDocument;
import io.dbtransfer.mapping.TableSpec;

import org.bson.BsonDocument;
import org.bson.BsonValue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Reads one document's rows straight from MySQL with JDBC (parent row and every child table) and
 * rebuilds the document with {@link RowsToDocument} — an independent view of what MySQL holds.
 */
public final class MySqlDocuments {

    private MySqlDocuments() {}

    /** The document MySQL holds for {@code id}, or {@code null} when there is no parent row. */
    public static BsonDocument read(Connection conn, TableSpec table, BsonValue id)
            throws SQLException {
        String key = CanonicalValues.keyText(id);
        List<String[]> parent = rows(conn, table, key);
        if (parent.isEmpty()) {
            return null;
        }
        Map<String, String[][]> children = new HashMap<>();
        for (TableSpec child : TableSpec.descendants(table)) {
            children.put(child.name, rows(conn, child, key).toArray(new String[0][]));
        }
        return RowsToDocument.rebuild(table, id, parent.get(0), children);
    }

    private static List<String[]> rows(Connection conn, TableSpec table, String key)
            throws SQLException {
        StringJoiner cols = new StringJoiner(", ");
        for (ColumnSpec c : table.columns) {
            cols.add("`" + c.name.replace("`", "``") + "`");
        }
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps =
                conn.prepareStatement(
                        "SELECT "
                                + cols
                                + " FROM `"
                                + table.name.replace("`", "``")
                                + "` WHERE `_id` = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] row = new String[table.columns.size()];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = CanonicalValues.fromJdbc(rs, i + 1, table.columns.get(i).type);
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }
}
