package dev.imagesize.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagesize.testing.Fixtures;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.Namespaces;
import dev.imagesize.testing.OperatorProcess;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import dev.imagesize.testing.WebhookRegistration;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two operator processes against one API server prove leadership by its effects: only the Lease holder's identity
 * writes annotations, Events and statuses, the follower makes no registry request, a leader that loses its Lease
 * stops its audit but keeps serving the webhook, and when the leader stops the other takes over within the lease
 * duration while the webhook answers every admission of a stream.
 */
class HighAvailabilityIT {
    private static final Duration LEASE = Duration.ofSeconds(6);

    @Test
    void onlyTheLeaderWritesAndAFollowerTakesOverWhileTheWebhookAnswers() throws Exception {
        TestCluster cluster = TestCluster.get().withCrds();
        KubernetesClient client = cluster.client();
        LocalRegistry registry = LocalRegistry.sharedPlain();
        Pushed big = TestImages.push(registry, "ha/big", "1.0", Format.OCI, 1_500_000);
        String ns = Namespaces.create(client, "ha");
        String lease = "imagesize-" + ns;
        Map<String, String> properties = Map.of(
                "imagesize.registry.insecure-registries",
                registry.hostPort(),
                "imagesize.leader-election.lease-name",
                lease,
                "imagesize.leader-election.lease-duration",
                LEASE.toSeconds() + "s",
                "imagesize.leader-election.renew-deadline",
                "4s",
                "imagesize.leader-election.retry-period",
                "1s",
                "imagesize.audit.event-repeat-interval",
                "1h");
        OperatorProcess a =
                OperatorProcess.start(cluster, properties, Map.of("POD_NAME", ns + "-a"), cluster.kubeconfig());
        OperatorProcess b =
                OperatorProcess.start(cluster, properties, Map.of("POD_NAME", ns + "-b"), cluster.kubeconfig());
        String webhookName = "imagesize-" + ns;
        try {
            Deployment deployment =
                    client.resource(deployment(ns, "big", big.reference())).create();
            policy(cluster, ns, "1Mi");
            await().atMost(Duration.ofSeconds(90))
                    .until(() ->
                            status(client, ns).getOrDefault("violations", 0).equals(1));

            String leaderName = holder(client, lease);
            OperatorProcess leader = leaderName.equals(ns + "-a") ? a : b;
            OperatorProcess follower = leader == a ? b : a;
            String followerName = leader == a ? ns + "-b" : ns + "-a";
            assertThat(leaderName).isIn(ns + "-a", ns + "-b");

            assertThat(annotationManagers(client, deployment)).containsExactly(new Identity(leaderName).fieldManager());
            assertThat(statusManagers(client, ns)).containsExactly(new Identity(leaderName).fieldManager());
            List<Event> events = client.v1().events().inNamespace(ns).list().getItems();
            assertThat(events).isNotEmpty().allSatisfy(e -> {
                assertThat(e.getReportingInstance()).isEqualTo(leaderName);
                assertThat(e.getSource().getHost()).isEqualTo(leaderName);
            });
            assertThat(leader.metrics())
                    .contains("imagesize_registry_requests_seconds_count")
                    .contains("imagesize_reconciliations_seconds_count")
                    .contains("imagesize_policy_violations{");
            assertThat(follower.metrics())
                    .as("the follower audits nothing, so it asks no registry")
                    .doesNotContain("imagesize_registry_requests_seconds_count")
                    .doesNotContain("imagesize_audit_passes_seconds_count")
                    .as("the follower runs no status reconciler")
                    .doesNotContain("imagesize_reconciliations_seconds_count")
                    .doesNotContain("imagesize_policy_violations{");
            assertThat(follower.metric("imagesize_audit_writes_total{what=\"annotations\"}"))
                    .isZero();

            // the webhook of the replica that stays answers a stream of dry-run admissions through the handover
            String caBundle =
                    Base64.getEncoder().encodeToString(follower.caBundlePem().getBytes(StandardCharsets.UTF_8));
            cluster.kubectl()
                    .runWithInput(
                            WebhookRegistration.of(follower.webhookUrl(), caBundle, ns, webhookName),
                            "apply",
                            "-f",
                            "-")
                    .assertSuccess();
            AtomicBoolean streaming = new AtomicBoolean(true);
            AtomicInteger answered = new AtomicInteger();
            List<String> failures = new CopyOnWriteArrayList<>();
            Thread stream = new Thread(() -> {
                int i = 0;
                while (streaming.get()) {
                    try {
                        client.resource(deployment(ns, "probe-" + i++, big.reference()))
                                .dryRun()
                                .create();
                        answered.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add(e.getMessage());
                    }
                }
            });
            stream.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> answered.get() >= 5);

            long stoppedAt = System.nanoTime();
            leader.stop();
            assertThat(leader.log())
                    .as("a stopping leader hands the Lease over instead of letting it expire")
                    .contains(leaderName + " released the Lease");
            await().atMost(LEASE).until(() -> followerName.equals(holder(client, lease)));
            Duration takeover = Duration.ofNanos(System.nanoTime() - stoppedAt);
            int before = answered.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> answered.get() >= before + 5);
            streaming.set(false);
            stream.join();
            assertThat(failures)
                    .as("admissions that failed during the handover")
                    .isEmpty();
            assertThat(takeover).isLessThan(LEASE);

