package dev.imagesize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.testing.TestCluster;
import org.junit.jupiter.api.Test;

/** Proves the test environment is real: a real API server answering the real kubectl. */
class SmokeIT {

    @Test
    void realKubectlTalksToRealApiServer() {
        var kubectl = TestCluster.get().kubectl();
        var version = kubectl.run("version", "-o", "json").assertSuccess();
        assertThat(version.stdout()).contains("\"gitVersion\": \"v" + TestCluster.VERSION + "\"");
        kubectl.run("create", "namespace", "smoke").assertSuccess();
        assertThat(kubectl.run("get", "namespaces", "-o", "name")
                        .assertSuccess()
                        .stdout())
                .contains("namespace/smoke");
    }
}
