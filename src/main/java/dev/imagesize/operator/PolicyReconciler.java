package dev.imagesize.operator;

import dev.imagesize.api.v1alpha1.ImageSizePolicyStatus;
import dev.imagesize.policy.Rule;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Keeps a policy's status true to the cluster: reconciles when the policy changes, when an audit pass finished (the
 * audit signals every policy), and at least every audit interval. The status is derived from the audit's findings,
 * so a restart loses nothing, and it is patched only when it differs.
 */
abstract class PolicyReconciler<P extends CustomResource<?, ImageSizePolicyStatus>> implements Reconciler<P> {
    private final WorkloadAudit audit;
    private final Function<P, Rule> compile;
    private final Supplier<P> empty;
    private final Clock clock;
    private final MeterRegistry meters;

    /** Violations per policy, as last computed: a gauge per policy, kept in this map. */
    private final java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> violations =
            new java.util.concurrent.ConcurrentHashMap<>();

    private void recordViolations(P policy, ImageSizePolicyStatus status) {
        String key = policy.getKind() + "/"
                + (policy.getMetadata().getNamespace() == null
                        ? ""
                        : policy.getMetadata().getNamespace() + "/")
                + policy.getMetadata().getName();
        violations
                .computeIfAbsent(key, k -> {
                    java.util.concurrent.atomic.AtomicInteger value = new java.util.concurrent.atomic.AtomicInteger();
                    io.micrometer.core.instrument.Gauge.builder(
                                    "imagesize.policy.violations",
                                    value,
                                    java.util.concurrent.atomic.AtomicInteger::get)
                            .description("Workloads over budget, per policy")
                            .tag("kind", policy.getKind())
                            .tag(
                                    "namespace",
                                    policy.getMetadata().getNamespace() == null
                                            ? ""
                                            : policy.getMetadata().getNamespace())
                            .tag("policy", policy.getMetadata().getName())
                            .register(meters);
                    return value;
                })
                .set(status.getViolations() == null ? 0 : status.getViolations());
    }

    PolicyReconciler(
            WorkloadAudit audit, Function<P, Rule> compile, Supplier<P> empty, Clock clock, MeterRegistry meters) {
        this.meters = meters;
        this.audit = audit;
        this.compile = compile;
        this.empty = empty;
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, P>> prepareEventSources(EventSourceContext<P> context) {
        SimpleInboundEventSource<P> auditPasses = new SimpleInboundEventSource<>("audit-passes");
        audit.start(() ->
                context.getPrimaryCache().list().forEach(p -> auditPasses.propagateEvent(ResourceID.fromResource(p))));
        return List.of(auditPasses);
    }

    @Override
    public UpdateControl<P> reconcile(P policy, Context<P> context) {
        Timer.Sample sample = Timer.start(meters);
        UpdateControl<P> control = reconcileStatus(policy);
        sample.stop(Timer.builder("imagesize.reconciliations")
                .description("Policy status reconciliations, by kind and whether the status changed")
                .tag("kind", policy.getKind())
                .tag("patched", Boolean.toString(control.isPatchStatus()))
                .register(meters));
        return control;
    }

    private UpdateControl<P> reconcileStatus(P policy) {
        Long generation = policy.getMetadata().getGeneration();
        ImageSizePolicyStatus previous = policy.getStatus();
        ImageSizePolicyStatus status;
        try {
            status = PolicyStatuses.of(compile.apply(policy), generation, audit, previous, clock.instant());
        } catch (RuntimeException e) {
            status = PolicyStatuses.invalid(generation, e.getMessage(), previous, clock.instant());
        }
        recordViolations(policy, status);
        if (status.equals(previous)) {
            return UpdateControl.noUpdate();
        }
        P patch = empty.get();
        patch.setMetadata(new ObjectMeta());
        patch.getMetadata().setName(policy.getMetadata().getName());
        patch.getMetadata().setNamespace(policy.getMetadata().getNamespace());
        patch.setStatus(status);
        return UpdateControl.patchStatus(patch);
    }
}
