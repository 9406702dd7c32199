package dev.imagesize.operator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.api.v1alpha1.ImageSizePolicyStatus;
import dev.imagesize.cluster.ClusterView;
import dev.imagesize.cluster.CompiledPolicy;
import dev.imagesize.cluster.PolicyId;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Keeps every policy's status true to the cluster, on the leader only: reconciles a policy when it changes, after
 * every audit pass, and every audit interval. The status is {@link PolicyStatuses} of the rule the cluster view
 * compiled and the audit's findings, patched only when it differs; a policy that cannot be used gets a status and a
 * Warning Event saying why. The per-policy violations gauge goes away with its policy.
 */
public final class PolicyStatusReconciler implements LeaderTask {
    private static final Logger LOG = Logger.getLogger(PolicyStatusReconciler.class);
    static final String INVALID_REASON = "InvalidPolicy";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration RETRY = Duration.ofSeconds(5);
    private static final List<String> STATUS_FIELDS =
            List.of("observedGeneration", "conditions", "workloads", "violations", "unresolved", "topViolations");

    private final KubernetesClient client;
    private final KubernetesSerialization serialization;
    private final ClusterView cluster;
    private final FindingsStore store;
    private final WorkloadEvents events;
    private final Identity identity;
    private final boolean failClosed;
    private final Duration interval;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Map<PolicyId, AtomicInteger> violations = new ConcurrentHashMap<>();
    private final Map<PolicyId, Gauge> gauges = new ConcurrentHashMap<>();
    private final Set<PolicyId> queued = new LinkedHashSet<>();
    private volatile boolean running;
    private ScheduledExecutorService worker;

    public PolicyStatusReconciler(
            KubernetesClient client,
            ClusterView cluster,
            FindingsStore store,
            WorkloadEvents events,
            Identity identity,
            boolean failClosed,
            Duration interval,
            Clock clock,
            MeterRegistry meters) {
        this.client = client;
        this.serialization = client.getKubernetesSerialization();
        this.cluster = cluster;
        this.store = store;
        this.events = events;
        this.identity = identity;
        this.failClosed = failClosed;
        this.interval = interval;
        this.clock = clock;
        this.meters = meters;
        cluster.onPolicyChange(this::enqueue);
    }

    /** Reconciles every policy soon (every interval). */
    public void enqueueAll() {
        cluster.policies().forEach(p -> enqueue(p.id()));
    }

    /** Reconciles these policies soon (after an audit pass changed their findings). */
    public void enqueue(java.util.Collection<PolicyId> policies) {
        policies.forEach(this::enqueue);
    }

    private void enqueue(PolicyId id) {
        if (!running) {
            return;
        }
        boolean first;
        synchronized (queued) {
            first = queued.isEmpty();
            queued.add(id);
        }
        ScheduledExecutorService current = worker;
        if (first && current != null) {
            try {
                current.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopping
            }
        }
    }

    @Override
    public synchronized void startLeading() {
        if (running) {
            return;
        }
        running = true;
        worker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "policy-status");
            thread.setDaemon(true);
            return thread;
        });
        worker.scheduleWithFixedDelay(this::enqueueAll, 0, Math.max(1, interval.toMillis()), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stopLeading() {
        if (!running) {
            return;
        }
        running = false;
        worker.shutdownNow();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (queued) {
            queued.clear();
        }
        gauges.values().forEach(meters::remove);
        gauges.clear();
        violations.clear();
        events.clear();
    }

    private void drain() {
        while (running) {
            PolicyId next;
            synchronized (queued) {
                if (queued.isEmpty()) {
                    return;
                }
                next = queued.iterator().next();
                queued.remove(next);
            }
            try {
                reconcile(next);
            } catch (RuntimeException e) {
                if (!running) {
                    return; // interrupted by the end of this term
                }
                LOG.warnf("cannot update the status of %s: %s; retrying in %s", next, e.toString(), RETRY);
                worker.schedule(() -> enqueue(next), RETRY.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Brings one policy's status up to date (and forgets a deleted policy's gauge). */
    void reconcile(PolicyId id) {
        CompiledPolicy policy = cluster.policy(id);
        GenericKubernetesResource current = cluster.current(id);
        if (policy == null || current == null) {
            Gauge gauge = gauges.remove(id);
            if (gauge != null) {
                meters.remove(gauge);
            }
            violations.remove(id);
            return;
        }
        Timer.Sample sample = Timer.start(meters);
        ImageSizePolicyStatus previous = previousStatus(current);
        ImageSizePolicyStatus status;
        if (policy.isValid()) {
            status = PolicyStatuses.of(
                    policy.rule(),
                    policy.generation(),
                    store.forPolicy(id),
                    store.firstPassDone(),
                    previous,
                    clock.instant());
        } else {
            boolean failsClosed = failClosed && policy.enforce();
            status = PolicyStatuses.invalid(
                    policy.generation(), policy.problem(), failsClosed, previous, clock.instant());
            events.warn(
                    current,
                    INVALID_REASON,
                    policy.uid() + "|" + policy.generation() + "|" + policy.problem(),
                    status.getConditions().get(0).getMessage(),
                    clock.instant());
        }
        violations
                .computeIfAbsent(id, this::registerGauge)
                .set(status.getViolations() == null ? 0 : status.getViolations());
        boolean patched = !status.equals(previous);
        if (patched) {
            patchStatus(id, current, status);
        }
        sample.stop(Timer.builder("imagesize.reconciliations")
                .description("Policy status reconciliations, by kind and whether the status changed")
                .tag("kind", id.kind())
                .tag("patched", Boolean.toString(patched))
                .register(meters));
    }

    private AtomicInteger registerGauge(PolicyId id) {
        AtomicInteger value = new AtomicInteger();
        gauges.put(
                id,
                Gauge.builder("imagesize.policy.violations", value, AtomicInteger::get)
                        .description("Workloads with at least one image over a limit of the policy")
                        .tag("kind", id.kind())
                        .tag("namespace", id.namespace() == null ? "" : id.namespace())
                        .tag("policy", id.name())
                        .register(meters));
        return value;
    }

    private ImageSizePolicyStatus previousStatus(GenericKubernetesResource current) {
        Object status = current.getAdditionalProperties().get("status");
        if (status == null) {
            return null;
        }
        try {
            return serialization.convertValue(status, ImageSizePolicyStatus.class);
        } catch (RuntimeException e) {
            return null; // unreadable: replaced by a whole new status
        }
    }

    @SuppressWarnings("unchecked")
    private void patchStatus(PolicyId id, GenericKubernetesResource current, ImageSizePolicyStatus status) {
        Map<String, Object> fields = new LinkedHashMap<>(serialization.convertValue(status, Map.class));
        STATUS_FIELDS.forEach(field -> fields.putIfAbsent(field, null)); // a merge patch removes what we no longer say
        String patch;
        try {
            patch = JSON.writeValueAsString(Map.of("status", fields));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        var resources = client.genericKubernetesResources(ClusterView.resourceOf(id.kind()));
        // the cached object names the policy: the client does not read it first
        var resource = id.isClusterScoped()
                ? resources.resource(current)
                : resources.inNamespace(id.namespace()).resource(current);
        try {
            resource.subresource("status")
                    .patch(
                            new PatchContext.Builder()
                                    .withPatchType(PatchType.JSON_MERGE)
                                    .withFieldManager(identity.fieldManager())
                                    .build(),
                            patch);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) { // deleted meanwhile
                throw e;
            }
        }
    }
}
