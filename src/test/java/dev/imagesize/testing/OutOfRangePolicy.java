package dev.imagesize.testing;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Stores an ImageSizePolicy the operator cannot decode ({@code maxLayers: 3000000000}, beyond int32) whatever bounds
 * the CRD has: applies the CRD without its maxima, creates the policy, and restores the CRD (the API server does not
 * validate stored objects again), as an older CRD version or a direct etcd write would leave it.
 */
public final class OutOfRangePolicy {
    private OutOfRangePolicy() {}

    /** Creates {@code namespace/name} with action Enforce and maxLayers 3000000000. */
    public static void create(Kubectl kubectl, String namespace, String name) throws Exception {
        Path crd = TestCluster.projectDir().resolve("crds/imagesizepolicies.imagesize.dev-v1.yml");
        String unbounded = Files.readString(crd)
                .lines()
                .filter(line -> !line.trim().startsWith("maximum:"))
                .reduce("", (all, line) -> all + line + "\n");
        try {
            kubectl.runWithInput(unbounded, "apply", "--server-side", "--force-conflicts", "-f", "-")
                    .assertSuccess();
            String policy = """
                    apiVersion: imagesize.dev/v1alpha1
                    kind: ImageSizePolicy
                    metadata: {name: %s, namespace: %s}
                    spec: {action: Enforce, maxLayers: 3000000000}
                    """.formatted(name, namespace);
            await().atMost(Duration.ofSeconds(30))
                    .until(() ->
                            kubectl.runWithInput(policy, "apply", "-f", "-").exitCode() == 0);
        } finally {
            kubectl.run("apply", "--server-side", "--force-conflicts", "-f", crd.toString())
                    .assertSuccess();
        }
    }
}
