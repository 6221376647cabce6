package io.dbtransfer.reverse;

import io.dbtransfer.mapping.ColumnType;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.MappingParser;
import io.dbtransfer.mapping.TableSpec;

import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which document a binlog row belongs to, the {@code _id} a key text stands for, the settings. */
class ReverseRoutingTest {

    static final TableSpec ORDERS =
            MappingParser.parseTable(
                    "orders",
                    Map.of(
                            "arrays",
                            Map.of(
                                    "items",
                                    Map.of(
                                            "columns",
                                            Map.of("sku", "VARCHAR(32)"),
                                            "arrays",
                                            Map.of("parts", "VARCHAR(10)")))));

    @Test
    void everyMappedTableRoutesToItsParentAndCollection() {
        ReverseRouting r = new ReverseRouting(new Mapping(Map.of("orders", ORDERS)));
        assertThat(r.tables()).containsExactly("orders", "orders_items", "orders_items_parts");
        for (String t : r.tables()) {
            assertThat(r.route(t).collection()).isEqualTo("orders");
            assertThat(r.route(t).parent()).isSameAs(ORDERS);
            assertThat(r.route(t).keyColumn()).isEqualTo("_id");
        }
        assertThat(r.route("orders_items").table().name).isEqualTo("orders_items");
        assertThat(r.route("other")).isNull();
        assertThat(r.collection("orders").table()).isSameAs(ORDERS);
    }

    @Test
    void keyTextIsWhatTheForwardSinkWrote() {
        assertThat(ReverseRouting.keyText("abc")).isEqualTo("abc");
        assertThat(ReverseRouting.keyText(42)).isEqualTo("42");
        assertThat(ReverseRouting.keyText(42L)).isEqualTo("42");
        assertThat(ReverseRouting.keyText(new byte[] {1, (byte) 0xab})).isEqualTo("01ab");
        assertThat(ReverseRouting.keyText(ByteBuffer.wrap(new byte[] {(byte) 0xff})))
                .isEqualTo("ff");
        assertThat(ReverseRouting.keyText(null)).isNull();
    }

    @Test
    void idCandidatesPutTheMostLikelyTypeFirst() {
        String hex = "5f43a1b2c3d4e5f601234567";
        assertThat(ReverseRouting.idCandidates("c", hex, ColumnType.varchar(64)))
                .startsWith(new BsonObjectId(new ObjectId(hex)), new BsonString(hex));
        assertThat(ReverseRouting.idCandidates("c", "abc", ColumnType.varchar(64)))
                .containsExactly(new BsonString("abc"));
        assertThat(ReverseRouting.idCandidates("c", "7", ColumnType.varchar(64)))
                .containsExactly(new BsonString("7"), new BsonInt32(7), new BsonInt64(7));
        assertThat(ReverseRouting.idCandidates("c", "7", ColumnType.of(ColumnType.Kind.BIGINT)))
                .containsExactly(new BsonInt32(7), new BsonInt64(7));
        assertThat(ReverseRouting.idCandidates("c", "x", ColumnType.of(ColumnType.Kind.INT)))
                .isEmpty();
    }

    @Test
    void eventsOfOneTransactionShareItsKey() {
        ReverseEvent a = ReverseEvent.row("orders", "u", "1", "mysql-bin.000001", 300, "t");
        ReverseEvent b = ReverseEvent.row("orders_items", "c", "1", "mysql-bin.000001", 300, "t");
        ReverseEvent c = ReverseEvent.row("orders", "u", "1", "mysql-bin.000001", 900, "t2");
        assertThat(a.transactionKey())
                .isEqualTo(b.transactionKey())
                .isNotEqualTo(c.transactionKey());
        assertThat(ReverseEvent.marker(3, "mysql-bin.000002", 4, null).isMarker()).isTrue();
        assertThat(a.isMarker()).isFalse();
    }

    @Test
    void settingsNameTheSettingTheCauseAndTheFix() {
        ReverseSettings.Builder ok =
                ReverseSettings.builder()
                        .mysqlJdbcUrl("jdbc:mysql://db.example:3307/shop?useSSL=false")
                        .mysqlUser("cdc")
                        .mysqlPassword("pw")
                        .mysqlDatabase("shop")
                        .mongoUri("mongodb://m/")
                        .mongoDatabase("shop")
                        .mapping(new Mapping(Map.of("orders", ORDERS)))
                        .startAt(BinlogPosition.parse("mysql-bin.000003:1234"));
        ReverseSettings s = ok.build();
        assertThat(s.mysqlHost()).isEqualTo("db.example");
        assertThat(s.mysqlPort()).isEqualTo(3307);
        assertThat(s.serverId()).isEqualTo(ReverseSettings.DEFAULT_SERVER_ID);
        assertThat(s.checkpointInterval()).isEqualTo(ReverseSettings.DEFAULT_CHECKPOINT_INTERVAL);

        assertThatThrownBy(() -> ok.mysqlJdbcUrl("jdbc:postgresql://h/db").build())
                .hasMessageStartingWith("mysqlJdbcUrl:")
                .hasMessageContaining("jdbc:mysql://");
        ok.mysqlJdbcUrl("jdbc:mariadb://h/shop");
        assertThat(ok.build().mysqlPort()).isEqualTo(3306);
        assertThatThrownBy(() -> ok.startAt(null).build())
                .hasMessageStartingWith("startAt:")
                .hasMessageContaining("cutover");
        ok.startAt(BinlogPosition.parse("mysql-bin.000003:1234"));
        assertThatThrownBy(() -> ok.serverId("abc").build())
                .hasMessageStartingWith("serverId:")
                .hasMessageContaining("5400-5410");
        ok.serverId("5400");
        assertThatThrownBy(() -> ok.checkpointInterval(Duration.ZERO).build())
                .hasMessageStartingWith("checkpointInterval:");
        ok.checkpointInterval(Duration.ofSeconds(1));
        assertThatThrownBy(() -> ok.mapping(new Mapping(Map.of())).build())
                .hasMessageStartingWith("mapping:");
        ok.mapping(new Mapping(Map.of("orders", ORDERS)));
        assertThatThrownBy(() -> ok.mysqlUser(" ").build())
                .hasMessageStartingWith("mysqlUser is not set")
                .hasMessageContaining("REPLICATION SLAVE");
    }
}
