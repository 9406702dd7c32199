package dev.imagesize.testing;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real kube-apiserver and etcd (fabric8 kube-api-test, binaries from hack/test-env.sh), started once per test JVM
 * and stopped when it exits. Never falls back to a mock: when the binaries are missing and cannot be downloaded, the
 * test fails with kube-api-test's message.
 */
public final class TestCluster {
    /** The Kubernetes version whose binaries hack/test-env.sh provides; the pom passes it on. */
    public static final String VERSION = System.getProperty("imagesize.k8s.version", "1.34.4");

    private static TestCluster shared;

    private final KubeAPIServer server;
    private final Path kubeconfig;
    private final KubernetesClient client;
    private final Kubectl kubectl;

    private TestCluster() {
        server = startControlPlane();
        try {
            kubeconfig = Files.createTempFile("imagesize-kubeconfig-", ".yaml");
            Files.writeString(kubeconfig, server.getKubeConfigYaml());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(server.getKubeConfigYaml()))
                .build();
        kubectl = new Kubectl(binaryDir().resolve("kubectl"), kubeconfig);
    }

    /**
     * Starts etcd and kube-apiserver, a second time if the first start fails: kube-api-test picks free ports before the
     * processes bind them, and on a busy machine a start has failed once in many runs with nothing wrong in the tree.
     * The first failure is printed; a second one fails the tests.
     */
    private static KubeAPIServer startControlPlane() {
        for (int attempt = 1; ; attempt++) {
            KubeAPIServer candidate = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                    .withApiServerVersion(VERSION)
                    // binaries from hack/test-env.sh: never download; none at all (no Go either): kube-api-test
                    // downloads them as it does upstream, and fails loudly where it cannot
                    .withOfflineMode(Files.isExecutable(binaryDir().resolve("kube-apiserver")))
                    .withUpdateKubeConfig(false)
                    .withApiServerFlags(List.of("--advertise-address=127.0.0.1"))
                    .withStartupTimeout(120_000)
                    .build());
            try {
                candidate.start();
                return candidate;
            } catch (RuntimeException failed) {
                try {
                    candidate.stop();
                } catch (RuntimeException ignored) {
                    // the processes that did start are stopped by trackControlPlane's hook at the latest
                }
                if (attempt == 2) {
                    throw failed;
                }
                System.err.println("the control plane did not start (" + failed + "); starting it once more");
            } finally {
                trackControlPlane();
            }
        }
    }

    /** The cluster shared by all tests of this JVM, started on first use. */
    public static synchronized TestCluster get() {
        if (shared == null) {
            shared = new TestCluster();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "test-cluster-stop"));
        }
        return shared;
    }

    /**
     * Tracks the etcd and kube-apiserver processes kube-api-test started from this JVM, so that they are stopped when
     * it ends even if nothing calls {@link KubeAPIServer#stop()} (a killed JVM, a failed start).
     */
    public static void trackControlPlane() {
        ChildProcesses.trackChildren(command -> command.endsWith("/etcd") || command.endsWith("/kube-apiserver"));
    }

    /** Where kube-api-test finds kube-apiserver, etcd and kubectl for {@link #VERSION}. */
    public static Path binaryDir() {
        String base = System.getenv()
                .getOrDefault(
                        "KUBE_API_TEST_DIR",
                        Path.of(System.getProperty("user.home"), ".kubeapitest").toString());
        return Path.of(base, "k8s", VERSION + "-linux-amd64");
    }

    /** The repository root (Maven passes it; the working directory otherwise). */
    public static Path projectDir() {
        return Path.of(System.getProperty("imagesize.project.dir", ".")).toAbsolutePath();
    }

    /** Applies the committed CRDs from crds/ with kubectl (idempotent) and waits until they are served. */
    public synchronized TestCluster withCrds() {
        kubectl.run("apply", "-f", projectDir().resolve("crds").toString()).assertSuccess();
        kubectl.run(
                        "wait",
                        "--for=condition=Established",
                        "--timeout=60s",
                        "crd/imagesizepolicies.imagesize.dev",
                        "crd/clusterimagesizepolicies.imagesize.dev",
                        "crd/imageanalyses.imagesize.dev",
                        "crd/imagesizereports.imagesize.dev")
                .assertSuccess();
        return this;
    }

    public KubernetesClient client() {
        return client;
    }

    public Kubectl kubectl() {
        return kubectl;
    }

    /** A kubeconfig file for this API server, for kubectl and for operator processes started by tests. */
    public Path kubeconfig() {
        return kubeconfig;
    }

    private void stop() {
        client.close();
        server.stop();
        try {
            Files.deleteIfExists(kubeconfig);
        } catch (IOException ignored) {
            // a temp file left behind is harmless
        }
    }
}
