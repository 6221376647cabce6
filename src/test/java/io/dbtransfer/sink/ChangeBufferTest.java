package io.dbtransfer.sink;

import io.dbtransfer.model.RowChange;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.dbtransfer.sink.SinkFixtures.delete;
import static io.dbtransfer.sink.SinkFixtures.upsert;
import static org.assertj.core.api.Assertions.assertThat;

/** Collapsing in {@link ChangeBuffer}. */
class ChangeBufferTest {

    @Test
    void keepsTheHighestVersionPerKeyAndTheLaterOneOnATie() {
        ChangeBuffer buffer = new ChangeBuffer();
        RowChange a3 = upsert("a", 3, 1, 1);
        RowChange aTie = upsert("a", 3, 2, 2);
        RowChange b1 = delete("b", -1); // unsigned: the largest version there is
        assertThat(buffer.add(upsert("a", 1, 0, 0))).isFalse();
        assertThat(buffer.add(a3)).isTrue();
        assertThat(buffer.add(upsert("a", 2, 0, 3))).isTrue();
        assertThat(buffer.add(aTie)).isTrue();
        buffer.add(b1);
        buffer.add(upsert("b", 5, 0, 4));
        assertThat(buffer.size()).isEqualTo(2);
        assertThat(buffer.addedSinceDrain()).isEqualTo(6);
        assertThat(buffer.drain(id -> false)).containsExactly(aTie, b1);
        assertThat(buffer.isEmpty()).isTrue();
        assertThat(buffer.addedSinceDrain()).isZero();
    }

    @Test
    void aChangeThatSupersedesARepairIsAppliedAsARepair() {
        ChangeBuffer buffer = new ChangeBuffer();
        RowChange repair = upsert("a", 3, 1, 1);
        repair.repair = true;
        RowChange later = delete("a", 4);
        buffer.add(repair);
        buffer.add(later);
        buffer.add(upsert("b", 1, 0, 0));
        RowChange older = upsert("b", 0, 0, 0);
        buffer.add(older);
        List<RowChange> drained = buffer.drain(id -> false);
        assertThat(drained).hasSize(2);
        assertThat(drained.get(0).repair).as("took the repair's duty over").isTrue();
        assertThat(drained.get(0).delete).isTrue();
        assertThat(drained.get(0).version).isEqualTo(4);
        assertThat(later.repair).as("the input is not changed").isFalse();
        assertThat(drained.get(1).repair).isFalse();
    }

    @Test
    void drainLeavesHeldKeysBehind() {
        ChangeBuffer buffer = new ChangeBuffer();
        RowChange a = upsert("a", 1, 0, 0);
        RowChange b = upsert("b", 1, 0, 0);
        buffer.add(a);
        buffer.add(b);
        List<RowChange> out = buffer.drain(ChangeBuffer.lockKey(b)::equals);
        assertThat(out).containsExactly(a);
        assertThat(buffer.contents()).containsExactly(b);
    }

    @Test
    void collidingDocumentsStayTwoChangesButAreHeldByOneRowLock() {
        ChangeBuffer buffer = new ChangeBuffer();
        RowChange number = upsert("5", 2, 0, 0);
        number.key = "{\"$numberInt\": \"5\"}";
        RowChange text = upsert("5", 1, 0, 1);
        text.key = "\"5\"";
        RowChange other = upsert("6", 1, 0, 2);
        buffer.add(number);
        buffer.add(text);
        buffer.add(other);
        // Two documents: neither collapses into the other (the sink decides who owns the row).
        assertThat(buffer.size()).isEqualTo(3);
        // A branch still holding row '5' locked holds both back.
        assertThat(buffer.drain(ChangeBuffer.lockKey(number)::equals)).containsExactly(other);
        assertThat(buffer.contents()).containsExactly(number, text);
    }
}
