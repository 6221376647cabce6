package io.dbtransfer.dialect;

import io.dbtransfer.model.MismatchRecord;
import io.dbtransfer.testing.TestTarget;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mismatch table on both targets, read back with plain SQL: created twice without harm, a
 * replayed record stored once (its dedup hash, computed here on its own, is SHA-256 of collection,
 * key, kind and versions), a repair of the same key a row of its own, open ones counted.
 */
class MismatchRowsITCase {

    private static MismatchRecord record(String status, long repairVersion) {
        MismatchRecord m = new MismatchRecord();
        m.collection = "reviews";
        m.table = "reviews";
        m.key = "R-1";
        m.kind = MismatchRecord.DIFFERENT;
        m.differingColumns = "star_rating";
        m.sourceVersion = -2L; // unsigned: 18446744073709551614
        m.mysqlVersion = 7L;
        m.firstSeenMillis = 1_700_000_000_123L;
        m.status = status;
        m.repairVersion = repairVersion;
        m.detectedBy = "sweep";
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestTarget.class)
    void replaysAreStoredOnceAndOpenOnesCounted(TestTarget target) throws Exception {
        String url = target.newDatabase("mismatch_rows");
        TargetDialect dialect = TargetDialect.of(target.type());
        try (Connection c = TestTarget.connect(url)) {
            assertThat(MismatchRows.countOpen(c, dialect)).isZero(); // no table yet
            MismatchRows.create(c, dialect);
            MismatchRows.create(c, dialect);
            try (PreparedStatement ps = c.prepareStatement(dialect.mismatchInsert())) {
                for (MismatchRecord m :
                        List.of(
                                record(MismatchRecord.OPEN, -1),
                                record(MismatchRecord.OPEN, -1),
                                record(MismatchRecord.REPAIRED, 9),
                                record(MismatchRecord.REPAIRED, 9))) {
                    MismatchRows.bind(ps, m);
                    ps.executeUpdate();
                }
            }
            List<String> rows = new ArrayList<>();
            try (Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT doc_key, status, src_version, mysql_version,"
                                            + " repair_version, first_seen, dedup FROM "
                                            + MismatchRows.TABLE
                                            + " ORDER BY id")) {
                while (rs.next()) {
                    rows.add(
                            rs.getString(1)
                                    + " "
                                    + rs.getString(2)
                                    + " "
                                    + rs.getString(3)
                                    + " "
                                    + rs.getString(4)
                                    + " "
                                    + rs.getString(5)
                                    + " "
                                    + rs.getString(6)
                                    + " "
                                    + HexFormat.of().formatHex(rs.getBytes(7)));
                }
            }
            // MySQL joins with U+0000, PostgreSQL (whose text cannot hold it) with U+0001.
            String sep = target == TestTarget.POSTGRESQL ? "\u0001" : "\u0000";
            String base =
                    String.join(sep, "reviews", "R-1", "different", "18446744073709551614", "7");
            assertThat(rows)
                    .containsExactly(
                            "R-1 open 18446744073709551614 7 null 2023-11-14 22:13:20.123 "
                                    + sha256(base),
                            "R-1 repaired 18446744073709551614 7 9 2023-11-14 22:13:20.123 "
                                    + sha256(base + sep + "repaired" + sep + "9"));
            assertThat(MismatchRows.countOpen(c, dialect)).isEqualTo(1);
        }
    }

    /** A MySQL table of a version before repairs gets the repair columns, rows kept. */
    @Test
    void anOlderMySqlTableIsUpgraded() throws Exception {
        String url = TestTarget.MYSQL.newDatabase("mismatch_old");
        try (Connection c = TestTarget.connect(url);
                Statement st = c.createStatement()) {
            st.execute(
                    MismatchRows.DDL
                            .replace(MismatchRows.REPAIR_VERSION_DDL + ",", "")
                            .replace(MismatchRows.NOTE_DDL + ",", ""));
            MismatchRows.create(c, MySqlDialect.INSTANCE);
            try (PreparedStatement ps = c.prepareStatement(MismatchRows.INSERT)) {
                MismatchRows.bind(ps, record(MismatchRecord.REPAIRED, 9));
                ps.executeUpdate();
            }
            try (ResultSet rs =
                    st.executeQuery("SELECT repair_version FROM " + MismatchRows.TABLE)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("9");
            }
        }
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of()
                .formatHex(
                        MessageDigest.getInstance("SHA-256")
                                .digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
