package io.dbtransfer.reverse;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.util.Collector;

import java.util.Map;

/**
 * Turns Flink CDC's Debezium records into {@link ReverseEvent}s: the table, the operation, the
 * document key of the row ({@link ReverseRouting}), the transaction (its BEGIN position and id), or
 * the id of a marker row. Records of unmapped tables and records that are not row changes are
 * dropped.
 */
public final class BinlogEventDeserializer implements DebeziumDeserializationSchema<ReverseEvent> {
    private static final long serialVersionUID = 1L;

    private final ReverseRouting routing;

    public BinlogEventDeserializer(ReverseRouting routing) {
        this.routing = routing;
    }

    @Override
    public void deserialize(SourceRecord record, Collector<ReverseEvent> out) {
        if (!(record.value() instanceof Struct value)
                || value.schema().field("op") == null
                || value.schema().field("source") == null) {
            return; // schema change, heartbeat, transaction boundary: no row
        }
        String op = value.getString("op");
        Struct source = value.getStruct("source");
        String table = source.getString("table");
        Map<String, ?> offset = record.sourceOffset();
        String file = offset.get("file") == null ? null : String.valueOf(offset.get("file"));
        long position =
                offset.get("pos") instanceof Number n
                        ? n.longValue()
                        : source.getInt64("pos") == null ? 4 : source.getInt64("pos");
        if (file == null) {
            file = source.getString("file");
        }
        String txId = null;
        if (value.schema().field("transaction") != null) {
            Struct tx = value.getStruct("transaction");
            txId = tx == null ? null : tx.getString("id");
        }
        Struct row = value.getStruct("d".equals(op) ? "before" : "after");
        if (row == null) {
            return;
        }
        if (ReverseMarkers.TABLE.equals(table)) {
            if ("c".equals(op) || "r".equals(op)) {
                Object id = row.get("id");
                if (id instanceof Number n) {
                    out.collect(ReverseEvent.marker(n.longValue(), file, position, txId));
                }
            }
            return;
        }
        ReverseRouting.Route route = routing.route(table);
        if (route == null) {
            return;
        }
        String key = ReverseRouting.keyText(row.get(route.keyColumn()));
        out.collect(ReverseEvent.row(table, op, key, file, position, txId));
        if ("u".equals(op)) {
            // An update that moves a row to another document touches both documents.
            Struct before = value.getStruct("before");
            String oldKey =
                    before == null ? null : ReverseRouting.keyText(before.get(route.keyColumn()));
            if (oldKey != null && !oldKey.equals(key)) {
                out.collect(ReverseEvent.row(table, op, oldKey, file, position, txId));
            }
        }
    }

    @Override
    public TypeInformation<ReverseEvent> getProducedType() {
        return TypeInformation.of(ReverseEvent.class);
    }
}
