package io.dbtransfer.cli;

import io.dbtransfer.config.ConfigException;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --flag} command-line options. */
final class CliArgs {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    static CliArgs parse(String[] args) {
        CliArgs a = new CliArgs();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new ConfigException("Unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                a.values.put(name, args[++i]);
            } else {
                a.flags.add(name);
            }
        }
        return a;
    }

    /** The value of {@code --name}; a clear error if it is missing or has no value. */
    String require(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new ConfigException(
                    "--" + name + (flags.contains(name) ? " needs a value" : " is required"));
        }
        return v;
    }

    /** Whether {@code --name} was given, with or without a value. */
    boolean has(String name) {
        return values.containsKey(name) || flags.contains(name);
    }

    /**
     * A duration such as {@code 60s}, {@code 500ms}, {@code 5m}, {@code 1h} or {@code 90}
     * (seconds).
     */
    java.time.Duration getDuration(String name, java.time.Duration def) {
        String v = values.get(name);
        if (v == null) {
            if (flags.contains(name)) {
                throw new ConfigException("--" + name + " needs a value such as 60s");
            }
            return def;
        }
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?")
                        .matcher(v.trim());
        if (!m.matches()) {
            throw new ConfigException(
                    "--" + name + " needs a duration such as 60s, 5m or 500ms, got '" + v + "'");
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis =
                amount
                        * switch (unit) {
                            case "ms" -> 1;
                            case "m" -> 60_000;
                            case "h" -> 3_600_000;
                            default -> 1000;
                        };
        if (millis < 1) {
            throw new ConfigException("--" + name + " must be at least 1ms, got '" + v + "'");
        }
        return java.time.Duration.ofMillis((long) millis);
    }

    String get(String name, String def) {
        return values.getOrDefault(name, def);
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    long getLong(String name, long def, long min, long max) {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            long n = Long.parseLong(v.replace("_", ""));
            if (n < min || n > max) {
                throw new ConfigException(
                        "--" + name + " must be between " + min + " and " + max + ", got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException("--" + name + " needs a whole number, got '" + v + "'");
        }
    }

    double getDouble(String name, double def, double min) {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            double d = Double.parseDouble(v);
            if (d < min) {
                throw new ConfigException("--" + name + " must be at least " + min + ", got " + v);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new ConfigException("--" + name + " needs a number, got '" + v + "'");
        }
    }

    void requireKnown(Set<String> known) {
        for (String k : values.keySet()) {
            check(k, known);
        }
        for (String k : flags) {
            check(k, known);
        }
    }

    private static void check(String k, Set<String> known) {
        if (!known.contains(k)) {
            throw new ConfigException(
                    "Unknown option --"
                            + k
                            + "; known options: --"
                            + String.join(", --", new java.util.TreeSet<>(known)));
        }
    }
}
