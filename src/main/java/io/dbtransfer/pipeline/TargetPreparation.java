package io.dbtransfer.pipeline;

import io.dbtransfer.config.ConfigException;
import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;
import io.dbtransfer.deadletter.DeadLetterTable;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.sink.MySqlDialect;
import io.dbtransfer.sink.SchemaManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Gets the target ready before the job starts: connection and privileges checked, tables created,
 * and on a fresh start (no savepoint) existing rows handled as {@code sink.on-fresh-start} says.
 */
public final class TargetPreparation {
    private static final Logger LOG = LoggerFactory.getLogger(TargetPreparation.class);

    private TargetPreparation() {}

    public static void prepare(JobConfig config, boolean restoring) {
        String url = config.get(JobOptions.MYSQL_URL);
        try (Connection c =
                MySqlConnections.open(
                        url, config.get(JobOptions.MYSQL_USERNAME), config.mysqlPassword())) {
            if (!restoring) {
                handleExistingRows(c, config);
            }
            SchemaManager.createTables(c, config.mapping());
            DeadLetterTable.create(c);
        } catch (SQLException e) {
            throw MySqlConnections.explain(url, e);
        }
    }

    private static void handleExistingRows(Connection c, JobConfig config) throws SQLException {
        JobOptions.FreshStart mode = config.get(JobOptions.SINK_ON_FRESH_START);
        List<String> nonEmpty = new ArrayList<>();
        for (TableSpec t : config.mapping().tables()) {
            for (String table : allTables(t)) {
                if (exists(c, table) && hasRows(c, table)) {
                    nonEmpty.add(table);
                }
            }
        }
        if (nonEmpty.isEmpty()) {
            return;
        }
        switch (mode) {
            case KEEP:
                LOG.warn(
                        "Fresh start over non-empty tables {}: rows are overwritten"
                                + " version-guarded; rows of documents deleted meanwhile stay"
                                + " until reconciliation removes them",
                        nonEmpty);
                return;
            case TRUNCATE:
                LOG.warn("Fresh start: emptying tables {} before the snapshot", nonEmpty);
                try (Statement st = c.createStatement()) {
                    for (String table : nonEmpty) {
                        st.execute("DELETE FROM " + quote(table));
                    }
                    if (exists(c, MySqlDialect.TOMBSTONE_TABLE)) {
                        st.execute("DELETE FROM " + quote(MySqlDialect.TOMBSTONE_TABLE));
                    }
                }
                return;
            case FAIL_IF_NOT_EMPTY:
            default:
                throw new ConfigException(
                        "sink.on-fresh-start: the target tables "
                                + nonEmpty
                                + " already hold rows, and the job starts without a savepoint,"
                                + " so it would snapshot every document again. To continue a"
                                + " migration, resume from its savepoint (flink run -s PATH, or"
                                + " migrate --from-savepoint PATH). To start over, set"
                                + " sink.on-fresh-start: truncate (empties these tables first)"
                                + " or keep (overwrites rows; rows of documents deleted meanwhile"
                                + " stay until reconciliation removes them).");
        }
    }

    private static List<String> allTables(TableSpec t) {
        List<String> out = new ArrayList<>();
        out.add(t.name);
        for (TableSpec child : t.children) {
            out.addAll(allTables(child));
        }
        return out;
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        try (ResultSet rs = md.getTables(c.getCatalog(), null, table, new String[] {"TABLE"})) {
            while (rs.next()) {
                if (rs.getString("TABLE_NAME").equals(table)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static boolean hasRows(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT 1 FROM " + quote(table) + " LIMIT 1")) {
            return rs.next();
        }
    }

    private static String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }
}