            policy(cluster, ns, "10Mi");
            await().atMost(Duration.ofSeconds(90))
                    .until(() ->
                            status(client, ns).getOrDefault("violations", -1).equals(0));
            assertThat(statusManagers(client, ns)).contains(new Identity(followerName).fieldManager());

            // a leader that loses its Lease stops leading, keeps serving the webhook and contends again
            client.resources(Lease.class).inNamespace("default").withName(lease).edit(l -> {
                l.getSpec().setHolderIdentity("someone-else");
                l.getSpec().setRenewTime(ZonedDateTime.now());
                l.getSpec().setLeaseDurationSeconds(30);
                return l;
            });
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> follower.log().contains(followerName + " no longer leads"));
            assertThat(follower.isAlive()).isTrue();
            client.resource(deployment(ns, "after-loss", big.reference()))
                    .dryRun()
                    .create();
            // the term's work stops after the log line: the status reconcilers (JOSDK lets running reconciliations
            // finish), then the audit
            await().atMost(Duration.ofSeconds(20)).until(() -> follower.log().contains("audit stopped"));
            assertThat(follower.metrics())
                    .as("its status reconcilers stopped with the term")
                    .doesNotContain("imagesize_policy_violations{");
        } finally {
            cluster.kubectl().run("delete", "validatingwebhookconfiguration", webhookName, "--ignore-not-found");
            a.close();
            b.close();
            client.namespaces().withName(ns).delete();
        }
    }

    private static Deployment deployment(String ns, String name, String image) {
        return Fixtures.deployment(ns, name, "app", image);
    }

    private static void policy(TestCluster cluster, String ns, String max) {
        cluster.kubectl()
                .runWithInput("""
                        apiVersion: imagesize.dev/v1alpha1
                        kind: ImageSizePolicy
                        metadata: {name: ha, namespace: %s}
                        spec: {action: Audit, maxImageSize: %s}
                        """.formatted(ns, max), "apply", "-f", "-")
                .assertSuccess();
    }

    private static String holder(KubernetesClient client, String lease) {
        Lease found = client.resources(Lease.class)
                .inNamespace("default")
                .withName(lease)
                .get();
        return found == null || found.getSpec().getHolderIdentity() == null
                ? ""
                : found.getSpec().getHolderIdentity();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(KubernetesClient client, String ns) {
        GenericKubernetesResource policy = client.genericKubernetesResources(
                        "imagesize.dev/v1alpha1", "ImageSizePolicy")
                .inNamespace(ns)
                .withName("ha")
                .get();
        Object status = policy == null ? null : policy.getAdditionalProperties().get("status");
        return status == null ? Map.of() : (Map<String, Object>) status;
    }

    /** Managers of the imagesize.dev annotations of a workload. */
    private static List<String> annotationManagers(KubernetesClient client, Deployment deployment) {
        List<String> managers = new ArrayList<>();
        for (ManagedFieldsEntry entry :
                client.resource(deployment).get().getMetadata().getManagedFields()) {
            if (entry.getFieldsV1() != null && entry.getFieldsV1().toString().contains("imagesize.dev/")) {
                managers.add(entry.getManager());
            }
        }
        return managers;
    }

    /** Managers of the policy's status. */
    private static List<String> statusManagers(KubernetesClient client, String ns) {
        GenericKubernetesResource policy = client.genericKubernetesResources(
                        "imagesize.dev/v1alpha1", "ImageSizePolicy")
                .inNamespace(ns)
                .withName("ha")
                .get();
        return policy.getMetadata().getManagedFields().stream()
                .filter(entry -> "status".equals(entry.getSubresource()))
                .map(ManagedFieldsEntry::getManager)
                .toList();
    }
}
