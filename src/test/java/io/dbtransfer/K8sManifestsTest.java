package io.dbtransfer;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;

import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkDeploymentSpec;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The manifests in {@code k8s/}, read with the Flink Kubernetes Operator's own model classes
 * (unknown fields fail), keep the invariants a safe deployment relies on.
 */
class K8sManifestsTest {

    private static final Path K8S = Path.of("k8s");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static FlinkDeploymentSpec spec() throws Exception {
        FlinkDeployment d =
                YAML.readValue(
                        K8S.resolve("flink-deployment.yaml").toFile(), FlinkDeployment.class);
        assertThat(d.getKind()).isEqualTo("FlinkDeployment");
        return d.getSpec();
    }

    private static Container mainContainer(FlinkDeploymentSpec spec) {
        return spec.getPodTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("flink-main-container"))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void savepointUpgradesOnFlink120WithTheJarTheDockerfileInstalls() throws Exception {
        FlinkDeploymentSpec spec = spec();
        assertThat(spec.getFlinkVersion()).isEqualTo(FlinkVersion.v1_20);
        assertThat(spec.getJob().getUpgradeMode()).isEqualTo(UpgradeMode.SAVEPOINT);
        assertThat(spec.getJob().getEntryClass()).isEqualTo(MongoToMySqlJob.class.getName());
        Matcher copy =
                Pattern.compile("(?m)^COPY\\s+target/dbtransfer-\\S+-job\\.jar\\s+(\\S+)\\s*$")
                        .matcher(Files.readString(K8S.resolve("Dockerfile")));
        assertThat(copy.find()).as("Dockerfile copies the shaded job jar").isTrue();
        assertThat(spec.getJob().getJarURI()).isEqualTo("local://" + copy.group(1));
    }

    @Test
    void stateHaAndSavepointsAreDurableAndPeriodic() throws Exception {
        Map<String, String> conf = spec().getFlinkConfiguration();
        assertThat(conf.get("high-availability.type")).isEqualTo("kubernetes");
        assertThat(conf.get("high-availability.storageDir")).isNotBlank();
        assertThat(conf.get("execution.checkpointing.dir")).isNotBlank();
        assertThat(conf.get("execution.checkpointing.savepoint-dir")).isNotBlank();
        assertThat(conf.get("execution.checkpointing.mode")).isEqualTo("EXACTLY_ONCE");
        assertThat(conf.get("kubernetes.operator.periodic.savepoint.interval")).isNotBlank();
        assertThat(conf.get("pipeline.auto-generate-uids")).isEqualTo("false");
        assertThat(conf.get("pipeline.max-parallelism"))
                .isEqualTo(String.valueOf(JobOptions.MAX_PARALLELISM.defaultValue()));
    }

    @Test
    void prometheusPortIsExposed() throws Exception {
        FlinkDeploymentSpec spec = spec();
        String port = spec.getFlinkConfiguration().get("metrics.reporter.prom.port");
        assertThat(spec.getFlinkConfiguration().get("metrics.reporter.prom.factory.class"))
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        assertThat(mainContainer(spec).getPorts())
                .anySatisfy(p -> assertThat(String.valueOf(p.getContainerPort())).isEqualTo(port));
        assertThat(spec.getJobManager().getResource().getMemory()).isNotBlank();
        assertThat(spec.getTaskManager().getResource().getCpu()).isPositive();
    }

