package io.dbtransfer;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.config.JobOptions;

import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkDeploymentSpec;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;

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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void jobArgsPointAtTheConfigMapMountAndItHoldsAValidJobFile(@TempDir Path tmp)
            throws Exception {
        FlinkDeploymentSpec spec = spec();
        List<String> args = List.of(spec.getJob().getArgs());
        assertThat(args).hasSize(2).first().isEqualTo("--config");
        Path jobFile = Path.of(args.get(1));
        VolumeMount mount =
                mainContainer(spec).getVolumeMounts().stream()
                        .filter(m -> Path.of(m.getMountPath()).equals(jobFile.getParent()))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no mount at " + jobFile));
        Volume volume =
                spec.getPodTemplate().getSpec().getVolumes().stream()
                        .filter(v -> v.getName().equals(mount.getName()))
                        .findFirst()
                        .orElseThrow();
        ConfigMap cm = YAML.readValue(K8S.resolve("job-configmap.yaml").toFile(), ConfigMap.class);
        assertThat(volume.getConfigMap().getName()).isEqualTo(cm.getMetadata().getName());
        String fileName = jobFile.getFileName().toString();
        assertThat(cm.getData()).containsKey(fileName);

        Path local = Files.writeString(tmp.resolve(fileName), cm.getData().get(fileName));
        JobConfig config = JobConfig.load(local, Map.of());
        assertThat(config.get(JobOptions.MONGO_URI)).isNotBlank();
        assertThat(config.get(JobOptions.MYSQL_URL)).isNotBlank();
        assertThat(config.get(JobOptions.MYSQL_PASSWORD)).isNull();
        assertThat(config.get(JobOptions.MAX_PARALLELISM))
                .isEqualTo(
                        Integer.parseInt(
                                spec.getFlinkConfiguration().get("pipeline.max-parallelism")));
        assertThat(config.collections()).isNotEmpty();
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
