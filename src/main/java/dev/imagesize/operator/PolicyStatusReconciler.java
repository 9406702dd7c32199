package dev.imagesize.operator;

import dev.imagesize.api.v1alpha1.ImageSizePolicyStatus;
import dev.imagesize.cluster.ClusterView;
import dev.imagesize.cluster.CompiledPolicy;
import dev.imagesize.cluster.PolicyId;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Keeps the status of one kind of policy true to the cluster: a java-operator-sdk reconciler, run on the leader only
 * by {@link PolicyStatusOperator}. JOSDK calls it when the policy's spec changes (its informer is generation-aware),
 * when the policy is deleted, when {@link #changed} says that an audit pass changed the policy's findings or that the
 * cluster view compiled a new version of it, and at least every audit interval.
 *
 * <p>The status is {@link PolicyStatuses} of the rule {@link ClusterView} compiled (the one the webhook enforces) and
 * the {@link FindingsStore}'s findings. It is written only when it differs from the stored one, by server-side apply
 * ({@link UpdateControl#patchStatus}) of a fresh object carrying only name, namespace and every status field, so the
 * leader's field manager owns the whole status. A policy that cannot be used gets its InvalidPolicy status and a
 * Warning Event. A reconciliation that still fails after JOSDK's retries leaves a status saying so. The policy's
 * violations gauge follows its status and goes away with the policy.
 *
 * @param <P> the policy kind
 */
public abstract class PolicyStatusReconciler<P extends CustomResource<?, ImageSizePolicyStatus>>
        implements Reconciler<P> {
    private static final Logger LOG = Logger.getLogger(PolicyStatusReconciler.class);
    /** The reason of the Warning Event about a policy that cannot be used. */
    static final String INVALID_REASON = PolicyStatuses.INVALID_POLICY;

    /**
     * What every status is made of, shared by the reconcilers of both kinds.
     *
     * @param policies the policy as {@link ClusterView} compiled it (the rule the webhook enforces), or null
     * @param failClosed whether an Enforce policy that cannot be used denies what it would govern (its status says so)
     */
    public record Inputs(
            Function<PolicyId, CompiledPolicy> policies,
            FindingsStore store,
            WorkloadEvents events,
            ViolationGauges gauges,
            boolean failClosed,
            Clock clock,
            MeterRegistry meters) {}

    private final String kind;
    private final Supplier<P> empty;
    private final Inputs inputs;
    /** The current term's source of {@link #changed} events; a stopped one ignores them. */
    private volatile SimpleInboundEventSource<P> changes;

    /**
     * @param kind {@code ImageSizePolicy} or {@code ClusterImageSizePolicy}, as {@link PolicyId} names it
     * @param empty a new, empty policy object of this kind
     */
    protected PolicyStatusReconciler(String kind, Supplier<P> empty, Inputs inputs) {
        this.kind = kind;
        this.empty = empty;
        this.inputs = inputs;
    }

    @Override
    public List<EventSource<?, P>> prepareEventSources(EventSourceContext<P> context) {
        SimpleInboundEventSource<P> source = new SimpleInboundEventSource<>("policy-changes");
        changes = source;
        return List.of(source);
    }

    /** Asks for a look at those of these policies that are of this kind (their findings or their rule changed). */
    void changed(Collection<PolicyId> policies) {
        SimpleInboundEventSource<P> source = changes;
        if (source == null) {
            return;
        }
        for (PolicyId id : policies) {
            if (kind.equals(id.kind())) {
                source.propagateEvent(new ResourceID(id.name(), id.namespace()));
            }
        }
    }

    @Override
    public UpdateControl<P> reconcile(P policy, Context<P> context) {
        PolicyId id = new PolicyId(
                kind, policy.getMetadata().getNamespace(), policy.getMetadata().getName());
        if (context.isPrimaryResourceDeleted()) {
            inputs.gauges().remove(id);
            return UpdateControl.noUpdate();
        }
        CompiledPolicy compiled = inputs.policies().apply(id);
        if (!compiledFrom(compiled, policy)) {
            return UpdateControl.noUpdate(); // the cluster view has not compiled this version yet; it says when it has
        }
        Timer.Sample sample = Timer.start(inputs.meters());
        ImageSizePolicyStatus status = status(id, compiled, policy);
        inputs.gauges().set(id, status.getViolations());
        boolean differs = !status.equals(policy.getStatus());
        sample.stop(Timer.builder("imagesize.reconciliations")
                .description("Policy status reconciliations, by kind and whether the status changed")
                .tag("kind", kind)
                .tag("patched", Boolean.toString(differs))
                .register(inputs.meters()));
        return differs ? UpdateControl.patchStatus(statusOnly(policy, status)) : UpdateControl.noUpdate();
    }

    /**
     * After JOSDK's last retry of a failed reconciliation: the status says that it may be out of date, and why
     * ({@link PolicyStatuses#failed}); earlier attempts change nothing and are retried.
     */
    @Override
    public ErrorStatusUpdateControl<P> updateErrorStatus(P policy, Context<P> context, Exception e) {
        PolicyId id = new PolicyId(
                kind, policy.getMetadata().getNamespace(), policy.getMetadata().getName());
        boolean lastAttempt =
                context.getRetryInfo().map(RetryInfo::isLastAttempt).orElse(true);
        LOG.warnf(
                "cannot work out the status of %s: %s%s",
                id, e.toString(), lastAttempt ? "; the status says so until a reconciliation succeeds" : "; retrying");
        if (!lastAttempt) {
            return ErrorStatusUpdateControl.defaultErrorProcessing();
        }
        String problem = e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        ImageSizePolicyStatus status = PolicyStatuses.failed(
                policy.getMetadata().getGeneration(),
                problem,
                policy.getStatus(),
                inputs.clock().instant());
        return status.equals(policy.getStatus())
                ? ErrorStatusUpdateControl.noStatusUpdate()
                : ErrorStatusUpdateControl.patchStatus(statusOnly(policy, status));
    }

    private ImageSizePolicyStatus status(PolicyId id, CompiledPolicy compiled, P policy) {
        Instant now = inputs.clock().instant();
        FindingsStore store = inputs.store();
        if (compiled.isValid()) {
            return PolicyStatuses.of(
                    compiled.rule(),
                    compiled.generation(),
                    store.forPolicy(id),
                    store.firstPassDone(),
                    policy.getStatus(),
                    now);
        }
        ImageSizePolicyStatus status = PolicyStatuses.invalid(
                compiled.generation(),
                compiled.problem(),
                inputs.failClosed() && compiled.enforce(),
                policy.getStatus(),
                now);
        inputs.events()
                .warn(
                        policy,
                        INVALID_REASON,
                        compiled.uid() + "|" + compiled.generation() + "|" + compiled.problem(),
                        status.getConditions().get(0).getMessage(),
                        now);
        return status;
    }

    /** Whether the cluster view has compiled this object, at its generation or a later one. */
    private static boolean compiledFrom(CompiledPolicy compiled, CustomResource<?, ?> policy) {
        if (compiled == null
                || !Objects.equals(compiled.uid(), policy.getMetadata().getUid())) {
            return false;
        }
        Long generation = policy.getMetadata().getGeneration();
        return generation == null || (compiled.generation() != null && compiled.generation() >= generation);
    }

    /** What JOSDK applies: the policy's name and namespace and the new status, nothing else. */
    private P statusOnly(P policy, ImageSizePolicyStatus status) {
        P patch = empty.get();
        ObjectMeta metadata = new ObjectMeta();
        metadata.setName(policy.getMetadata().getName());
        metadata.setNamespace(policy.getMetadata().getNamespace());
        patch.setMetadata(metadata);
        patch.setSpec(null);
        patch.setStatus(status);
        return patch;
    }
}
