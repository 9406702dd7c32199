package dev.imagesize.operator;

import dev.imagesize.Config;
import dev.imagesize.Deadline;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.PolicyEvaluator;
import dev.imagesize.policy.Rule;
import dev.imagesize.registry.DockerConfig;
import dev.imagesize.registry.ImageSizeResolver;
import dev.imagesize.registry.RegistryCredential;
import dev.imagesize.workload.Workload;
import dev.imagesize.workload.Workloads;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Audits what already runs: watches Pods and the seven pod controllers through informers, evaluates each top-level
 * workload against every policy that governs it (the same evaluator as the webhook), records the verdict on the
 * workload (annotations, an Event on a new violation), and keeps the findings from which policy status is derived.
 * Work is batched: a pass resolves each distinct image once, however many workloads run it. Runs on the leader only:
 * the policy reconcilers start it.
 */
@Singleton
public class WorkloadAudit {
    private static final Logger LOG = Logger.getLogger(WorkloadAudit.class);
    private static final long DEBOUNCE_MILLIS = 300;

    /** The latest evaluation of one workload. */
    public record Audited(Workload workload, List<Finding> findings) {}

    private final KubernetesClient client;
    private final ClusterView cluster;
    private final ImageSizeResolver resolver;
    private final PullSecrets pullSecrets;
    private final WorkloadRecorder recorder;
    private final Config.Audit config;

    private final Map<String, SharedIndexInformer<? extends HasMetadata>> informers = new LinkedHashMap<>();
    private final Map<String, Audited> audited = new ConcurrentHashMap<>();
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean allDirty = true;
    private volatile boolean firstPassDone;
    private ScheduledExecutorService worker;

    WorkloadAudit(
            KubernetesClient client,
            ClusterView cluster,
            ImageSizeResolver resolver,
            PullSecrets pullSecrets,
            WorkloadRecorder recorder,
            Config config) {
        this.client = client;
        this.cluster = cluster;
        this.resolver = resolver;
        this.pullSecrets = pullSecrets;
        this.recorder = recorder;
        this.config = config.audit();
    }

