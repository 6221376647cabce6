package io.dbtransfer.sink;

import io.dbtransfer.testing.TestPostgres;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PostgreSQL's two-phase commit on the embedded server, as the exactly-once sink drives it. */
class PostgresTwoPhaseITCase {

    private static final TwoPhaseCommit PG = PostgresTwoPhase.INSTANCE;

    private static long count(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aPreparedTransactionIsInvisibleUntilCommittedByNameFromAnotherSession() throws Exception {
        String url = TestPostgres.newDatabase("pg_2pc");
        try (Connection admin = TestPostgres.connect(url)) {
            try (Statement s = admin.createStatement()) {
                s.execute("CREATE TABLE t (id int PRIMARY KEY)");
            }
            XaTransactionId kept = XaTransactionId.of("job-a", 0, 1);
            XaTransactionId orphan = XaTransactionId.of("job-a", 1, 2);
            for (XaTransactionId xid : new XaTransactionId[] {kept, orphan}) {
                try (Connection branch = TestPostgres.connect(url)) {
                    branch.setAutoCommit(PG.branchAutoCommit());
                    PG.start(branch, xid);
                    try (Statement s = branch.createStatement()) {
                        s.execute("INSERT INTO t VALUES (" + xid.checkpointId("job-a") + ")");
                    }
                    PG.prepare(branch, xid);
                }
            }
            assertThat(count(admin)).isZero();
            assertThat(PG.recover(admin)).containsExactly(kept, orphan);
            assertThat(kept.subtaskIndex("job-a")).isZero();
            assertThat(PG.recover(admin).get(1).checkpointId("job-a")).isEqualTo(2);
            assertThat(PG.recover(admin).get(0).subtaskIndex("job-b")).isEqualTo(-1);

            PG.commit(admin, kept);
            PG.rollback(admin, orphan);
            assertThat(count(admin)).isEqualTo(1);
            assertThat(PG.recover(admin)).isEmpty();
            // Finishing it again: the target does not know it any more.
            assertThatThrownBy(() -> PG.commit(admin, kept))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(PG.isUnknown(e)).isTrue());
        }
    }

    @Test
    void preparedTransactionsOfAnotherDatabaseAreNotListed() throws Exception {
        String a = TestPostgres.newDatabase("pg_2pc_a");
        String b = TestPostgres.newDatabase("pg_2pc_b");
        XaTransactionId xid = XaTransactionId.of("job-x", 0, 7);
        try (Connection branch = TestPostgres.connect(a)) {
            branch.setAutoCommit(false);
            try (Statement s = branch.createStatement()) {
                s.execute("CREATE TABLE t (id int)");
            }
            PG.prepare(branch, xid);
        }
        try (Connection other = TestPostgres.connect(b);
                Connection own = TestPostgres.connect(a)) {
            assertThat(PG.recover(other)).doesNotContain(xid);
            assertThat(PG.recover(own)).contains(xid);
            PG.rollback(own, xid);
        }
    }
}
