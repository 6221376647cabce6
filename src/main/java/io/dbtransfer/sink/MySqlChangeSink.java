package io.dbtransfer.sink;

import io.dbtransfer.dialect.TargetDialect;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.mapping.TableSpec;
import io.dbtransfer.model.DeliveryGuarantee;
import io.dbtransfer.model.RowChange;

import org.apache.flink.api.connector.sink2.Sink;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Entry point of the change sink (MySQL / MariaDB or PostgreSQL, by the URL's scheme): {@code
 * MySqlChangeSink.builder().options(o).mapping(m) .build()} gives a {@link Sink} of {@link
 * RowChange}s for {@code DataStream#sinkTo}.
 *
 * <p>Feed it a stream keyed by {@link RowChange#routingKey()} so every change of one document
 * reaches the same subtask in order. See {@link DeliveryGuarantee} for the two modes.
 */
public final class MySqlChangeSink {

    private MySqlChangeSink() {}

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of the sink; options and mapping are required. */
    public static final class Builder {
        private SinkOptions options;
        private Mapping mapping;

        private Builder() {}

        public Builder options(SinkOptions options) {
            this.options = options;
            return this;
        }

        public Builder mapping(Mapping mapping) {
            this.mapping = mapping;
            return this;
        }

        /**
         * Builds the sink for the configured delivery guarantee.
         *
         * @throws IllegalArgumentException when the mapping yields SQL MySQL cannot run (e.g. names
         *     longer than 64 characters)
         */
        public Sink<RowChange> build() {
            Objects.requireNonNull(options, "options must be set");
            Objects.requireNonNull(mapping, "mapping must be set");
            if (mapping.tables().isEmpty()) {
                throw new IllegalArgumentException("The mapping has no tables");
            }
            TargetDialect dialect;
            try {
                dialect = TargetDialect.of(options.targetType());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("jdbcUrl: " + e.getMessage(), e);
            }
            // Generate every statement now so that naming problems surface at job build time.
            for (TableSpec t : mapping.tables()) {
                dialect.tableDdl(t);
            }
            new ChangeApplier(mapping, dialect);
            SinkOptions options = this.options;
            if (options.transactionalIdPrefix() == null) {
                List<String> tables = new ArrayList<>();
                for (TableSpec t : mapping.tables()) {
                    addNames(t, tables);
                }
                options =
                        options.toBuilder()
                                .transactionalIdPrefix(
                                        SinkOptions.derivedPrefix(options.jdbcUrl(), tables))
                                .build();
            }
            return options.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE
                    ? new ExactlyOnceMySqlSink(options, mapping)
                    : new IdempotentMySqlSink(options, mapping);
        }

        private static void addNames(TableSpec table, List<String> out) {
            out.add(table.name);
            for (TableSpec child : table.children) {
                addNames(child, out);
            }
        }
    }
}
