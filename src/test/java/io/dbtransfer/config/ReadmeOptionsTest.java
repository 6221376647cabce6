package io.dbtransfer.config;

import org.apache.flink.configuration.ConfigOption;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's configuration reference names every setting the job accepts. */
class ReadmeOptionsTest {

    @Test
    void everySettingIsDocumented() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (ConfigOption<?> option : JobOptions.ALL) {
            assertThat(readme).as(option.key()).contains("| `" + option.key() + "` |");
        }
    }
}
