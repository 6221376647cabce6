package io.dbtransfer.reconcile;

import io.dbtransfer.hashing.Hash128;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.model.RoutingKey;

import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Under which routing key a sweep judges a MySQL key text: the one of the {@code _id} type the
 * source uses, so a row of an integer {@code _id} under a text key column is not taken for an extra
 * row of the string {@code _id} with the same text.
 */
class SweepOwnerTest {

    private static final ColumnType TEXT = ColumnType.varchar(255);

    /** A subtask that owns every key and holds state for {@code withState}. */
    private static Sweep.Env env(String... withState) {
        Map<String, KeyState> state = new HashMap<>();
        for (String k : withState) {
            state.put(k, new KeyState(1, new Hash128(1, 1), (byte) 0));
        }
        return new Sweep.Env() {
            @Override
            public List<Sweep.StateKey> stateKeys(int keyGroup, String after, int n) {
                return List.of();
            }

            @Override
            public boolean owns(String routingKey) {
                return true;
            }

            @Override
            public KeyState state(String routingKey) {
                return state.get(routingKey);
            }

            @Override
            public void suspect(String routingKey) {}

            @Override
            public Set<String> inSource(String collection, List<String> routingKeys) {
                return Set.of(); // owner() does not ask the source
            }
        };
    }

    private static String int32(long v) {
        return RoutingKey.of("c", CanonicalValues.canonicalJson(new BsonInt32((int) v)));
    }

    private static String int64(long v) {
        return RoutingKey.of("c", CanonicalValues.canonicalJson(new BsonInt64(v)));
    }

    private static String string(String v) {
        return RoutingKey.of("c", CanonicalValues.canonicalJson(new BsonString(v)));
    }

    @Test
    void anIntegerIdUnderATextKeyColumnIsJudgedAsTheIntegerTheSourceUses() throws Exception {
        assertThat(Sweep.owner(env(int32(50)), "c", "50", TEXT, Set.of("int32")))
                .isEqualTo(int32(50));
        assertThat(Sweep.owner(env(int64(50)), "c", "50", TEXT, Set.of("int64")))
                .isEqualTo(int64(50));
        // A row the job holds no state for is still claimed in the type the source uses.
        assertThat(Sweep.owner(env(), "c", "51", TEXT, Set.of("int32"))).isEqualTo(int32(51));
    }

    @Test
    void aStringIdThatLooksLikeANumberStaysAString() throws Exception {
        assertThat(Sweep.owner(env(string("50")), "c", "50", TEXT, Set.of("string")))
                .isEqualTo(string("50"));
        assertThat(Sweep.owner(env(), "c", "50", TEXT, Set.of("string"))).isEqualTo(string("50"));
        assertThat(Sweep.owner(env(), "c", "050", TEXT, Set.of("int32")))
                .as("not an integer's text")
                .isEqualTo(string("050"));
        assertThat(Sweep.owner(env(), "c", "abc", TEXT, Set.of("int32"))).isEqualTo(string("abc"));
    }

    @Test
    void withBothTypesTheOneWithStateWins() throws Exception {
        assertThat(Sweep.owner(env(int32(7)), "c", "7", TEXT, Set.of("int32", "string")))
                .isEqualTo(int32(7));
        assertThat(Sweep.owner(env(string("7")), "c", "7", TEXT, Set.of("int32", "string")))
                .isEqualTo(string("7"));
    }
}
