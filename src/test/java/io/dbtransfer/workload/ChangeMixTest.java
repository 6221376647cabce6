package io.dbtransfer.workload;

import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --mix} parsing, its errors, and picking operations in proportion. */
class ChangeMixTest {

    @Test
    void parsesSharesAndDefaultsUnnamedOpsToZero() {
        assertThat(ChangeMix.parse("insert:40,update:40,replace:5,delete:15"))
                .isEqualTo(ChangeMix.DEFAULT);
        assertThat(ChangeMix.parse(" Update : 70% , delete:30 "))
                .isEqualTo(new ChangeMix(0, 70, 0, 30));
        assertThat(ChangeMix.parse(ChangeMix.DEFAULT.toString())).isEqualTo(ChangeMix.DEFAULT);
    }

    @Test
    void badSpecificationsSayWhatIsWrong() {
        assertThatThrownBy(() -> ChangeMix.parse("insert:40,upsert:60"))
                .hasMessageContaining("unknown operation 'upsert'");
        assertThatThrownBy(() -> ChangeMix.parse("insert:40,update:40"))
                .hasMessageContaining("add up to 80, not 100");
        assertThatThrownBy(() -> ChangeMix.parse("insert:110,delete:-10"))
                .hasMessageContaining("share of delete is negative (-10)");
        assertThatThrownBy(() -> ChangeMix.parse("insert:forty,update:60"))
                .hasMessageContaining("share of insert is not a whole number: 'forty'");
        assertThatThrownBy(() -> ChangeMix.parse("insert:50,insert:50"))
                .hasMessageContaining("insert is given twice");
        assertThatThrownBy(() -> ChangeMix.parse("insert=100"))
                .hasMessageContaining("'insert=100' is not op:percent");
        assertThatThrownBy(() -> ChangeMix.parse(" ")).hasMessageContaining("no shares given");
    }

    @Test
    void picksInProportionAmongThePossibleOperations() {
        Random r = new Random(1);
        Map<ChangeMix.Op, Integer> counts = new EnumMap<>(ChangeMix.Op.class);
        for (int i = 0; i < 100_000; i++) {
            counts.merge(ChangeMix.DEFAULT.pick(r.nextDouble(), true, true), 1, Integer::sum);
        }
        assertThat(counts.get(ChangeMix.Op.INSERT)).isBetween(39_000, 41_000);
        assertThat(counts.get(ChangeMix.Op.UPDATE)).isBetween(39_000, 41_000);
        assertThat(counts.get(ChangeMix.Op.REPLACE)).isBetween(4_500, 5_500);
        assertThat(counts.get(ChangeMix.Op.DELETE)).isBetween(14_000, 16_000);

        // Nothing to insert: the other shares are scaled up; nothing to change: only inserts.
        assertThat(ChangeMix.DEFAULT.pick(0.0, false, true)).isEqualTo(ChangeMix.Op.UPDATE);
        assertThat(ChangeMix.DEFAULT.pick(0.999, false, true)).isEqualTo(ChangeMix.Op.DELETE);
        assertThat(ChangeMix.DEFAULT.pick(0.999, true, false)).isEqualTo(ChangeMix.Op.INSERT);
        assertThat(ChangeMix.DEFAULT.pick(0.5, false, false)).isNull();
        assertThat(new ChangeMix(100, 0, 0, 0).pick(0.5, false, true)).isNull();
    }
}
