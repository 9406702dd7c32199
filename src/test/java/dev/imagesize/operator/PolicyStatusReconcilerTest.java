package dev.imagesize.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagesize.api.v1alpha1.ClusterImageSizePolicy;
import dev.imagesize.api.v1alpha1.ImageSizePolicy;
import dev.imagesize.api.v1alpha1.ImageSizePolicySpec;
import dev.imagesize.api.v1alpha1.ImageSizePolicyStatus;
import dev.imagesize.api.v1alpha1.PolicyCondition;
import dev.imagesize.cluster.CompiledPolicy;
import dev.imagesize.cluster.PolicyId;
import dev.imagesize.image.Platform;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Rule;
import dev.imagesize.testing.Fixtures;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The JOSDK reconcilers called directly, as JOSDK calls them: what they hand back to JOSDK (a status to apply, or
 * nothing), for which version of a policy, and the gauge that follows the status. No API server: the status they
 * apply is the one {@link PolicyStatuses} derives, and applying it is JOSDK's part (StatusReconcilersIT).
 */
class PolicyStatusReconcilerTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final long MIB = 1024 * 1024;
    private static final String DIGEST = "sha256:" + "e".repeat(64);
    private static final Rule RULE = Fixtures.rule("shop", "budget", Rule.Action.AUDIT, new Limits(MIB, null, null));
    private static final PolicyId ID = PolicyId.of(RULE);
    private static final Rule CLUSTER_RULE =
            Fixtures.rule(null, "baseline", Rule.Action.AUDIT, new Limits(MIB, null, null));
    private static final PolicyId CLUSTER_ID = PolicyId.of(CLUSTER_RULE);

    private final FindingsStore store = new FindingsStore();
    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final ViolationGauges gauges = new ViolationGauges(meters);
    private final Map<PolicyId, CompiledPolicy> compiled = new HashMap<>();
    private final PolicyStatusReconciler.Inputs inputs = new PolicyStatusReconciler.Inputs(
            compiled::get, store, null, gauges, true, Clock.fixed(NOW, ZoneOffset.UTC), meters);
    private final ImageSizePolicyReconciler namespaced = new ImageSizePolicyReconciler(inputs);

    /** The audit found {@code web} over {@code rule}'s 1 MiB, and has looked at every workload once. */
    private void webIsOverBudget(Rule rule) {
        store.put(
                "Deployment/shop/web",
                new FindingsStore.Audited(
                        "Deployment",
                        "shop",
                        "web",
                        List.of(Fixtures.measured(
                                rule,
                                "main",
                                Fixtures.size("reg.io/shop/web:1", DIGEST, Platform.LINUX_AMD64, 2 * MIB)))));
        store.markFirstPassDone();
    }

    private static ImageSizePolicy policy(String uid, long generation) {
        ImageSizePolicy policy = new ImageSizePolicy();
        policy.setMetadata(new ObjectMetaBuilder()
                .withName("budget")
                .withNamespace("shop")
                .withUid(uid)
                .withGeneration(generation)
                .withResourceVersion("41")
                .addToLabels("team", "shop")
                .build());
        policy.setSpec(new ImageSizePolicySpec());
        return policy;
    }

    private static CompiledPolicy compiledAt(String uid, long generation) {
        return new CompiledPolicy(ID, uid, generation, RULE, null, false, null);
    }

    private static <P extends HasMetadata> Context<P> context(boolean deleted) {
        return context(deleted, null);
    }

    /** What JOSDK tells a reconciler: whether the policy is gone, and which attempt this is (null: the first). */
    private static <P extends HasMetadata> Context<P> context(boolean deleted, RetryInfo retry) {
        @SuppressWarnings("unchecked")
        Context<P> context = (Context<P>)
                Proxy.newProxyInstance(Context.class.getClassLoader(), new Class<?>[] {Context.class}, (p, m, a) -> {
                    switch (m.getName()) {
                        case "isPrimaryResourceDeleted":
                            return deleted;
                        case "getRetryInfo":
                            return Optional.ofNullable(retry);
                        default:
                            throw new UnsupportedOperationException(m.getName());
                    }
                });
        return context;
    }

    private static RetryInfo attempt(int count, boolean last) {
        return new RetryInfo() {
            @Override
            public int getAttemptCount() {
                return count;
            }

            @Override
            public boolean isLastAttempt() {
                return last;
            }
        };
    }

    private Gauge gauge(PolicyId policy) {
        return meters.find("imagesize.policy.violations")
                .tag("kind", policy.kind())
                .tag("policy", policy.name())
                .gauge();
    }

    private double patched(String kind, boolean patched) {
        var timer = meters.find("imagesize.reconciliations")
                .tag("kind", kind)
                .tag("patched", Boolean.toString(patched))
                .timer();
        return timer == null ? 0 : timer.count();
    }

    @Test
    void aNewStatusIsAppliedAsAnObjectWithOnlyNameNamespaceAndTheStatusOfTheCompiledRule() {
        webIsOverBudget(RULE);
        compiled.put(ID, compiledAt("uid-1", 2));

        UpdateControl<ImageSizePolicy> control = namespaced.reconcile(policy("uid-1", 2), context(false));

        assertThat(control.isPatchStatus()).isTrue();
        ImageSizePolicy applied = control.getResource().orElseThrow();
        assertThat(applied.getMetadata().getName()).isEqualTo("budget");
        assertThat(applied.getMetadata().getNamespace()).isEqualTo("shop");
        assertThat(applied.getMetadata().getUid())
                .as("nothing but the status is applied")
                .isNull();
        assertThat(applied.getMetadata().getResourceVersion()).isNull();
        assertThat(applied.getMetadata().getLabels()).isNullOrEmpty();
        assertThat(applied.getSpec()).isNull();
        assertThat(applied.getKind()).isEqualTo("ImageSizePolicy");
        assertThat(applied.getStatus())
                .isEqualTo(PolicyStatuses.of(RULE, 2L, store.forPolicy(ID), true, null, NOW))
                .satisfies(status -> {
                    assertThat(status.getViolations()).isEqualTo(1);
                    assertThat(status.getObservedGeneration()).isEqualTo(2L);
                });
        assertThat(gauge(ID).value()).isEqualTo(1.0);
        assertThat(patched(Rule.NAMESPACED_KIND, true)).isEqualTo(1);
    }

    @Test
    void aStatusThatWouldNotChangeIsNotWritten() {
        webIsOverBudget(RULE);
        compiled.put(ID, compiledAt("uid-1", 2));
        ImageSizePolicy policy = policy("uid-1", 2);
        policy.setStatus(namespaced
                .reconcile(policy, context(false))
                .getResource()
                .orElseThrow()
                .getStatus());

        UpdateControl<ImageSizePolicy> again = namespaced.reconcile(policy, context(false));

        assertThat(again.isNoUpdate()).isTrue();
        assertThat(patched(Rule.NAMESPACED_KIND, false)).isEqualTo(1);
        assertThat(gauge(ID).value()).isEqualTo(1.0);
    }

    @Test
    void aVersionTheClusterViewHasNotCompiledYetWaitsForIt() {
        webIsOverBudget(RULE);

        assertThat(namespaced.reconcile(policy("uid-1", 2), context(false)).isNoUpdate())
                .as("not compiled at all")
                .isTrue();
        compiled.put(ID, compiledAt("uid-1", 1));
        assertThat(namespaced.reconcile(policy("uid-1", 2), context(false)).isNoUpdate())
                .as("compiled from an older generation: the webhook does not enforce this one yet")
                .isTrue();
        compiled.put(ID, compiledAt("uid-0", 5));
        assertThat(namespaced.reconcile(policy("uid-1", 2), context(false)).isNoUpdate())
                .as("compiled from a deleted policy of the same name")
                .isTrue();
        assertThat(gauge(ID)).isNull();

        compiled.put(ID, compiledAt("uid-1", 3));
        assertThat(namespaced.reconcile(policy("uid-1", 2), context(false)).isPatchStatus())
                .as("a newer compiled version than the cached object: the status says what is enforced")
                .isTrue();
    }

    @Test
    void aDeletedPolicyTakesItsGaugeWithIt() {
        webIsOverBudget(RULE);
        compiled.put(ID, compiledAt("uid-1", 2));
        namespaced.reconcile(policy("uid-1", 2), context(false));
        assertThat(gauge(ID)).isNotNull();

        UpdateControl<ImageSizePolicy> control = namespaced.reconcile(policy("uid-1", 2), context(true));

        assertThat(control.isNoUpdate()).isTrue();
        assertThat(gauge(ID)).isNull();
    }

    @Test
    void aClusterPolicyIsNamedWithoutANamespaceAndAppliedAsItsOwnKind() {
        webIsOverBudget(CLUSTER_RULE);
        compiled.put(CLUSTER_ID, new CompiledPolicy(CLUSTER_ID, "uid-c", 1L, CLUSTER_RULE, null, false, null));
        ClusterImageSizePolicy policy = new ClusterImageSizePolicy();
        policy.setMetadata(new ObjectMetaBuilder()
                .withName("baseline")
                .withUid("uid-c")
                .withGeneration(1L)
                .build());

        UpdateControl<ClusterImageSizePolicy> control =
                new ClusterImageSizePolicyReconciler(inputs).reconcile(policy, context(false));

        CustomResource<?, ImageSizePolicyStatus> applied = control.getResource().orElseThrow();
        assertThat(applied).isInstanceOf(ClusterImageSizePolicy.class);
        assertThat(applied.getMetadata().getNamespace()).isNull();
        assertThat(applied.getStatus().getViolations()).isEqualTo(1);
        assertThat(gauge(CLUSTER_ID).getId().getTag("namespace")).isEmpty();
        assertThat(patched(Rule.CLUSTER_KIND, true)).isEqualTo(1);
    }

    @Test
    void aReconciliationThatStillFailsAfterTheRetriesLeavesAStatusSayingSoWithTheLastCounts() {
        webIsOverBudget(RULE);
        compiled.put(ID, compiledAt("uid-1", 2));
        ImageSizePolicy policy = policy("uid-1", 2);
        ImageSizePolicyStatus previous = namespaced
                .reconcile(policy, context(false))
                .getResource()
                .orElseThrow()
                .getStatus();
        policy.setStatus(previous);
        policy.getMetadata().setGeneration(3L);
        IllegalStateException broken = new IllegalStateException("the rule of shop/budget has no limits");
        ImageSizePolicyReconciler failing = new ImageSizePolicyReconciler(new PolicyStatusReconciler.Inputs(
                id -> {
                    throw broken;
                },
                store,
                null,
                gauges,
                true,
                Clock.fixed(NOW.plusSeconds(60), ZoneOffset.UTC),
                meters));
        assertThatThrownBy(() -> failing.reconcile(policy, context(false)))
                .as("JOSDK sees the failure and retries")
                .isSameAs(broken);

        assertThat(failing.updateErrorStatus(policy, context(false, attempt(1, false)), broken)
                        .isDefaultErrorProcessing())
                .as("an attempt JOSDK will retry changes nothing")
                .isTrue();

        ErrorStatusUpdateControl<ImageSizePolicy> last =
                failing.updateErrorStatus(policy, context(false, attempt(5, true)), broken);
        ImageSizePolicy applied = last.getResource().orElseThrow();
        assertThat(applied.getSpec()).isNull();
        ImageSizePolicyStatus status = applied.getStatus();
        PolicyCondition ready = status.getConditions().get(0);
        assertThat(ready.getType()).isEqualTo(PolicyCondition.READY);
        assertThat(ready.getStatus()).isEqualTo("Unknown");
        assertThat(ready.getReason()).isEqualTo(PolicyStatuses.STATUS_FAILED);
        assertThat(ready.getMessage())
                .isEqualTo("the operator could not work out this policy's status (IllegalStateException: the rule of"
                        + " shop/budget has no limits); the counts are the last ones it could, and it tries again"
                        + " when the policy or its findings change, and at least every audit interval");
        assertThat(ready.getObservedGeneration()).isEqualTo(3L);
        assertThat(ready.getLastTransitionTime()).isEqualTo(NOW.plusSeconds(60).toString());
        assertThat(status.getObservedGeneration())
                .as("the counts are those of generation 2")
                .isEqualTo(2L);
        assertThat(status.getViolations()).isEqualTo(previous.getViolations()).isEqualTo(1);
        assertThat(status.getWorkloads()).isEqualTo(previous.getWorkloads());
        assertThat(status.getTopViolations()).isEqualTo(previous.getTopViolations());
        assertThat(status.getConditions().subList(1, status.getConditions().size()))
                .as("the other conditions stay")
                .isEqualTo(previous.getConditions()
                        .subList(1, previous.getConditions().size()));

        policy.setStatus(status);
        assertThat(failing.updateErrorStatus(policy, context(false, attempt(5, true)), broken)
                        .getResource())
                .as("the same failure again writes nothing")
                .isEmpty();
    }
}
