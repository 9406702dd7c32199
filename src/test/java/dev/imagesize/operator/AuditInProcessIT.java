package dev.imagesize.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.testing.Fixtures;
import dev.imagesize.testing.InProcessOperator;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit, the recorder and the status reconciler in the test JVM against the real API server and registry: what
 * the leader writes, how a repeat moves an Event, which changes cause work, and that one bad workload or a forged
 * ownerReference changes nothing for the rest.
 */
class AuditInProcessIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static TestCluster cluster;
    private static KubernetesClient client;
    private static LocalRegistry registry;
    private static Pushed small;
    private static Pushed big;

    private String ns;
    private InProcessOperator operator;

    @BeforeAll
    static void images() {
        cluster = TestCluster.get().withCrds();
        client = cluster.client();
        registry = LocalRegistry.sharedPlain();
        small = TestImages.push(registry, "inproc/small", "1.0", Format.OCI, 100_000);
        big = TestImages.push(registry, "inproc/big", "1.0", Format.OCI, 1_500_000, 600_000);
    }

    @BeforeEach
    void namespace() {
        ns = Namespaces.create(client, "audit-inproc");
        operator =
                new InProcessOperator(client, "replica-a", Set.of(registry.hostPort()), InProcessOperator.Audit.fast());
    }

    @AfterEach
    void stop() {
        operator.close();
        client.namespaces().withName(ns).delete();
    }

    private Deployment deployment(String name, String image) {
        return client.apps()
                .deployments()
                .resource(Fixtures.deployment(ns, name, "app", image))
                .create();
    }

    private void policy(String action, String max) {
        cluster.kubectl()
                .runWithInput("""
                        apiVersion: imagesize.dev/v1alpha1
                        kind: ImageSizePolicy
                        metadata: {name: budget, namespace: %s}
                        spec: {action: %s, maxImageSize: %s}
                        """.formatted(ns, action, max), "apply", "-f", "-")
                .assertSuccess();
    }

    private Map<String, Object> status() {
        GenericKubernetesResource policy = client.genericKubernetesResources(
                        "imagesize.dev/v1alpha1", "ImageSizePolicy")
                .inNamespace(ns)
                .withName("budget")
                .get();
        @SuppressWarnings("unchecked")
        Map<String, Object> status =
                (Map<String, Object>) policy.getAdditionalProperties().get("status");
        return status == null ? Map.of() : status;
    }

    private Map<String, String> annotations(HasMetadata object) {
        HasMetadata current = client.resource(object).get();
        return current.getMetadata().getAnnotations() == null
                ? Map.of()
                : current.getMetadata().getAnnotations();
    }

    private List<Event> events(String involvedName) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> e.getInvolvedObject().getName().equals(involvedName))
                .toList();
    }

    /** The one Event about {@code involvedName}, once it satisfies {@code condition}. */
    private Event awaitEvent(String involvedName, java.util.function.Predicate<Event> condition) {
        java.util.concurrent.atomic.AtomicReference<Event> found = new java.util.concurrent.atomic.AtomicReference<>();
        await().atMost(WAIT).untilAsserted(() -> {
            List<Event> events = events(involvedName);
            assertThat(events).hasSize(1);
            assertThat(events.get(0)).matches(condition);
            found.set(events.get(0));
        });
        return found.get();
    }

    @Test
    void theLeaderWritesStatusAnnotationsAndOneEventWhoseCountMovesOnRepeats() {
        Deployment over = deployment("big", big.reference());
        Deployment fits = deployment("small", small.reference());
        policy("Audit", "1Mi");
        operator.lead();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(status()).containsEntry("workloads", 2).containsEntry("violations", 1);
            assertThat(annotations(fits)).containsEntry(WorkloadVerdict.VERDICT, WorkloadVerdict.COMPLIANT);
        });
        assertThat(annotations(over))
                .containsEntry(WorkloadVerdict.VERDICT, WorkloadVerdict.VIOLATION)
                .containsEntry(WorkloadVerdict.LARGEST_IMAGE_BYTES, Long.toString(big.compressedSize()));
        assertThat(annotations(over).get(WorkloadVerdict.VIOLATIONS))
                .contains("over the 1.0 MiB maxImageSize of ImageSizePolicy " + ns + "/budget");
        List<ManagedFieldsEntry> managers =
                client.resource(over).get().getMetadata().getManagedFields();
        assertThat(managers)
                .filteredOn(m -> m.getFieldsV1().toString().contains("imagesize.dev/verdict"))
                .extracting(ManagedFieldsEntry::getManager)
                .containsExactly(operator.identity.fieldManager());

        Event first = awaitEvent("big", event -> true);
        assertThat(first.getReason()).isEqualTo(WorkloadRecorder.REASON);
        assertThat(first.getCount()).isEqualTo(1);
        assertThat(first.getReportingInstance()).isEqualTo("replica-a");
        assertThat(first.getSource().getHost()).isEqualTo("replica-a");

        policy("Warn", "1Mi"); // a change in the namespace re-audits it: the same violation is seen again
        Event repeated = awaitEvent("big", event -> event.getCount() >= 2);
        assertThat(repeated.getMetadata().getName())
                .isEqualTo(first.getMetadata().getName());
        assertThat(repeated.getFirstTimestamp()).isEqualTo(first.getFirstTimestamp());
        assertThat(events("small")).isEmpty();
    }

    @Test
    void aNewLeaderReadsTheEventsBackAndMovesTheirCountsInsteadOfPostingNewOnes() {
        deployment("big", big.reference());
        policy("Audit", "1Mi");
        operator.lead();
        Event first = awaitEvent("big", event -> event.getCount() == 1);
        operator.follow();

        try (InProcessOperator next = new InProcessOperator(
                client, "replica-b", Set.of(registry.hostPort()), InProcessOperator.Audit.fast())) {
            next.lead();
            Event moved = awaitEvent("big", event -> event.getCount() == 2);
            assertThat(moved.getMetadata().getName())
                    .isEqualTo(first.getMetadata().getName());
            assertThat(moved.getReportingInstance()).isEqualTo("replica-b");
            assertThat(moved.getFirstTimestamp()).isEqualTo(first.getFirstTimestamp());
        }
    }

    @Test
    void aPodWhoseImagesDifferFromItsOwnersIsAuditedItself() {
        Deployment owner = deployment("owner", small.reference());
        Pod forged = client.pods()
                .inNamespace(ns)
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName("forged")
                        .addNewOwnerReference()
                        .withApiVersion("apps/v1")
                        .withKind("Deployment")
                        .withName("owner")
                        .withUid(owner.getMetadata().getUid())
                        .withController(true)
                        .endOwnerReference()
                        .endMetadata()
                        .withNewSpec()
                        .addNewContainer()
                        .withName("main")
                        .withImage(big.reference())
                        .endContainer()
                        .endSpec()
                        .build())
                .create();
        Pod honest = client.pods()
                .inNamespace(ns)
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName("honest")
                        .addNewOwnerReference()
                        .withApiVersion("apps/v1")
                        .withKind("Deployment")
                        .withName("owner")
                        .withUid(owner.getMetadata().getUid())
                        .withController(true)
                        .endOwnerReference()
                        .endMetadata()
                        .withNewSpec()
                        .addNewContainer()
                        .withName("main")
                        .withImage(small.reference())
                        .endContainer()
                        .endSpec()
                        .build())
                .create();
        policy("Audit", "1Mi");
        operator.lead();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(status()).containsEntry("workloads", 2).containsEntry("violations", 1);
            assertThat(annotations(forged)).containsEntry(WorkloadVerdict.VERDICT, WorkloadVerdict.VIOLATION);
        });
        assertThat(annotations(honest)).as("reported through its owner").doesNotContainKey(WorkloadVerdict.VERDICT);
        assertThat(annotations(owner)).containsEntry(WorkloadVerdict.VERDICT, WorkloadVerdict.COMPLIANT);
    }

    @Test
    void oneWorkloadThatFailsNeverStopsTheOthers() {
        operator.failingWorkload = "poison";
        deployment("poison", big.reference());
        Deployment fine = deployment("fine", big.reference());
        policy("Audit", "1Mi");
        operator.lead();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(annotations(fine)).containsEntry(WorkloadVerdict.VERDICT, WorkloadVerdict.VIOLATION);
            assertThat(status()).containsEntry("workloads", 1);
        });
        assertThat(operator.meters.counter("imagesize.audit.workload.errors").count())
                .isPositive();

        operator.failingWorkload = null;
        await().atMost(WAIT)
                .alias("the failed workload is retried after its backoff")
                .untilAsserted(() -> assertThat(status()).containsEntry("workloads", 2));
    }

    @Test
    void onlyChangesThatCanChangeAVerdictCauseWork() {
        deployment("big", big.reference());
        policy("Audit", "1Mi");
        operator.lead();
        await().atMost(WAIT).untilAsserted(() -> assertThat(status()).containsEntry("violations", 1));
        await().atMost(WAIT).until(() -> operator.passes("full") == 1);
        long partial = operator.passes("partial");

        for (int i = 0; i < 10; i++) {
            client.namespaces().withName(ns).edit(n -> {
                n.getMetadata().getAnnotations().put("touched", Long.toString(System.nanoTime()));
                return n;
            });
        }
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(5))
                .until(() -> operator.passes("partial") == partial && operator.passes("full") == 1);

        client.namespaces().withName(ns).edit(n -> {
            n.getMetadata().getLabels().put("team", "shop");
            return n;
        });
        await().atMost(WAIT).until(() -> operator.passes("partial") > partial);
        assertThat(operator.passes("full"))
                .as("a namespace's labels re-audit that namespace only")
                .isEqualTo(1);

        long afterLabels = operator.passes("partial");
        policy("Audit", "2Mi");
        await().atMost(WAIT).until(() -> operator.passes("partial") > afterLabels);
        assertThat(operator.passes("full"))
                .as("a namespaced policy re-audits its namespace only")
                .isEqualTo(1);
    }

    @Test
    void aDeletedPolicyTakesItsGaugeAndAnnotationsWithIt() {
        Deployment over = deployment("big", big.reference());
        policy("Audit", "1Mi");
        operator.lead();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(annotations(over)).containsKey(WorkloadVerdict.VERDICT);
            assertThat(operator.meters
                            .find("imagesize.policy.violations")
                            .tag("namespace", ns)
                            .gauge())
                    .isNotNull()
                    .satisfies(g -> assertThat(g.value()).isEqualTo(1.0));
        });

        cluster.kubectl().run("delete", "isp", "budget", "-n", ns).assertSuccess();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(annotations(over).keySet()).noneMatch(k -> k.startsWith(WorkloadVerdict.PREFIX));
            assertThat(operator.meters
                            .find("imagesize.policy.violations")
                            .tag("namespace", ns)
                            .gauge())
                    .isNull();
        });
    }

    @Test
    void aReplicaThatDoesNotLeadWritesNothingAndStopsWhenItStopsLeading() {
        Deployment over = deployment("big", big.reference());
        policy("Audit", "1Mi");
        await().atMost(WAIT).until(operator.cluster::isSynced);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> status().isEmpty());
        assertThat(annotations(over)).doesNotContainKey(WorkloadVerdict.VERDICT);
        assertThat(operator.audit.isRunning()).isFalse();

        operator.lead();
        await().atMost(WAIT).until(() -> annotations(over).containsKey(WorkloadVerdict.VERDICT));
        operator.follow();
        assertThat(operator.audit.isRunning()).isFalse();
        assertThat(operator.store.size()).as("a follower keeps no findings").isZero();
    }
}
