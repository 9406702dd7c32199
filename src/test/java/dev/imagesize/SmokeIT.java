package dev.imagesize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.testing.TestCluster;
import org.junit.jupiter.api.Test;

/** Proves the test environment is real: a real API server, the real kubectl, our generated CRD served by it. */
class SmokeIT {

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
}
