package io.dbtransfer.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The command line of {@code bin/dbtransfer} (no servers): help with options and exit codes on
 * every command, {@code --x=y}, suggestions for typos with exit 2, the one duration syntax.
 */
class CommandLineTest {

    /** Exit code and output of {@link Main#exec}. */
    record Run(int exit, String out, String err) {}

    private static Run exec(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit =
                Main.exec(
                        args,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(
                exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static List<String> commands() {
        List<String> names =
                new ArrayList<>(Main.commandLine(System.out, System.err).getSubcommands().keySet());
        names.remove("help");
        return names;
    }

    @Test
    void everyExistingCommandIsThere() {
        assertThat(commands())
                .containsExactlyInAnyOrder(
                        "demo",
                        "migrate",
                        "verify",
                        "cutover",
                        "reverse",
                        "status",
                        "infer-mapping",
                        "generate-reviews",
                        "load-reviews",
                        "simulate",
                        "benchmark",
                        "benchmark-verify",
                        "benchmark-sweep");
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandAnswersHelpWithItsOptionsAndExitCodes(String command) {
        Run r = exec(command, "--help");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Usage: dbtransfer " + command).contains("Exit codes:");
        CommandLine cl = Main.commandLine(System.out, System.err).getSubcommands().get(command);
        for (String code : cl.getCommandSpec().usageMessage().exitCodeList().keySet()) {
            assertThat(r.out()).contains(code.trim());
        }
        assertThat(cl.getCommandSpec().usageMessage().exitCodeList()).containsKey("2");
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (!o.hidden()) {
                assertThat(r.out()).as(command).contains(o.longestName());
            }
        }
        assertThat(exec("help", command).out()).isEqualTo(r.out());
    }

    @Test
    void topLevelHelpListsEveryCommandAndNoCommandIsExit2() {
        Run r = exec("--help");
        assertThat(r.exit()).isZero();
        for (String c : commands()) {
            assertThat(r.out()).contains(c);
        }
        assertThat(exec().exit()).isEqualTo(2);
    }

    @Test
    void optionsTakeEqualsOrASeparateValue() {
        VerifyCommand spaced =
                new VerifyCommand(
                        new String[] {"--chunk-size", "7", "--recheck-delay", "250ms"},
                        System.out,
                        System.err);
        VerifyCommand equals =
                new VerifyCommand(
                        new String[] {"--chunk-size=7", "--recheck-delay=250ms", "--config=j.yaml"},
                        System.out,
                        System.err);
        assertThat(equals.chunk).isEqualTo(spaced.chunk).isEqualTo(7);
        assertThat(equals.recheckDelay)
                .isEqualTo(spaced.recheckDelay)
                .isEqualTo(Duration.ofMillis(250));
        assertThat(equals.job.config).isEqualTo(Path.of("j.yaml"));
        // The former millisecond option still works.
        assertThat(
                        new VerifyCommand(
                                        new String[] {"--recheck-delay-ms=1500"},
                                        System.out,
                                        System.err)
                                .recheckDelay)
                .isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void anUnknownOptionOrCommandGetsASuggestionAndExit2() {
        Run option = exec("verify", "--chunk-sise", "5");
        assertThat(option.exit()).isEqualTo(2);
        assertThat(option.err())
                .contains("dbtransfer: Unknown options: '--chunk-sise', '5'")
                .contains("Possible solutions: --chunk-size")
                .contains("Try 'bin/dbtransfer verify --help' for the options.");
        Run command = exec("verfy");
        assertThat(command.exit()).isEqualTo(2);
        assertThat(command.err())
                .contains("Unmatched argument at index 0: 'verfy'")
                .contains("verify");
    }

    @Test
    void aBareNumberForADurationIsRefusedWithTheSyntax() {
        Run r = exec("demo", "--timeout", "300");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .contains("Invalid value for option '--timeout': '300' is not a duration")
                .contains("250ms, 30s, 5m or 1h")
                .contains("a bare number has no unit");
    }

    @Test
    void durationsParseInEveryUnit() {
        assertThat(DurationConverter.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(DurationConverter.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(DurationConverter.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(DurationConverter.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(DurationConverter.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(DurationConverter.parse(" 2 s ")).isEqualTo(Duration.ofSeconds(2));
        for (String bad : new String[] {"300", "soon", "5 minutes", "-1s", "1d", ""}) {
            assertThatThrownBy(() -> DurationConverter.parse(bad))
                    .as(bad)
                    .isInstanceOf(CommandLine.TypeConversionException.class)
                    .hasMessageContaining("is not a duration: give a number with a unit");
        }
        assertThat(DurationConverter.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(DurationConverter.format(Duration.ofMinutes(30))).isEqualTo("30m");
        assertThat(DurationConverter.format(Duration.ofSeconds(90))).isEqualTo("90s");
    }

    @Test
    void defaultsUnderTargetLandInTheCheckout() {
        String before = System.getProperty(Main.HOME_PROPERTY);
        try {
            System.setProperty(Main.HOME_PROPERTY, "/opt/dbtransfer");
            assertThat(Main.inHome("target/demo"))
                    .isEqualTo(Path.of("/opt/dbtransfer/target/demo"));
            System.clearProperty(Main.HOME_PROPERTY);
            assertThat(Main.inHome("target/demo")).isEqualTo(Path.of("target/demo"));
        } finally {
            if (before != null) {
                System.setProperty(Main.HOME_PROPERTY, before);
            }
        }
    }
}
