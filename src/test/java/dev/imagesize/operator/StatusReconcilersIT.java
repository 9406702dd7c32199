package dev.imagesize.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.imagesize.cluster.PolicyId;
import dev.imagesize.policy.Rule;
import dev.imagesize.testing.Fixtures;
import dev.imagesize.testing.InProcessOperator;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.OutOfRangePolicy;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The policy status reconcilers on java-operator-sdk, in the test JVM against the real API server: a policy the
 * operator cannot decode is reported while JOSDK's typed informer still lists every other policy; statuses are applied
 * under the leader's own field manager, and the next leader's owns every status field; and a term of leadership
 * starts and ends JOSDK's operator with every thread it ran.
 */
class StatusReconcilersIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static TestCluster cluster;
    private static KubernetesClient client;
    private static LocalRegistry registry;
    private static Pushed big;

    private String ns;
    private InProcessOperator operator;

    @BeforeAll
    static void images() {
        cluster = TestCluster.get().withCrds();
        client = cluster.client();
        registry = LocalRegistry.sharedPlain();
        big = TestImages.push(registry, "statuses/big", "1.0", Format.OCI, 1_500_000);
    }

    @BeforeEach
    void namespace() {
        ns = Namespaces.create(client, "statuses");
        operator = replica("replica-a");
    }

    @AfterEach
    void stop() {
        operator.close();
        client.namespaces().withName(ns).delete();
    }

    private InProcessOperator replica(String identity) {
        return new InProcessOperator(client, identity, Set.of(registry.hostPort()), InProcessOperator.Audit.fast());
    }

    @Test
    void anUndecodablePolicyIsReportedWhileEveryOtherPolicyGetsItsStatus() throws Exception {
        deployment("big");
        policy("budget", "1Mi");
        OutOfRangePolicy.create(cluster.kubectl(), ns, "poison");
        operator.lead();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(status("budget")).containsEntry("workloads", 1).containsEntry("violations", 1);
            assertThat(ready("budget")).containsEntry("status", "True");
            Map<String, Object> poison = ready("poison");
            assertThat(poison.get("status")).isEqualTo("False");
            assertThat(poison.get("reason")).isEqualTo(PolicyStatuses.INVALID_POLICY);
            assertThat((String) poison.get("message"))
                    .startsWith("the operator cannot use this policy: spec.maxLayers:")
                    .contains("3000000000")
                    .contains("the webhook denies the workloads it governs");
        });
        await().atMost(WAIT)
                .untilAsserted(
                        () -> assertThat(events("poison")).singleElement().satisfies(e -> {
                            assertThat(e.getReason()).isEqualTo(PolicyStatusReconciler.INVALID_REASON);
                            assertThat(e.getReportingInstance()).isEqualTo("replica-a");
                        }));
        assertThat(operator.meters.counter("imagesize.policy.informer.errors").count())
                .as("JOSDK's informer lists the undecodable policy with the others")
                .isZero();
        assertThat(operator.meters
                        .find("imagesize.policy.violations")
                        .tag("policy", "poison")
                        .gauge()
                        .value())
                .isZero();
    }

    @Test
    void statusesAreAppliedUnderTheLeadersFieldManagerAndTheNextLeaderTakesThemOver() {
        deployment("big");
        policy("budget", "1Mi");
        operator.lead();
        await().atMost(WAIT).untilAsserted(() -> assertThat(status("budget")).containsEntry("violations", 1));
        assertThat(statusManagers("budget"))
                .extracting(ManagedFieldsEntry::getManager, ManagedFieldsEntry::getOperation)
                .containsExactly(tuple(operator.identity.fieldManager(), "Apply"));
        operator.follow();

        try (InProcessOperator next = replica("replica-b")) {
            next.lead();
            policy("budget", "10Mi");
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(status("budget")).containsEntry("violations", 0).containsEntry("observedGeneration", 2);
                // server-side apply: the new leader owns every status field; the previous one at most shares the
                // fields to which both applied the same value, never one that only it set
                ManagedFieldsEntry mine = manager("budget", next.identity.fieldManager());
                assertThat(fields(mine))
                        .containsExactlyInAnyOrder(
                                "conditions",
                                "observedGeneration",
                                "topViolations",
                                "unresolved",
                                "violations",
                                "workloads");
                ManagedFieldsEntry previous = manager("budget", operator.identity.fieldManager());
                if (previous != null) {
                    assertThat(fields(previous))
                            .doesNotContain("conditions", "observedGeneration", "topViolations", "violations");
                }
            });
        }
    }

    @Test
    void newFindingsMoveTheStatusAndALookThatChangesNothingWritesNothing() {
        deployment("big");
        policy("budget", "1Mi");
        operator.lead();
        await().atMost(WAIT).untilAsserted(() -> assertThat(status("budget")).containsEntry("violations", 1));

        deployment("big-too");
        await().atMost(WAIT)
                .alias("the audit's findings reach the status without a change of the policy")
                .untilAsserted(() -> assertThat(status("budget"))
                        .containsEntry("workloads", 2)
                        .containsEntry("violations", 2)
                        .containsEntry("observedGeneration", 1));

        String version = policy("budget").getMetadata().getResourceVersion();
        long looked = unpatched();
        operator.statuses.changed(List.of(new PolicyId(Rule.NAMESPACED_KIND, ns, "budget")));
        await().atMost(WAIT).until(() -> unpatched() > looked);
        assertThat(policy("budget").getMetadata().getResourceVersion())
                .as("a reconciliation whose status equals the stored one writes nothing")
                .isEqualTo(version);
    }

    /** Reconciliations of ImageSizePolicies that found the stored status right. */
    private long unpatched() {
        Timer timer = operator.meters
                .find("imagesize.reconciliations")
                .tag("kind", Rule.NAMESPACED_KIND)
                .tag("patched", "false")
                .timer();
        return timer == null ? 0 : timer.count();
    }

    @Test
    void aTermStartsJosdkAndItsEndLeavesNoThreadNorGauge() {
        deployment("big");
        policy("budget", "1Mi");
        await().atMost(WAIT).until(operator.cluster::isSynced);
        assertThat(operator.statuses.isRunning())
                .as("a follower runs no JOSDK operator")
                .isFalse();

        operator.lead();
        assertThat(operator.statuses.isRunning()).isTrue();
        await().atMost(WAIT).untilAsserted(() -> assertThat(operator.meters
                        .find("imagesize.policy.violations")
                        .tag("namespace", ns)
                        .gauge())
                .isNotNull());

        operator.follow();
        assertThat(operator.statuses.isRunning()).isFalse();
        assertThat(operator.meters.find("imagesize.policy.violations").gauges())
                .as("a follower exports no violations")
                .isEmpty();
        assertThat(Thread.getAllStackTraces().keySet())
                .extracting(Thread::getName)
                .noneMatch(name -> name.startsWith("policy-status-"));

        operator.lead();
        policy("budget", "10Mi");
        await().atMost(WAIT).alias("a second term reconciles again").untilAsserted(() -> assertThat(status("budget"))
                .containsEntry("violations", 0));
    }

    private void deployment(String name) {
        client.apps()
                .deployments()
                .resource(Fixtures.deployment(ns, name, "app", big.reference()))
                .create();
    }

    private void policy(String name, String max) {
        cluster.kubectl()
                .runWithInput("""
                        apiVersion: imagesize.dev/v1alpha1
                        kind: ImageSizePolicy
                        metadata: {name: %s, namespace: %s}
                        spec: {action: Audit, maxImageSize: %s}
                        """.formatted(name, ns, max), "apply", "-f", "-")
                .assertSuccess();
    }

    private GenericKubernetesResource policy(String name) {
        return client.genericKubernetesResources("imagesize.dev/v1alpha1", "ImageSizePolicy")
                .inNamespace(ns)
                .withName(name)
                .get();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> status(String name) {
        Object status = policy(name).getAdditionalProperties().get("status");
        return status == null ? Map.of() : (Map<String, Object>) status;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> ready(String name) {
        List<Map<String, Object>> conditions =
                (List<Map<String, Object>>) status(name).get("conditions");
        assertThat(conditions).as("conditions of %s", name).isNotEmpty();
        return conditions.get(0);
    }

    private List<ManagedFieldsEntry> statusManagers(String name) {
        return policy(name).getMetadata().getManagedFields().stream()
                .filter(entry -> "status".equals(entry.getSubresource()))
                .toList();
    }

    /** The status entry of {@code manager} in the policy's managedFields, or null. */
    private ManagedFieldsEntry manager(String policy, String manager) {
        return statusManagers(policy).stream()
                .filter(entry -> manager.equals(entry.getManager()))
                .findFirst()
                .orElse(null);
    }

    /** The status fields an entry owns: {@code workloads}, {@code conditions}, ... */
    @SuppressWarnings("unchecked")
    private static Set<String> fields(ManagedFieldsEntry entry) {
        assertThat(entry).isNotNull();
        Map<String, Object> status = (Map<String, Object>)
                entry.getFieldsV1().getAdditionalProperties().get("f:status");
        return status.keySet().stream()
                .filter(key -> key.startsWith("f:"))
                .map(key -> key.substring(2))
                .collect(Collectors.toSet());
    }

    private List<Event> events(String involvedName) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> e.getInvolvedObject().getName().equals(involvedName))
                .toList();
    }
}