    /** Starts watching workloads (idempotent). {@code listener} runs after every pass that may change statuses. */
    public synchronized void start(Runnable listener) {
        listeners.add(listener);
        if (worker != null) {
            return;
        }
        inform("Pod", client.pods().inAnyNamespace());
        inform("Deployment", client.apps().deployments().inAnyNamespace());
        inform("StatefulSet", client.apps().statefulSets().inAnyNamespace());
        inform("DaemonSet", client.apps().daemonSets().inAnyNamespace());
        inform("ReplicaSet", client.apps().replicaSets().inAnyNamespace());
        inform("ReplicationController", client.replicationControllers().inAnyNamespace());
        inform("Job", client.batch().v1().jobs().inAnyNamespace());
        inform("CronJob", client.batch().v1().cronjobs().inAnyNamespace());
        cluster.onPolicyChange(this::markAllDirty);
        worker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "workload-audit");
            thread.setDaemon(true);
            return thread;
        });
        worker.scheduleWithFixedDelay(this::pass, 0, DEBOUNCE_MILLIS, TimeUnit.MILLISECONDS);
        worker.scheduleWithFixedDelay(
                this::markAllDirty,
                config.interval().toMillis(),
                config.interval().toMillis(),
                TimeUnit.MILLISECONDS);
        LOG.infof("auditing workloads every %s and on every change", config.interval());
    }

    /** True once every workload of the cluster has been evaluated at least once since start. */
    public boolean firstPassDone() {
        return firstPassDone;
    }

    /** The latest evaluations, for deriving policy status. */
    public Iterable<Audited> audited() {
        return audited.values();
    }

    public void markAllDirty() {
        allDirty = true;
    }

    private <T extends HasMetadata> void inform(
            String kind, io.fabric8.kubernetes.client.dsl.AnyNamespaceOperation<T, ?, ?> operation) {
        SharedIndexInformer<T> informer = operation.inform(
                new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(T obj) {
                        dirty.add(key(kind, obj));
                    }

                    @Override
                    public void onUpdate(T oldObj, T newObj) {
                        // status and our own annotations change often; only what policies read matters
                        if (!Objects.equals(Workloads.of(oldObj), Workloads.of(newObj))
                                || !Objects.equals(
                                        oldObj.getMetadata().getOwnerReferences(),
                                        newObj.getMetadata().getOwnerReferences())) {
                            dirty.add(key(kind, newObj));
                        }
                    }

                    @Override
                    public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                        dirty.add(key(kind, obj));
                    }
                },
                0);
        informers.put(kind, informer);
    }

    private static String key(String kind, HasMetadata obj) {
        return kind + "/" + obj.getMetadata().getNamespace() + "/"
                + obj.getMetadata().getName();
    }

    private boolean synced() {
        return cluster.isSynced() && informers.values().stream().allMatch(SharedIndexInformer::hasSynced);
    }

    private void pass() {
        try {
            if (!synced()) {
                return;
            }
            List<String> keys = new ArrayList<>();
            boolean full = allDirty;
            if (full) {
                allDirty = false;
                dirty.clear();
                Set<String> all = new LinkedHashSet<>();
                informers.forEach(
                        (kind, informer) -> informer.getStore().list().forEach(obj -> all.add(key(kind, obj))));
                all.addAll(audited.keySet()); // gone since the last pass: forget them
                keys.addAll(all);
            } else {
                for (String key : List.copyOf(dirty)) {
                    dirty.remove(key);
                    keys.add(key);
                }
            }
            if (keys.isEmpty() && !(full && !firstPassDone)) {
                return; // nothing changed; but a first full pass over an empty cluster still counts as done
            }
            audit(keys);
            if (full && !firstPassDone) {
                firstPassDone = true;
                LOG.infof("first audit done: %d workloads under policies", audited.size());
            }
            listeners.forEach(Runnable::run);
        } catch (RuntimeException e) {
            LOG.errorf(e, "audit pass failed; retrying at the next change or interval");
            allDirty = true;
        }
    }

    private record Planned(
            String key, HasMetadata object, Workload workload, List<Rule> rules, DockerConfig credentials) {}

    private void audit(List<String> keys) {
        List<Rule> rules = cluster.rules();
        List<Platform> platforms = cluster.clusterPlatforms();
        List<Planned> planned = new ArrayList<>();
        for (String key : keys) {
            HasMetadata object = lookup(key);
            Workload workload = object == null || Workloads.hasCheckedOwner(object)
                    ? null
                    : Workloads.of(object).orElse(null);
            List<Rule> applicable = workload == null
                    ? List.of()
                    : PolicyEvaluator.applicable(
                            rules,
                            workload.namespace(),
                            workload.templateLabels(),
                            cluster.namespaceLabels(workload.namespace()));
            if (applicable.isEmpty()) {
                audited.remove(key);
                if (object != null) {
                    recorder.clear(object);
                }
                continue;
            }
            planned.add(new Planned(key, object, workload, applicable, pullSecrets.forWorkload(workload)));
        }
        Map<Lookup, ResolveResult> sizes = resolve(planned, platforms);
        Instant now = Instant.now();
        for (Planned plan : planned) {
            List<Finding> findings = PolicyEvaluator.evaluate(
                    plan.rules(),
                    plan.workload().containers(),
                    platforms,
                    image -> sizes.get(new Lookup(image, credentialFor(plan, image))));
            audited.put(plan.key(), new Audited(plan.workload(), findings));
            recorder.record(plan.object(), WorkloadVerdict.of(findings), findings, now);
        }
    }

    /** An image as seen with one credential: the unit of registry work. */
    private record Lookup(ImageRef image, RegistryCredential credential) {}

    private static RegistryCredential credentialFor(Planned plan, ImageRef image) {
        return plan.credentials().credentialFor(image).orElse(null);
    }

    /**
     * One lookup per distinct image and credential (each workload's own pull secrets, never another namespace's),
     * with the union of the platforms the policies measure.
     */
    private Map<Lookup, ResolveResult> resolve(List<Planned> planned, List<Platform> platforms) {
        Map<Lookup, Set<Platform>> needed = new LinkedHashMap<>();
        for (Planned plan : planned) {
            PolicyEvaluator.imagesToSize(plan.rules(), plan.workload().containers(), platforms)
                    .forEach((image, imagePlatforms) -> needed.computeIfAbsent(
                                    new Lookup(image, credentialFor(plan, image)), l -> new LinkedHashSet<>())
                            .addAll(imagePlatforms));
        }
        List<ImageSizeResolver.Lookup> lookups = new ArrayList<>();
        needed.forEach((lookup, imagePlatforms) -> lookups.add(new ImageSizeResolver.Lookup(
                lookup.image(), PlatformSelection.of(List.copyOf(imagePlatforms)), lookup.credential())));
        List<ResolveResult> results =
                resolver.resolveAll(lookups, Deadline.in(config.lookupTimeout()), ImageSizeResolver.Priority.AUDIT);
        Map<Lookup, ResolveResult> sizes = new HashMap<>();
        int i = 0;
        for (Lookup lookup : needed.keySet()) {
            sizes.put(lookup, results.get(i++));
        }
        return sizes;
    }

    private HasMetadata lookup(String key) {
        String[] parts = key.split("/", 3);
        SharedIndexInformer<? extends HasMetadata> informer = informers.get(parts[0]);
        return informer == null ? null : informer.getIndexer().getByKey(parts[1] + "/" + parts[2]);
    }

    /** Whether two rules are the same policy (its spec may have changed). */
    static boolean sameRule(Rule a, Rule b) {
        return a.kind().equals(b.kind()) && a.key().equals(b.key());
    }

    public synchronized void stop() {
        if (worker != null) {
            worker.shutdownNow();
        }
        informers.values().forEach(SharedIndexInformer::stop);
    }
}
