package io.dbtransfer.cli;

import io.dbtransfer.config.ConfigException;

import java.util.Arrays;

/** Entry point of {@code bin/dbtransfer}: dispatches to a command. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        System.exit(exec(args, System.err));
    }

    /** Runs a command and returns its exit code; an error is explained on {@code err}: 2. */
    static int exec(String[] args, java.io.PrintStream err) {
        try {
            return run(args);
        } catch (ConfigException e) {
            err.println("dbtransfer: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("dbtransfer: " + describe(e));
            err.println("  (details in the log file: target/dbtransfer.log)");
            org.slf4j.LoggerFactory.getLogger(Main.class).error("Command failed", e);
            return 2;
        }
    }

    static int run(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            usage();
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "demo":
                return new DemoCommand(CliArgs.parse(rest)).run();
            case "migrate":
                return new MigrateCommand(rest).run();
            case "generate-reviews":
                return new GenerateReviewsCommand(CliArgs.parse(rest), System.out, System.err)
                        .run();
            case "load-reviews":
                return new LoadReviewsCommand(CliArgs.parse(rest), System.out, System.err).run();
            case "infer-mapping":
                return new InferMappingCommand(CliArgs.parse(rest), System.out).run();
            case "verify":
                return new VerifyCommand(rest, System.out, System.err).run();
            case "cutover":
                return new CutoverCommand(rest, System.out, System.err).run();
            case "simulate":
                return new SimulateCommand(CliArgs.parse(rest), System.out, System.err).run();
            case "benchmark":
                return benchmark(CliArgs.parse(rest));
            case "benchmark-verify":
                {
                    CliArgs a = CliArgs.parse(rest);
                    a.requireKnown(java.util.Set.of("docs", "chunk-size", "verify-heap", "out"));
                    return new io.dbtransfer.bench.VerifyBenchmark(
                                    (int) a.getLong("docs", 50_000, 1000, 50_000_000),
                                    (int) a.getLong("chunk-size", 1000, 1, 1_000_000),
                                    a.get("verify-heap", "256m"),
                                    a.get("out", null) == null
                                            ? null
                                            : java.nio.file.Path.of(a.get("out", null)))
                            .run();
                }
            case "benchmark-sweep":
                {
                    CliArgs a = CliArgs.parse(rest);
                    a.requireKnown(java.util.Set.of("docs", "heap", "page-size", "out"));
                    return new io.dbtransfer.bench.SweepBenchmark(
                                    (int) a.getLong("docs", 1_000_000, 1000, 50_000_000),
                                    a.get("heap", "1g"),
                                    (int) a.getLong("page-size", 1000, 1, 1_000_000),
                                    a.get("out", null) == null
                                            ? null
                                            : java.nio.file.Path.of(a.get("out", null)))
                            .run();
                }
            default:
                System.err.println("dbtransfer: unknown command '" + args[0] + "'");
                usage();
                return 2;
        }
    }

    private static int benchmark(CliArgs a) throws Exception {
        a.requireKnown(
                java.util.Set.of(
                        "docs",
                        "live-rate",
                        "live-seconds",
                        "variant-live-seconds",
                        "out",
                        "no-tradeoffs"));
        return new io.dbtransfer.bench.BenchmarkCommand(
                        (int) a.getLong("docs", 50_000, 1000, 50_000_000),
                        a.getDouble("live-rate", 1000, 1),
                        java.time.Duration.ofSeconds(a.getLong("live-seconds", 60, 0, 86_400)),
                        java.time.Duration.ofSeconds(
                                a.getLong("variant-live-seconds", 10, 0, 86_400)),
                        a.get("out", null) == null
                                ? null
                                : java.nio.file.Path.of(a.get("out", null)),
                        !a.flag("no-tradeoffs"))
                .run();
    }

    private static void usage() {
        System.out.println(
                "Usage: bin/dbtransfer <command> [options]\n"
                        + "  demo      embedded MongoDB emulator + MariaDB, live writes, consistency"
                        + " report\n"
                        + "            [--docs N] [--live-rate R] [--live-changes M] [--load"
                        + " FILE.jsonl]\n"
                        + "            [--delivery exactly-once|idempotent] [--parallelism P]\n"
                        + "            [--report PATH] [--timeout SECONDS] [--keep-running]"
                        + " [--repair]\n"
                        + "  migrate   the job in a local Flink MiniCluster against real servers\n"
                        + "            --config job.yaml | --mongo-uri URI --database DB"
                        + " --collection C --mysql-url URL\n"
                        + "            [--set key=value]… [--checkpoint-dir DIR]"
                        + " [--from-savepoint PATH]\n"
                        + "  verify    compare MongoDB and MySQL through the mapping, independent of"
                        + " the job\n"
                        + "            --config job.yaml | --mongo-uri URI --database DB"
                        + " --mysql-url URL\n"
                        + "            [--report PATH] [--chunk-size 1000]"
                        + " [--recheck-delay-ms 2000]; exit 0 consistent, 1 not, 2 error\n"
                        + "  cutover   wait until the source is quiet (or a time is covered),"
                        + " drain, final sweep,\n"
                        + "            write a consistency certificate (JSON + summary)\n"
                        + "            --config job.yaml | --mongo-uri URI --database DB"
                        + " --mysql-url URL\n"
                        + "            [--quiet-for 30s | --covered-until 2026-11-25T17:00:00Z]"
                        + " [--timeout 30m] [--settle 3s]\n"
                        + "            [--out dbtransfer-cutover-certificate.json]"
                        + " [--allow-dead-letters] [--chunk-size 1000]\n"
                        + "            [--recheck-delay-ms 2000]; exit 0 consistent, 1 not,"
                        + " 2 error\n"
                        + "  generate-reviews  a deterministic Amazon-reviews-shaped TSV\n"
                        + "            --rows N --out FILE.tsv[.gz] [--seed S]\n"
                        + "  load-reviews      an Amazon reviews TSV into MongoDB as nested"
                        + " documents\n"
                        + "            --tsv FILE[.gz] --mongo-uri URI [--database reviews]"
                        + " [--collection reviews]\n"
                        + "            [--hold-back P%] [--hold-back-file FILE.jsonl]"
                        + " [--rejects FILE.tsv] [--batch 1000]\n"
                        + "            exit 1 if any line was rejected (all are listed with"
                        + " line and reason)\n"
                        + "  infer-mapping     field paths, types and a proposed mapping + DDL\n"
                        + "            --mongo-uri URI --database DB --collection C"
                        + " [--sample N|all] [--out mapping.yaml]\n"
                        + "  simulate  live inserts/updates/replaces/deletes on a review"
                        + " collection, logged\n"
                        + "            --mongo-uri URI --rate R --duration D|--changes N"
                        + " [--database reviews]\n"
                        + "            [--collection reviews]"
                        + " [--mix insert:40,update:40,replace:5,delete:15]\n"
                        + "            [--hold-back-file FILE.jsonl] [--log changes.jsonl]"
                        + " [--seed S]\n"
                        + "  benchmark ceilings, closed-DB baseline, live migration, trade-off"
                        + " table (embedded servers)\n"
                        + "            [--docs 50000] [--live-rate 1000] [--live-seconds 60]"
                        + " [--variant-live-seconds 10]\n"
                        + "            [--out benchmarks/results/DATE.md] [--no-tradeoffs]\n"
                        + "  benchmark-sweep reconcile sweeps over N documents, TaskManager heap"
                        + " capped\n"
                        + "            [--docs 1000000] [--heap 1g] [--page-size 1000] [--out FILE.md]");
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
