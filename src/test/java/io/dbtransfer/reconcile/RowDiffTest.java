package io.dbtransfer.reconcile;

import io.dbtransfer.model.ChildRows;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.dbtransfer.reconcile.ReconcileOperatorITCase.T;
import static org.assertj.core.api.Assertions.assertThat;

/** Naming what differs between the source's rows of a document and MySQL's. */
class RowDiffTest {

    static final String[] PARENT = {
        "k1", "1.50", "2024-03-01 10:11:12.345", "{\"z\": 1, \"a\": [1, 2.5]}", "name"
    };

    static ChildRows[] tags(String... values) {
        String[][] rows = new String[values.length][];
        for (int i = 0; i < values.length; i++) {
            rows[i] = new String[] {"k1", Integer.toString(i), values[i]};
        }
        return new ChildRows[] {new ChildRows("t_tags", rows)};
    }

    static Map<String, List<String[]>> mysqlTags(String... values) {
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            rows.add(new String[] {"k1", Integer.toString(i), values[i]});
        }
        return Map.of("t_tags", rows);
    }

    @Test
    void equalRowsInOtherSpellingsDoNotDiffer() {
        String[] spelled = {
            "k1", "1.5", "2024-03-01T10:11:12.345", "{\"a\":[1,2.5],\"z\":1}", "name"
        };
        assertThat(RowDiff.describe(T, PARENT, tags("a", "b"), spelled, mysqlTags("a", "b"), false))
                .isEmpty();
    }

    @Test
    void namesParentColumnsTheVersionAndChildRowDifferences() {
        String[] changed = PARENT.clone();
        changed[1] = "2.50";
        changed[4] = null;
        assertThat(RowDiff.describe(T, PARENT, tags("a"), changed, mysqlTags("a"), false))
                .isEqualTo("price,name");
        assertThat(RowDiff.describe(T, PARENT, tags("a"), PARENT, mysqlTags("a"), true))
                .isEqualTo("_src_version");
        assertThat(RowDiff.describe(T, PARENT, tags("a", "b"), PARENT, mysqlTags("a"), false))
                .isEqualTo("child table t_tags: 1 row missing");
        assertThat(RowDiff.describe(T, PARENT, tags("a"), PARENT, mysqlTags("a", "b", "c"), false))
                .isEqualTo("child table t_tags: 2 rows extra");
        assertThat(RowDiff.describe(T, PARENT, tags("a", "b"), changed, mysqlTags("a", "x"), true))
                .isEqualTo("_src_version,price,name; child table t_tags: tag in 1 row");
        assertThat(RowDiff.describe(T, PARENT, tags("a"), null, mysqlTags(), false))
                .isEqualTo("parent row missing; child table t_tags: 1 row missing");
        assertThat(RowDiff.describe(T, null, null, PARENT, Map.of(), false))
                .isEqualTo("parent row extra");
    }
}
