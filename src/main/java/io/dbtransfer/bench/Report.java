package io.dbtransfer.bench;

import org.apache.flink.runtime.util.EnvironmentInformation;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a benchmark run as Markdown tables and an SVG bar chart. */
final class Report {

    private Report() {}

    static String markdown(
            String commandLine,
            String emulatorWhere,
            int docs,
            Measurement load,
            Measurement source,
            Measurement normalize,
            Measurement insert,
            Measurement insertAfter,
            Measurement loadData,
            Map<String, Double> insertCpu,
            Map<String, Long> insertStatements,
            List<JobRun.Result> runs,
            PostgresColumn postgres,
            double liveRate,
            String chartFile,
            long totalMs) {
        StringBuilder md = new StringBuilder();
        md.append("# DBtransfer benchmark — ").append(java.time.LocalDate.now()).append("\n\n");
        md.append("Machine: ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores, ")
                .append(totalMemoryGb())
                .append(" GiB RAM; Java ")
                .append(System.getProperty("java.version"))
                .append("; Flink ")
                .append(EnvironmentInformation.getVersion())
                .append(
                        ", Flink CDC 3.5.0; source: DBtransfer's MongoDB emulator ("
                                + emulatorWhere
                                + "); target: embedded MariaDB 11.4. Everything (emulator, MariaDB, Flink"
                                + " MiniCluster) shares these cores, and every figure compared below was"
                                + " measured in this same run.\n\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "Data: %,d Amazon-review-shaped documents (nested, ~%.1f KB BSON each).%n%n",
                        docs,
                        source.bytes / 1024.0 / Math.max(1, source.items)));
        md.append("Command: `")
                .append(commandLine)
                .append("` (")
                .append(totalMs / 1000)
                .append(" s in all); ")
                .append(Provenance.describe())
                .append(".\n\n");

