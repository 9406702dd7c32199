package dev.imagesize;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.registry.ImageSizeResolver;
import dev.imagesize.registry.RegistryCredential;
import dev.imagesize.registry.ResolverConfig;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Proves the test environment is real: a real API server, the real kubectl, our generated CRD served by it, and the
 * real registry with TLS and htpasswd. Fails, never skips, when any of them is missing.
 */
class SmokeIT {

    @Test
    void anImagePushedToTheTlsRegistryIsReadBackWithItsExactSize() throws Exception {
        LocalRegistry registry = LocalRegistry.sharedTls();
        TestImages.Pushed pushed = TestImages.push(registry, "smoke/app", "1.0", TestImages.Format.OCI, 1_234_567, 89);
        try (ImageSizeResolver resolver = ImageSizeResolver.forRegistries(ResolverConfig.defaults())) {
            ResolveResult result = resolver.resolve(
                    ImageRef.parse(pushed.reference()),
                    PlatformSelection.of(Platform.LINUX_AMD64),
                    new RegistryCredential(registry.user(), registry.password()),
                    Duration.ofSeconds(20));
            assertThat(result).isInstanceOfSatisfying(ResolveResult.Sized.class, sized -> assertThat(
                            sized.sizes().get(0).compressedSizeBytes())
                    .isEqualTo(pushed.compressedSize())
                    .isEqualTo(pushed.configSize() + 1_234_567 + 89));
        }
        String raw = TestImages.skopeoInspectRaw(registry, pushed.reference());
        assertThat(new ObjectMapper()
                        .readTree(raw)
                        .path("layers")
                        .get(0)
                        .path("size")
                        .asLong())
                .isEqualTo(1_234_567);
    }

    @Test
    void realKubectlAppliesTheGeneratedCrdOnTheRealApiServer() {
        var kubectl = TestCluster.get().kubectl();
        var version = kubectl.run("version", "-o", "json").assertSuccess();
        assertThat(version.stdout()).contains("\"gitVersion\": \"v" + TestCluster.VERSION + "\"");
        kubectl.run("create", "namespace", "smoke").assertSuccess();

        String crd = TestCluster.projectDir()
                .resolve("crds/imagesizepolicies.imagesize.dev-v1.yml")
                .toString();
        kubectl.run("apply", "-f", crd).assertSuccess();
        kubectl.run("wait", "--for=condition=Established", "--timeout=60s", "crd/imagesizepolicies.imagesize.dev")
                .assertSuccess();
        kubectl.runWithInput("""
                        apiVersion: imagesize.dev/v1alpha1
                        kind: ImageSizePolicy
                        metadata: {name: smoke, namespace: smoke}
                        spec: {maxImageSize: 100Mi, action: Audit}
                        """, "apply", "-f", "-").assertSuccess();

        assertThat(kubectl.run("get", "isp", "-n", "smoke", "-o", "name")
                        .assertSuccess()
                        .stdout())
                .isEqualTo("imagesizepolicy.imagesize.dev/smoke\n");
        kubectl.run("delete", "isp", "smoke", "-n", "smoke").assertSuccess();
    }

    @Test
    void withoutAReachableClusterTheOperatorExitsWithOneClearLine() throws Exception {
        java.nio.file.Path kubeconfig = java.nio.file.Files.createTempFile("unreachable", ".yaml");
        java.nio.file.Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
                contexts: [{name: c, context: {cluster: c, user: u}}]
                current-context: c
                users: [{name: u, user: {token: t}}]
                """);
        ProcessBuilder builder = new ProcessBuilder(
                        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
                                .toString(),
                        "-Dquarkus.http.port=0",
                        "-jar",
                        TestCluster.projectDir()
                                .resolve("target/quarkus-app/quarkus-run.jar")
                                .toString())
                .redirectErrorStream(true);
        builder.environment().put("KUBECONFIG", kubeconfig.toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isEqualTo(1);
        assertThat(output.lines().filter(line -> line.contains("ERROR")))
                .singleElement()
                .asString()
                .contains("cannot reach the Kubernetes API server at https://127.0.0.1:1/: Connection refused");
        assertThat(output).doesNotContain("Exception").doesNotContain("\tat ");
    }
}
