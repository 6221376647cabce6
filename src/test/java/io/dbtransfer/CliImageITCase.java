package io.dbtransfer;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.model.RowChange;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.pipeline.TargetPreparation;
import io.dbtransfer.sink.ChangeApplier;
import io.dbtransfer.testing.FlinkStandaloneCluster;
import io.dbtransfer.testing.MigrationFixture;

import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CLI as the image runs it: {@code k8s/Dockerfile}'s {@code COPY} and {@code ENV} lines applied
 * to a directory that stands for the image's root ({@code /opt/…} and {@code /tmp/…} beneath it),
 * with the base image's {@code /opt/flink/lib} made of the Flink cluster classpath the build writes
 * ({@code target/flink-cluster-classpath.txt}: Flink's runtime, which the job jar leaves out; no
 * picocli, no embedded servers). {@code dbtransfer} is then run by name through the image's {@code
 * PATH}, as a separate process, with only the image's environment: {@code --help}, {@code verify
 * --help}, a real {@code verify} against the emulator and embedded MariaDB (consistent, then one
 * row changed behind the job's back), and {@code demo}, which the image cannot run, refused with a
 * clear message.
 */
class CliImageITCase {

    private static final Path DOCKERFILE = Path.of("k8s/Dockerfile");
    private static final Pattern COPY = Pattern.compile("(?m)^COPY\\s+(\\S+)\\s+(\\S+)\\s*$");
    private static final Pattern ENV = Pattern.compile("(?m)^ENV\\s+(\\w+)=\"([^\"]*)\"\\s*$");

    /** The stand-in for the image's root file system. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path root;

    private static Map<String, String> imageEnv;

    /** Exit code and output of one run of the CLI. */
    record Run(int exit, String stdout, String stderr) {
        String all() {
            return "exit " + exit + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    @BeforeAll
    static void buildImageLayout() throws Exception {
        String dockerfile = Files.readString(DOCKERFILE);
        // The base image's lib/: Flink's runtime.
        Path lib = Files.createDirectories(inImage("/opt/flink/lib"));
        for (String jar :
                Files.readString(FlinkStandaloneCluster.CLASSPATH_FILE).trim().split(":")) {
            Path p = Path.of(jar);
            Files.createSymbolicLink(lib.resolve(p.getFileName()), p.toAbsolutePath());
        }
        Files.createDirectories(inImage("/opt/flink")); // WORKDIR of the Flink image
        Matcher copy = COPY.matcher(dockerfile);
        int copies = 0;
        while (copy.find()) {
            Path source = Path.of(copy.group(1));
            assertThat(source).as("COPY source (built by package)").isRegularFile();
            Path target = inImage(copy.group(2));
            Files.createDirectories(target.getParent());
            Files.copy(source, target);
            if (Files.isExecutable(source)) {
                assertThat(target.toFile().setExecutable(true)).isTrue();
            }
            copies++;
        }
        assertThat(copies).as("COPY lines in " + DOCKERFILE).isGreaterThanOrEqualTo(4);
        imageEnv = new LinkedHashMap<>();
        Matcher env = ENV.matcher(dockerfile);
        while (env.find()) {
            // The image's paths under root; then the rest of the PATH is this machine's.
            String value = env.group(2).replaceAll("(^|:)(/opt/|/tmp/)", "$1" + root + "$2");
            imageEnv.put(env.group(1), value.replace("${PATH}", System.getenv("PATH")));
        }
        assertThat(imageEnv).containsKeys("DBTRANSFER_CLASSPATH", "PATH");
    }

    /** An absolute path of the image, under {@link #root}. */
    private static Path inImage(String absolute) {
        assertThat(absolute).startsWith("/");
        return root.resolve(absolute.substring(1));
    }

    /** {@code dbtransfer ARGS} run by name from the image's {@code PATH} in its WORKDIR. */
    private static Run dbtransfer(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "exec dbtransfer \"$@\"", "sh"));
        cmd.addAll(List.of(args));
        File out = File.createTempFile("stdout", ".txt");
        File err = File.createTempFile("stderr", ".txt");
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .directory(inImage("/opt/flink").toFile())
                        .redirectOutput(out)
                        .redirectError(err);
        // Only the image's environment: nothing of the test JVM's classpath or settings.
        pb.environment()
                .keySet()
                .removeIf(k -> k.startsWith("DBTRANSFER_") || k.equals("CLASSPATH"));
        pb.environment().putAll(imageEnv);
        pb.environment().put("DBTRANSFER_JAVA_OPTS", "-Xmx256m");
        Process p = pb.start();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("dbtransfer finished").isTrue();
        return new Run(
                p.exitValue(),
                Files.readString(out.toPath(), StandardCharsets.UTF_8),
                Files.readString(err.toPath(), StandardCharsets.UTF_8));
    }

    @Test
    void theImageCarriesTheCliJarButNoEmbeddedServers() throws Exception {
        String classpath = imageEnv.get("DBTRANSFER_CLASSPATH");
        Path cliJar = Path.of(classpath.split(":")[0]);
        try (JarFile jar = new JarFile(cliJar.toFile())) {
            assertThat(jar.getEntry("io/dbtransfer/cli/Main.class")).isNotNull();
            assertThat(jar.getEntry("picocli/CommandLine.class")).isNotNull();
            assertThat(jar.getEntry("io/dbtransfer/verify/ChunkedVerifier.class"))
                    .as("the job's classes come from the job jar")
                    .isNull();
            assertThat(jar.getEntry("de/bwaldvogel/mongo/MongoServer.class")).isNull();
        }

        Run help = dbtransfer("--help");
        assertThat(help.exit()).as(help.all()).isZero();
        assertThat(help.stdout()).contains("verify", "cutover", "status");

        Run verifyHelp = dbtransfer("verify", "--help");
        assertThat(verifyHelp.exit()).as(verifyHelp.all()).isZero();
        assertThat(verifyHelp.stdout()).contains("Usage: dbtransfer verify", "--config");

        Run demo = dbtransfer("demo", "--docs", "10");
        assertThat(demo.exit()).as(demo.all()).isEqualTo(2);
        assertThat(demo.stderr())
                .contains("demo starts an embedded MongoDB emulator and MariaDB")
                .contains("Run it from a source checkout");
    }

    @Test
    void verifyRunsAgainstRealServersThroughTheImageEntryPoint() throws Exception {
        MigrationFixture f =
                new MigrationFixture("cliimage").collections("items:\n  columns:\n    v: INT\n");
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            docs.add(new Document("_id", String.format("k%03d", i)).append("v", i * 7));
        }
        f.mongo().getCollection("items").insertMany(docs);
        JobConfig config = f.config();
        TargetPreparation.prepare(config, false);
        DocumentNormalizer normalizer =
                new DocumentNormalizer(config.mapping(), config.mismatchPolicy());
        List<RowChange> rows = new ArrayList<>();
        for (BsonDocument d : f.mongo().getCollection("items", BsonDocument.class).find()) {
            rows.add(
                    normalizer.normalize(
                                    ChangeRecord.upsert(
                                            "items",
                                            CanonicalValues.canonicalJson(d.get("_id")),
                                            d.toJson(CanonicalValues.CANONICAL),
                                            3L),
                                    0L)
                            .change);
        }
        try (Connection c = f.mysql()) {
            c.setAutoCommit(false);
            new ChangeApplier(config.mapping()).apply(c, rows);
            c.commit();
        }
        // Where the FlinkDeployment mounts the job file's ConfigMap.
        Path jobFile =
                f.writeJobFile(
                        Files.createDirectories(inImage("/opt/dbtransfer")).resolve("job.yaml"));
        Path report = inImage("/tmp/verify.json");

        Run consistent =
                dbtransfer("verify", "--config", jobFile.toString(), "--report", report.toString());
        assertThat(consistent.exit()).as(consistent.all()).isZero();
        assertThat(Files.readString(report))
                .contains("\"verdict\": \"CONSISTENT\"")
                .contains("\"sourceDocuments\": 40");

        try (Connection c = f.mysql();
                Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE items SET v = -1 WHERE v = 35")).isEqualTo(1);
        }
        Run inconsistent =
                dbtransfer(
                        "verify",
                        "--config",
                        jobFile.toString(),
                        "--report",
                        report.toString(),
                        "--recheck-delay",
                        "100ms");
        assertThat(inconsistent.exit()).as(inconsistent.all()).isEqualTo(1);
        assertThat(Files.readString(report)).contains("\"verdict\": \"INCONSISTENT\"");

        // The log went to DBTRANSFER_HOME, nothing was written next to the CLI.
        assertThat(Path.of(imageEnv.get("DBTRANSFER_HOME"), "target", "dbtransfer.log"))
                .isRegularFile();
        assertThat(inImage("/opt/dbtransfer-cli/target")).doesNotExist();
    }
}
