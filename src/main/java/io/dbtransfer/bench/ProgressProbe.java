package io.dbtransfer.bench;

import io.dbtransfer.dialect.MySqlReadBack;
import io.dbtransfer.model.TargetType;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The harness's view of snapshot progress: the target's {@code COUNT(*)} of the parent table, sent
 * only when the count can have changed, so that the probe does not take the server's CPU from the
 * job it measures (on InnoDB a {@code COUNT(*)} reads every row).
 *
 * <p>With exactly-once delivery on MySQL / MariaDB rows become visible only by {@code XA COMMIT}:
 * the probe polls the server's {@code Com_xa_commit} counter (a status read, no table access) and
 * counts after each change, twice (the counter moves when the statement starts, before the commit
 * is visible), and at least every 5 s. Otherwise (idempotent delivery, PostgreSQL) it counts at
 * most once per second.
 */
final class ProgressProbe {

    private static final long RECOUNT_NANOS = 5_000_000_000L;
    private static final long PLAIN_NANOS = 1_000_000_000L;

    private final Connection connection;
    private final String table;
    private final boolean onCommits;

    private long lastXaCommits = -1;
    private int recounts;
    private long lastCountAt;
    private long visible;

    /** {@code COUNT(*)} queries sent. */
    long countQueries;

    /** Wall time spent in them (an upper bound of the server CPU they cost), nanoseconds. */
    long countNanos;

    /** Rows those queries counted, summed over the queries (what they read in all). */
    long rowsCounted;

    /** Status reads ({@code SHOW GLOBAL STATUS LIKE 'Com_xa_commit'}) sent. */
    long statusQueries;

    ProgressProbe(Connection connection, String table, boolean exactlyOnce) throws SQLException {
        this.connection = connection;
        this.table = table;
        this.onCommits =
                exactlyOnce && MySqlReadBack.dialectOf(connection).type() == TargetType.MYSQL;
    }

    /** The rows of the table visible now, as of the latest count. */
    long visible() throws Exception {
        long now = System.nanoTime();
        boolean due;
        if (onCommits) {
            long xa = xaCommits();
            if (xa != lastXaCommits) {
                lastXaCommits = xa;
                recounts = 2;
            }
            due = recounts > 0 || now - lastCountAt >= RECOUNT_NANOS;
        } else {
            due = countQueries == 0 || now - lastCountAt >= PLAIN_NANOS;
        }
        if (due) {
            long n = JobRun.count(connection, table);
            countNanos += System.nanoTime() - now;
            countQueries++;
            rowsCounted += n;
            lastCountAt = now;
            // One count fewer owed; a count that moved owes another (the count may still move).
            recounts = Math.max(recounts - 1, n != visible ? 1 : 0);
            visible = n;
        }
        return visible;
    }

    private long xaCommits() throws SQLException {
        statusQueries++;
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE 'Com_xa_commit'")) {
            return rs.next() ? Long.parseLong(rs.getString(2)) : 0L;
        }
    }
}
