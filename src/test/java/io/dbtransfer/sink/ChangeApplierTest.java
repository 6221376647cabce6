package io.dbtransfer.sink;

import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.model.RowChange;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.dbtransfer.sink.SinkFixtures.MAPPING;
import static io.dbtransfer.sink.SinkFixtures.upsert;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Changes that do not fit the mapping fail before any SQL runs, naming table and key. */
class ChangeApplierTest {

    @Test
    void changesThatDoNotFitTheMappingAreRejectedBeforeMySql() {
        ChangeApplier applier = new ChangeApplier(MAPPING);
        RowChange unknown = upsert("a", 1, 0, 0);
        unknown.table = "nope";
        assertThatThrownBy(() -> applier.validate(unknown))
                .hasMessageContaining("table nope")
                .hasMessageContaining("mapped: [items]");
        RowChange narrow = upsert("a", 1, 0, 0);
        narrow.parent = new String[] {"a"};
        assertThatThrownBy(() -> applier.validate(narrow))
                .hasMessageContaining("key a")
                .hasMessageContaining("expected 9");
        RowChange foreignChild = upsert("a", 1, 1, 0);
        foreignChild.children[0].rows[0][0] = "b";
        assertThatThrownBy(() -> applier.validate(foreignChild))
                .hasMessageContaining("does not start with the document key");
        assertThatThrownBy(
                        () ->
                                MySqlChangeSink.builder()
                                        .options(
                                                SinkOptions.builder()
                                                        .jdbcUrl("jdbc:mysql://h/d")
                                                        .build())
                                        .mapping(new Mapping(Map.of()))
                                        .build())
                .hasMessageContaining("no tables");
    }
}
