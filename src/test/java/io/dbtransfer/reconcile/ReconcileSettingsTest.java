package io.dbtransfer.reconcile;

import io.dbtransfer.mapping.Mapping;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reconcile settings builder: defaults of the options, and messages naming the setting. */
class ReconcileSettingsTest {

    private static final Mapping NONE = new Mapping(Map.of());

    @Test
    void defaultsAreTheOptionsDefaults() {
        ReconcileSettings s = ReconcileSettings.builder("jdbc:mysql://x/db", NONE).build();
        assertThat(s.sweepPageSize).isEqualTo(1000);
        assertThat(s.repair).isFalse();
        assertThat(s.toBuilder().maxRechecks(7).build().maxRechecks).isEqualTo(7);
    }

    @Test
    void aWrongSettingIsNamed() {
        assertThatThrownBy(
                        () ->
                                ReconcileSettings.builder("jdbc:mysql://x/db", NONE)
                                        .sweepPaging(0, 10)
                                        .build())
                .hasMessageContaining("reconcile.sweep-page-size");
        assertThatThrownBy(
                        () ->
                                ReconcileSettings.builder("jdbc:mysql://x/db", NONE)
                                        .maxRechecks(-1)
                                        .build())
                .hasMessageContaining("reconcile.max-rechecks");
        assertThatThrownBy(
                        () ->
                                ReconcileSettings.builder("jdbc:mysql://x/db", NONE)
                                        .repair(true)
                                        .build())
                .hasMessageContaining("reconcile.repair needs mongo.uri");
        assertThatThrownBy(() -> ReconcileSettings.builder(null, NONE).build())
                .hasMessageContaining("mysql.url");
    }
}
