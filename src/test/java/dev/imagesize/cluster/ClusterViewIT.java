package dev.imagesize.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.image.Platform;
import dev.imagesize.policy.Rule;
import dev.imagesize.testing.Kubectl;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.OutOfRangePolicy;
import dev.imagesize.testing.TestCluster;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cluster view against the real API server: policies compiled one by one (an undecodable one is unusable, named
 * and failing closed, while the others work), namespace label changes told apart from other edits, and node
 * platforms.
 */
class ClusterViewIT {
    private static TestCluster cluster;
    private static KubernetesClient client;
    private static Kubectl kubectl;
    private static String ns;
    private static ClusterView view;
    private static final List<String> labelChanges = new CopyOnWriteArrayList<>();
    private static final List<PolicyId> policyChanges = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        cluster = TestCluster.get().withCrds();
        client = cluster.client();
        kubectl = cluster.kubectl();
        ns = Namespaces.create(client, "cluster-view");
        view = new ClusterView(client, true);
        view.onNamespaceLabelsChange(labelChanges::add);
        view.onPolicyChange(policyChanges::add);
        view.start();
        await().atMost(Duration.ofSeconds(30)).until(view::isSynced);
    }

    @AfterAll
    static void stop() {
        view.stop();
        client.namespaces().withName(ns).delete();
    }

    @Test
    void anUndecodablePolicyIsUnusableAndNamedWhileTheOthersWork() throws Exception {
        kubectl.runWithInput("""
                        apiVersion: imagesize.dev/v1alpha1
                        kind: ImageSizePolicy
                        metadata: {name: good, namespace: %s}
                        spec: {action: Enforce, maxImageSize: 1Mi}
                        """.formatted(ns), "apply", "-f", "-").assertSuccess();
        OutOfRangePolicy.create(kubectl, ns, "bad");

        PolicyId good = new PolicyId(Rule.NAMESPACED_KIND, ns, "good");
        PolicyId bad = new PolicyId(Rule.NAMESPACED_KIND, ns, "bad");
        await().atMost(Duration.ofSeconds(30)).until(() -> view.policy(good) != null && view.policy(bad) != null);
        assertThat(view.rules()).extracting(Rule::key).contains(ns + "/good").doesNotContain(ns + "/bad");
        CompiledPolicy unusable = view.policy(bad);
        assertThat(unusable.isValid()).isFalse();
        assertThat(unusable.enforce()).isTrue();
        assertThat(unusable.problem()).startsWith("spec.maxLayers: ").contains("3000000000");
        assertThat(view.failingClosed())
                .anySatisfy(p -> assertThat(p.scope().key()).isEqualTo(ns + "/bad"));
        assertThat(view.unusableCount()).isPositive();
        assertThat(policyChanges).contains(good, bad);

        kubectl.run("delete", "isp", "bad", "-n", ns).assertSuccess();
        await().atMost(Duration.ofSeconds(30)).until(() -> view.policy(bad) == null);
        assertThat(view.failingClosed())
                .noneSatisfy(p -> assertThat(p.scope().key()).isEqualTo(ns + "/bad"));
    }

    /**
     * The informers fill their stores before their handlers compile what is in them: a view that called itself synced
     * in between would have no rule, and its webhook would allow what the policies deny. Here the first policy's handler
     * is held, so the store has every policy and the view has compiled one.
     */
    @Test
    void notSyncedUntilEveryListedPolicyIsCompiled() throws Exception {
        String own = Namespaces.create(client, "cluster-view-sync");
        for (String name : List.of("one", "two")) {
            kubectl.runWithInput("""
                            apiVersion: imagesize.dev/v1alpha1
                            kind: ImageSizePolicy
                            metadata: {name: %s, namespace: %s}
                            spec: {action: Enforce, maxImageSize: 1Mi}
                            """.formatted(name, own), "apply", "-f", "-").assertSuccess();
        }
        OutOfRangePolicy.create(kubectl, own, "bad");
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ClusterView fresh = new ClusterView(client, true);
        fresh.onPolicyChange(id -> {
            held.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            fresh.start();
            assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> !fresh.isSynced() && !fresh.isLoaded());
            release.countDown();
            await().atMost(Duration.ofSeconds(30)).until(fresh::isSynced);
            assertThat(fresh.rules()).extracting(Rule::key).contains(own + "/one", own + "/two");
            assertThat(fresh.failingClosed())
                    .anySatisfy(p -> assertThat(p.scope().key()).isEqualTo(own + "/bad"));
        } finally {
            release.countDown();
            fresh.stop();
            // no controller finalizes namespaces here: what is in one stays unless deleted itself
            kubectl.run("delete", "isp", "--all", "-n", own).assertSuccess();
            client.namespaces().withName(own).delete();
        }
    }

    @Test
    void onlyLabelChangesOfANamespaceAreTold() {
        client.namespaces().withName(ns).edit(n -> {
            n.getMetadata().getAnnotations().put("note", "not a label");
            return n;
        });
        client.namespaces().withName(ns).edit(n -> {
            n.getMetadata().getLabels().put("team", "shop");
            return n;
        });
        await().atMost(Duration.ofSeconds(30))
                .until(() -> view.namespaceLabels(ns).containsKey("team"));
        assertThat(labelChanges.stream().filter(ns::equals).count())
                .as("added, then one label change; the annotation is not a change")
                .isEqualTo(2);
    }

    @Test
    void platformsComeFromTheNodes() {
        String name = ns + "-arm-node";
        Node node = client.nodes()
                .resource(new NodeBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .build())
                .create();
        node.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
                .withNewNodeInfo()
                .withOperatingSystem("linux")
                .withArchitecture("arm64")
                .withKernelVersion("6")
                .withOsImage("test")
                .withContainerRuntimeVersion("test")
                .withKubeletVersion("v1.34.4")
                .withKubeProxyVersion("v1.34.4")
                .withMachineID("m")
                .withSystemUUID("s")
                .withBootID("b")
                .endNodeInfo()
                .build());
        try {
            client.nodes().resource(node).updateStatus();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> view.clusterPlatforms().contains(Platform.parse("linux/arm64")));
        } finally {
            client.nodes().withName(name).delete();
        }
    }
}
