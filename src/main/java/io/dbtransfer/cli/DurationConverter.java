package io.dbtransfer.cli;

import picocli.CommandLine;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of every command: a number with a unit, {@code 250ms}, {@code 30s},
 * {@code 5m}, {@code 1h} (fractions allowed: {@code 1.5s}). A bare number is refused, since its
 * unit would be a guess.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    /** What the syntax looks like, for help texts and messages. */
    public static final String SYNTAX = "a number with a unit: 250ms, 30s, 5m or 1h";

    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    /** Parses {@code value}; a {@link CommandLine.TypeConversionException} names the syntax. */
    public static Duration parse(String value) {
        String v = value == null ? "" : value.trim();
        Matcher m = FORM.matcher(v);
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException(
                    "'"
                            + value
                            + "' is not a duration: give "
                            + SYNTAX
                            + (v.matches("\\d+(\\.\\d+)?") ? " (a bare number has no unit)" : ""));
        }
        double amount = Double.parseDouble(m.group(1));
        double millis =
                amount
                        * switch (m.group(2)) {
                            case "ms" -> 1;
                            case "m" -> 60_000;
                            case "h" -> 3_600_000;
                            default -> 1000;
                        };
        if (millis > Long.MAX_VALUE / 2) {
            throw new CommandLine.TypeConversionException("'" + value + "' is too long");
        }
        return Duration.ofMillis(Math.round(millis));
    }

    /**
     * The shortest exact text of {@code d} in this syntax ({@code 1500ms}, {@code 30s}, {@code
     * 5m}).
     */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