    /** The volume that holds the job file named by the job's {@code --config} argument. */
    private static Volume jobFileVolume(FlinkDeploymentSpec spec) {
        List<String> args = List.of(spec.getJob().getArgs());
        assertThat(args).hasSize(2).first().isEqualTo("--config");
        Path jobFile = Path.of(args.get(1));
        VolumeMount mount =
                mainContainer(spec).getVolumeMounts().stream()
                        .filter(m -> Path.of(m.getMountPath()).equals(jobFile.getParent()))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no mount at " + jobFile));
        return spec.getPodTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName()))
                .findFirst()
                .orElseThrow();
    }

    private static String jobFileName(FlinkDeploymentSpec spec) {
        return Path.of(spec.getJob().getArgs()[1]).getFileName().toString();
    }

    /**
     * The job file comes from kustomize's ConfigMap generator, whose name the FlinkDeployment's
     * volume refers to (rewritten to the hash-suffixed name through kustomizeconfig.yaml), and is a
     * valid job file.
     */
    @Test
    void jobArgsPointAtTheGeneratedConfigMapAndItHoldsAValidJobFile() throws Exception {
        FlinkDeploymentSpec spec = spec();
        Volume volume = jobFileVolume(spec);
        JsonNode kustomization = YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
        assertThat(kustomization.path("resources").toString()).contains("flink-deployment.yaml");
        JsonNode generator = kustomization.path("configMapGenerator").get(0);
        assertThat(generator.path("name").asText()).isEqualTo(volume.getConfigMap().getName());
        assertThat(generator.path("files").toString()).contains(jobFileName(spec));
        assertThat(kustomization.path("generatorOptions").path("disableNameSuffixHash").asBoolean())
                .as("the hash suffix is what turns a job file edit into a spec change")
                .isFalse();
        JsonNode fieldSpec =
                YAML.readTree(K8S.resolve("kustomizeconfig.yaml").toFile())
                        .path("nameReference")
                        .get(0)
                        .path("fieldSpecs")
                        .get(0);
        assertThat(fieldSpec.path("kind").asText()).isEqualTo("FlinkDeployment");
        assertThat(fieldSpec.path("path").asText())
                .isEqualTo("spec/podTemplate/spec/volumes/configMap/name");

        JobConfig config = JobConfig.load(K8S.resolve(jobFileName(spec)), Map.of());
        assertThat(config.get(JobOptions.MONGO_URI)).isNotBlank();
        assertThat(config.get(JobOptions.MYSQL_URL)).isNotBlank();
        assertThat(config.get(JobOptions.MYSQL_PASSWORD)).isNull();
        assertThat(config.get(JobOptions.MAX_PARALLELISM))
                .isEqualTo(
                        Integer.parseInt(
                                spec.getFlinkConfiguration().get("pipeline.max-parallelism")));
        assertThat(config.collections()).isNotEmpty();
        // Dropping the state of a removed collection is a decision per upgrade, never a default.
        assertThat(spec.getJob().getAllowNonRestoredState()).isNotEqualTo(Boolean.TRUE);
    }

    /**
     * What {@code kubectl apply -k k8s/} applies, rendered by kubectl's kustomize: the
     * FlinkDeployment (read with the operator's model classes) mounts the generated ConfigMap,
     * which holds {@code job.yaml}; and an edit of the job file changes the FlinkDeployment's spec,
     * only in that ConfigMap's name, so the operator upgrades the job with a savepoint.
     */
    @Test
    void aJobFileEditChangesTheRenderedSpecSoTheOperatorTakesASavepoint(@TempDir Path tmp)
            throws Exception {
        assumeTrue(kubectlAvailable(), "kubectl (with kustomize) is not on the PATH");
        Rendered before = render(K8S);
        String jobFile = jobFileName(before.deployment.getSpec());
        assertThat(jobFileVolume(before.deployment.getSpec()).getConfigMap().getName())
                .isEqualTo(before.configMap.getMetadata().getName())
                .startsWith("dbtransfer-job-");
        assertThat(before.configMap.getData().get(jobFile))
                .isEqualTo(Files.readString(K8S.resolve(jobFile)));

        Path copy = tmp.resolve("k8s");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Files.writeString(
                copy.resolve(jobFile),
                Files.readString(K8S.resolve(jobFile))
                        .replace("sink:\n", "sink:\n  batch-size: 500\n"));
        Rendered after = render(copy);
        assertThat(after.configMap.getData().get(jobFile)).contains("batch-size: 500");
        String oldName = before.configMap.getMetadata().getName();
        String newName = after.configMap.getMetadata().getName();
        assertThat(newName).isNotEqualTo(oldName);
        JsonNode specBefore = YAML.valueToTree(before.deployment.getSpec());
        JsonNode specAfter = YAML.valueToTree(after.deployment.getSpec());
        assertThat(specAfter).as("a job file edit is a spec change").isNotEqualTo(specBefore);
        assertThat(specAfter.toString().replace(newName, oldName))
                .as("and changes nothing but the ConfigMap's name")
                .isEqualTo(specBefore.toString());
    }

    /** The FlinkDeployment and the ConfigMap kustomize renders from a directory. */
    private record Rendered(FlinkDeployment deployment, ConfigMap configMap) {}

    private static Rendered render(Path dir) throws Exception {
        Process p =
                new ProcessBuilder("kubectl", "kustomize", dir.toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        FlinkDeployment deployment = null;
        ConfigMap configMap = null;
        for (String doc : out.split("(?m)^---$")) {
            JsonNode node = YAML.readTree(doc);
            switch (node.path("kind").asText()) {
                case "FlinkDeployment" ->
                        deployment = YAML.treeToValue(node, FlinkDeployment.class);
                case "ConfigMap" -> configMap = YAML.treeToValue(node, ConfigMap.class);
                default -> throw new AssertionError("unexpected resource " + node.path("kind"));
            }
        }
        assertThat(deployment).isNotNull();
        assertThat(configMap).isNotNull();
        return new Rendered(deployment, configMap);
    }

    private static boolean kubectlAvailable() {
        try {
            Process p =
                    new ProcessBuilder("kubectl", "kustomize", "--help")
                            .redirectErrorStream(true)
                            .start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void secretsAreReferencedNeverInlined() throws Exception {
        FlinkDeploymentSpec spec = spec();
        for (EnvVar e : mainContainer(spec).getEnv()) {
            if (e.getName().matches("(?i).*(PASSWORD|SECRET|TOKEN).*")) {
                assertThat(e.getValue()).as(e.getName()).isNull();
                assertThat(e.getValueFrom().getSecretKeyRef()).as(e.getName()).isNotNull();
            }
        }
        Secret secret = YAML.readValue(K8S.resolve("secret.example.yaml").toFile(), Secret.class);
        assertThat(secret.getData() == null || secret.getData().isEmpty()).isTrue();
        assertThat(secret.getStringData() == null || secret.getStringData().isEmpty()).isTrue();
        assertThat(
                        mainContainer(spec).getEnv().stream()
                                .map(e -> e.getValueFrom().getSecretKeyRef().getName()))
                .containsOnly(secret.getMetadata().getName());

        // No password value anywhere in k8s/: not as a key/value, not in a URI or a JDBC URL.
        Pattern assignment =
                Pattern.compile("(?i)(password|passwd|pwd)[\"']?\\s*[:=]\\s*(?![\"']?\\$)[^\\s{}]");
        Pattern uriCredentials = Pattern.compile("://[^/@\\s:]+:[^/@\\s]+@");
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String text = Files.readString(f);
                assertThat(assignment.matcher(text).find()).as(f + " assigns a password").isFalse();
                assertThat(uriCredentials.matcher(text).find())
                        .as(f + " has user:password@ in a URI")
                        .isFalse();
            }
        }
    }
}