        md.append(
                "## Raw ceilings\n\nThe sink ceilings write the same parent and child rows the job writes"
                        + " for these documents (items = documents; MySQL rows in brackets).\n\n"
                        + "| what | items | seconds | items/s | MB/s |\n|---|---:|---:|---:|---:|\n");
        for (Measurement m : List.of(load, source, normalize, insert, insertAfter, loadData)) {
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %,d%s | %.2f | %,.0f | %s |%n",
                            m.name,
                            m.items,
                            m.rows > 0 ? String.format(Locale.ROOT, " (%,d rows)", m.rows) : "",
                            m.seconds(),
                            m.perSecond(),
                            m.bytes > 0
                                    ? String.format(Locale.ROOT, "%.1f", m.megabytesPerSecond())
                                    : ""));
        }
        JobRun.Result baseline = runs.get(0);
        double lower = Math.min(source.perSecond(), insert.perSecond());
        md.append("\n## Closed-database baseline (snapshot only, source frozen)\n\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "%s (checkpoints during the snapshot: %s; state backend: %s): %,d documents in %.1f s from job submission = **%,.0f docs/s** (first rows visible after %.1f s — job start and first checkpoint —, %,.0f docs/s from then on, **%,.0f docs/s in the steady state** — the rows that became visible between 10 %% and 90 %% of the documents, over that time —; peak heap of the benchmark's JVM (MiniCluster, harness, MariaDB client; the emulator too only with --in-process-emulator): %d MB).%n%n",
                        baseline.variant,
                        baseline.backlogIntervalMs >= Long.MAX_VALUE / 2
                                ? "none"
                                : String.format(
                                        Locale.ROOT,
                                        "every %.0f s",
                                        baseline.backlogIntervalMs / 1000.0),
                        baseline.stateBackend,
                        baseline.documents,
                        baseline.snapshotSeconds,
                        baseline.docsPerSecond,
                        baseline.firstRowSeconds,
                        baseline.steadyDocsPerSecond,
                        baseline.middleDocsPerSecond,
                        baseline.peakHeapMb));
        md.append(
                "| ratio of the job's snapshot rate to | ceiling docs/s | whole snapshot | after the first rows | steady state (middle 80 %) |\n|---|---:|---:|---:|---:|\n");
        ratioRow(md, "source ceiling (driver find)", source.perSecond(), baseline);
        ratioRow(md, "sink ceiling (multi-row INSERT)", insert.perSecond(), baseline);
        ratioRow(
                md,
                "sink ceiling (multi-row INSERT), again after the jobs",
                insertAfter.perSecond(),
                baseline);
        ratioRow(md, "sink ceiling (LOAD DATA)", loadData.perSecond(), baseline);
        ratioRow(md, "**lower of source and INSERT ceilings**", lower, baseline);
        md.append(
                String.format(
                        Locale.ROOT,
                        "%nThe INSERT ceiling, measured before the jobs and again after them on the"
                                + " same documents (%,d and %,d MySQL rows), was %,.0f and %,.0f"
                                + " docs/s: the later one is %.2f× the first. On this shared VM the"
                                + " ceiling moves between runs, so read the job's ratio against"
                                + " both.%n%n",
                        insert.rows,
                        insertAfter.rows,
                        insert.perSecond(),
                        insertAfter.perSecond(),
                        insertAfter.perSecond() / insert.perSecond()));
        cpuSection(md, baseline, insert, insertCpu);
        statementSection(md, baseline, insert, insertStatements);
        if (postgres != null) {
            postgresSection(md, source, baseline, postgres);
        }

        md.append("## Live migration\n\n");
        long[] trend = baseline.lagTrend();
        md.append(
                String.format(
                        Locale.ROOT,
                        "%s, then %,d live changes at %.0f/s: change → visible-in-MySQL latency (sequential probe, %d samples) p50 %d ms, p95 %d ms, p99 %d ms; median of the first third %d ms vs last third %d ms (%s); caught up %.1f s after the last live write (a marker written after it was in MySQL)%s; final verdict (verify's chunked comparison, %.1f s) %s.%n%n",
                        baseline.variant,
                        baseline.liveChanges,
                        liveRate,
                        baseline.latenciesMs.size(),
                        baseline.percentile(0.5),
                        baseline.percentile(0.95),
                        baseline.percentile(0.99),
                        trend[0],
                        trend[1],
                        trend[1] > trend[0] * 2 && trend[1] > 500
                                ? "lag grows"
                                : "lag does not grow",
                        baseline.catchUpSeconds,
                        baseline.afterMarker(),
                        baseline.compareSeconds,
                        baseline.consistent ? "CONSISTENT" : "INCONSISTENT"));

        md.append(
                "## Speed vs guarantee\n\n| variant | reconciliation | snapshot docs/s | CPU s per 1,000 docs | live p50 ms | live p95 ms | caught up s | failure injected | final verification |\n|---|---|---:|---:|---:|---:|---:|---|---|\n");
        for (JobRun.Result r : runs) {
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %,.0f | %.2f | %d | %d | %.1f | %s | %s |%n",
                            r.variant,
                            r.reconcile ? "on" : "off",
                            r.docsPerSecond,
                            CpuBudget.total(r.snapshotCpu) * 1000 / r.documents,
                            r.percentile(0.5),
                            r.percentile(0.95),
                            r.catchUpSeconds,
                            r.failureInjected ? "yes (TaskManager killed)" : "no",
                            r.consistent ? "CONSISTENT" : "INCONSISTENT: " + r.verdict));
        }
        md.append(
                "\nFinal comparison of each variant (verify's chunked comparison, repeated while a"
                        + " key differs or is in flux):\n\n");
        for (JobRun.Result r : runs) {
            md.append("- ")
                    .append(r.variant)
                    .append(": ")
                    .append(String.join("; ", r.comparePasses))
                    .append("; job: ")
                    .append(r.jobHistory())
                    .append('\n');
        }
        md.append('\n').append(reconcileCost(runs)).append("\n\n");
        md.append("![throughput](").append(chartFile).append(")\n");
        return md.toString();
    }

    /** MariaDB's statement counters per 1,000 documents: the baseline snapshot vs the ceiling. */
    private static void statementSection(
            StringBuilder md,
            JobRun.Result baseline,
            Measurement insert,
            Map<String, Long> insertStatements) {
        md.append("### What MariaDB was asked to do (baseline snapshot)\n\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "`SHOW GLOBAL STATUS` deltas per 1,000 documents, from job submission until the"
                                + " last snapshot row was visible, next to the multi-row INSERT ceiling on"
                                + " the same rows. The job's column includes the harness's own"
                                + " progress probe: %,d `SELECT COUNT(*)` statements, %s (%.1f per 1,000 docs, in"
                                + " `Questions` and `Com_select`; %.1f s of wall time in all, an upper"
                                + " bound of the MariaDB CPU they cost, which is in MariaDB's line of"
                                + " the CPU table) and %,d status reads of `Com_xa_commit` (in"
                                + " `Questions`), which decide when to count. It also includes the"
                                + " other sinks of the job (dead letters, mismatches) and reconcile's"
                                + " read-backs.%n%n",
                        baseline.harnessQueries,
                        baseline.harnessCountMode,
                        baseline.harnessQueries * 1000.0 / baseline.documents,
                        baseline.harnessQuerySeconds,
                        baseline.harnessStatusQueries));
        md.append(
                "| counter | job, total | job per 1,000 docs | ceiling, total | ceiling per 1,000 docs |\n"
                        + "|---|---:|---:|---:|---:|\n");
        for (String n : StatementCounters.NAMES) {
            long job = baseline.snapshotStatements.getOrDefault(n, 0L);
            long ceil = insertStatements.getOrDefault(n, 0L);
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %,d | %,.1f | %,d | %,.1f |%n",
                            n,
                            job,
                            job * 1000.0 / baseline.documents,
                            ceil,
                            ceil * 1000.0 / Math.max(1, insert.items)));
        }
        md.append('\n');
    }

    /** The same baseline against PostgreSQL, next to PostgreSQL's own ceilings. */
    private static void postgresSection(
            StringBuilder md, Measurement source, JobRun.Result mariaDb, PostgresColumn pg) {
        JobRun.Result run = pg.run();
        md.append("## PostgreSQL target (same documents, same run)\n\n");
        md.append(
                "Target: "
                        + pg.server()
                        + ", on the same cores. Its ceilings write the same parent and child rows:"
                        + " multi-row INSERT (the sink's upsert statement in JDBC batches of 1,000"
                        + " documents, rewritten into multi-row statements by the driver's"
                        + " `reWriteBatchedInserts=true`, one commit per batch) and `COPY … FROM"
                        + " STDIN` (text format, one transaction).\n\n"
                        + "| what | items | seconds | items/s |\n|---|---:|---:|---:|\n");
        for (Measurement m : List.of(pg.insert(), pg.copy())) {
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %,d (%,d rows) | %.2f | %,.0f |%n",
                            m.name,
                            m.items,
                            m.rows,
                            m.seconds(),
                            m.perSecond()));
        }
        md.append(
                String.format(
                        Locale.ROOT,
                        "%n%s against PostgreSQL: %,d documents in %.1f s from job submission ="
                                + " **%,.0f docs/s** (first rows visible after %.1f s, %,.0f"
                                + " docs/s from then on), %s. The same variant against MariaDB"
                                + " above: %,.0f docs/s.%n%n",
                        run.variant,
                        run.documents,
                        run.snapshotSeconds,
                        run.docsPerSecond,
                        run.firstRowSeconds,
                        run.steadyDocsPerSecond,
                        run.consistent ? "CONSISTENT afterwards" : "**INCONSISTENT**",
                        mariaDb.docsPerSecond));
        md.append(
                "| ratio of the job's snapshot rate (PostgreSQL) to | ceiling docs/s | whole"
                        + " snapshot | after the first rows | steady state (middle 80 %) |\n|---|---:|---:|---:|---:|\n");
        ratioRow(md, "PostgreSQL multi-row INSERT", pg.insert().perSecond(), run);
        ratioRow(md, "PostgreSQL COPY", pg.copy().perSecond(), run);
        ratioRow(
                md,
                "**lower of source and PostgreSQL INSERT ceilings**",
                Math.min(source.perSecond(), pg.insert().perSecond()),
                run);
        md.append('\n');
    }

    private static void ratioRow(
            StringBuilder md, String what, double ceiling, JobRun.Result baseline) {
        md.append(
                String.format(
                        Locale.ROOT,
                        "| %s | %,.0f | %.2f | %.2f | %.2f |%n",
                        what,
                        ceiling,
                        baseline.docsPerSecond / ceiling,
                        baseline.steadyDocsPerSecond / ceiling,
                        baseline.middleDocsPerSecond / ceiling));
    }

    /** Where the CPU of the baseline snapshot went, next to the INSERT ceiling's CPU. */
    private static void cpuSection(
            StringBuilder md,
            JobRun.Result baseline,
            Measurement insert,
            Map<String, Double> insertCpu) {
        int cores = Runtime.getRuntime().availableProcessors();
        double total = CpuBudget.total(baseline.snapshotCpu);
        double insertTotal = CpuBudget.total(insertCpu);
        md.append("### Where the CPU goes (baseline snapshot)\n\n");
        md.append(
                "CPU time of every thread of this process (grouped by what it works for) and of the"
                        + " MariaDB server process, from job submission until the last snapshot row"
                        + " was visible.\n\n| part | CPU s | CPU ms per 1,000 docs | share |\n"
                        + "|---|---:|---:|---:|\n");
        for (Map.Entry<String, Double> e : baseline.snapshotCpu.entrySet()) {
            if (e.getKey().equals(CpuBudget.OTHER_PROCESSES)) {
                continue;
            }
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %.1f | %,.0f | %.0f %% |%n",
                            e.getKey().replace("|", "/"),
                            e.getValue(),
                            e.getValue() * 1e6 / baseline.documents,
                            100 * e.getValue() / total));
        }
        md.append(
                String.format(
                        Locale.ROOT,
                        "| **all** | **%.1f** | **%,.0f** | 100 %% |%n%n",
                        total,
                        total * 1e6 / baseline.documents));
        Double others = baseline.snapshotCpu.get(CpuBudget.OTHER_PROCESSES);
        if (others != null) {
            md.append(
                    String.format(
                            Locale.ROOT,
                            "Other processes on the machine used %.1f CPU s in the same interval"
                                    + " (%.2f cores).%n%n",
                            others,
                            others / baseline.snapshotSeconds));
        }
        md.append(
                String.format(
                        Locale.ROOT,
                        "The snapshot kept %.2f of the %d cores busy (%.1f CPU s in %.1f s). The"
                                + " multi-row INSERT ceiling spent %.1f CPU s (client and MariaDB) on"
                                + " the same %,d documents = %,.0f ms per 1,000 docs, %.1f× less than the"
                                + " job's %,.0f ms: the job also reads the source (emulator and CDC"
                                + " fetch threads), converts BSON to JSON and back, normalizes, ships"
                                + " records between tasks, reads every row back to reconcile it and runs"
                                + " Flink. With every part on the same %d cores, the CPU bound of the job"
                                + " is about %,.0f docs/s = %.2f× the INSERT ceiling.%n%n",
                        total / baseline.snapshotSeconds,
                        cores,
                        total,
                        baseline.snapshotSeconds,
                        insertTotal,
                        insert.items,
                        insertTotal * 1e6 / insert.items,
                        total / Math.max(1e-9, insertTotal) * insert.items / baseline.documents,
                        total * 1e6 / baseline.documents,
                        cores,
                        cores * baseline.documents / total,
                        cores * baseline.documents / total / insert.perSecond()));
        // The ceiling moves between runs (7,410-11,859 docs/s before the job at 1M); where its
        // CPU went shows whether something beside MariaDB and its client took part.
        StringBuilder parts = new StringBuilder();
        insertCpu.entrySet().stream()
                .filter(e -> e.getValue() >= 0.5)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(
                        e ->
                                parts.append(parts.length() == 0 ? "" : "; ")
                                        .append(e.getKey().replace("|", "/"))
                                        .append(String.format(Locale.ROOT, " %.1f", e.getValue())));
        md.append("The INSERT ceiling's CPU s by part (0.5 s and more): ")
                .append(parts)
                .append(".\n\n");
        double source =
                baseline.snapshotCpu.entrySet().stream()
                        .filter(e -> e.getKey().startsWith("MongoDB emulator"))
                        .mapToDouble(Map.Entry::getValue)
                        .sum();
        double ceilingPerDoc = insertTotal / Math.max(1, insert.items);
        if (source > 0) {
            double rest = total - source;
            md.append(
                    String.format(
                            Locale.ROOT,
                            "Without the source's server (the emulator's lines, %.1f CPU s: a real"
                                    + " deployment reads a mongod on its own machine, and the ceiling"
                                    + " reads no source at all), the job and MariaDB spent %.1f CPU s"
                                    + " = %,.0f ms per 1,000 docs, %.1f× the ceiling's.%n%n",
                            source,
                            rest,
                            rest * 1e6 / baseline.documents,
                            rest / baseline.documents / Math.max(1e-12, ceilingPerDoc)));
        }
        double probe = baseline.harnessCpuSeconds();
        if (!Double.isNaN(probe)) {
            double rest = total - source - probe;
            md.append(
                    String.format(
                            Locale.ROOT,
                            "The harness's progress probe sent %,d `COUNT(*)` statements (%s), which read %,d rows in"
                                    + " all; after the job, on the idle server, a count cost MariaDB"
                                    + " %.2f CPU s per million rows, so the probe took about %.1f CPU s"
                                    + " of MariaDB's line (an estimate: its counts ran on growing"
                                    + " tables, beside the job). Without it%s, the job and MariaDB"
                                    + " spent about %,.0f ms per 1,000 docs, %.1f× the ceiling's.%n%n",
                            baseline.harnessQueries,
                            baseline.harnessCountMode,
                            baseline.harnessRowsCounted,
                            baseline.countCpuPerRow * 1e6,
                            probe,
                            source > 0 ? " and without the emulator" : "",
                            rest * 1e6 / baseline.documents,
                            rest / baseline.documents / Math.max(1e-12, ceilingPerDoc)));
        }
    }

    /** The throughput cost of reconciliation, when the run has a variant with it off. */
    private static String reconcileCost(List<JobRun.Result> runs) {
        JobRun.Result on = runs.get(0);
        for (JobRun.Result r : runs) {
            if (!r.reconcile && !r.failureInjected) {
                return String.format(
                        Locale.ROOT,
                        "Reconciliation (read-back of every changed key after its commit, and"
                                + " sweeps) measured in this run: %,.0f docs/s on vs %,.0f docs/s"
                                + " off (%.0f %% cost; %.0f %% more CPU per document).",
                        on.docsPerSecond,
                        r.docsPerSecond,
                        100 * (1 - on.docsPerSecond / r.docsPerSecond),
                        100
                                * (CpuBudget.total(on.snapshotCpu)
                                                / on.documents
                                                / (CpuBudget.total(r.snapshotCpu) / r.documents)
                                        - 1));
            }
        }
        return "Every run above has in-job reconciliation on (the default); run with the trade-off"
                + " table for the on/off comparison.";
    }

    /** A horizontal bar chart of docs/s: ceilings and every run. */
    static String chart(
            Measurement source,
            Measurement insert,
            Measurement loadData,
            List<JobRun.Result> runs) {
        List<String> labels = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (Measurement m : List.of(source, insert, loadData)) {
            labels.add(m.name);
            values.add(m.perSecond());
        }
        for (JobRun.Result r : runs) {
            labels.add("job: " + r.variant);
            values.add(r.docsPerSecond);
        }
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(1);
        int barH = 22;
        int left = 420;
        int width = 900;
        int height = 40 + labels.size() * (barH + 8);
        StringBuilder svg = new StringBuilder();
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                        width,
                        height));
        svg.append(
                "<text x=\"10\" y=\"20\" font-size=\"14\">documents (rows) per second — same run, same data</text>\n");
        for (int i = 0; i < labels.size(); i++) {
            int y = 35 + i * (barH + 8);
            double w = (width - left - 90) * values.get(i) / max;
            String color = i < 3 ? "#999999" : "#3366cc";
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                            left - 8,
                            y + 15,
                            escape(labels.get(i))));
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                            left,
                            y,
                            w,
                            barH,
                            color));
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"%.1f\" y=\"%d\">%,.0f</text>%n",
                            left + w + 5,
                            y + 15,
                            values.get(i)));
        }
        return svg.append("</svg>\n").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static long totalMemoryGb() {
        java.lang.management.OperatingSystemMXBean os =
                ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return Math.round(
                    ((com.sun.management.OperatingSystemMXBean) os).getTotalMemorySize()
                            / (1024.0 * 1024 * 1024));
        }
        return -1;
    }
}
