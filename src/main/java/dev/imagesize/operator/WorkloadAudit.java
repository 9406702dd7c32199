package dev.imagesize.operator;

import dev.imagesize.Config;
import dev.imagesize.Deadline;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.assessment.CredentialSource;
import dev.imagesize.assessment.Previous;
import dev.imagesize.assessment.SizeHistory;
import dev.imagesize.cluster.ClusterView;
import dev.imagesize.cluster.PolicyId;
import dev.imagesize.cluster.SlimStore;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Platform;
import dev.imagesize.policy.Container;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.PlatformScope;
import dev.imagesize.policy.PolicyEvaluator;
import dev.imagesize.policy.Rule;
import dev.imagesize.registry.ImageSizeResolver;
import dev.imagesize.workload.Workload;
import dev.imagesize.workload.WorkloadKind;
import dev.imagesize.workload.WorkloadSlimmer;
import dev.imagesize.workload.Workloads;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Audits what already runs, on the leader only: watches Pods and the pod controllers of {@link WorkloadKind} (each
 * kept only as far as the audit reads it), assesses each workload against every policy that governs it through the
 * same pipeline as the webhook, records the verdict on the workload, and keeps the findings the status reconciler
 * reads. A workload is reported through its controller (a Deployment, not its ReplicaSet or Pods) only while it runs
 * the controller's images: a Pod whose images differ from its owner's template, or whose owner does not exist, is
 * audited itself, so a forged ownerReference hides nothing.
 *
 * <p>Work follows changes: a workload's own change re-audits it; a namespaced policy's change re-audits its
 * namespace; a namespace's label change re-audits that namespace; a cluster policy's change, and every interval,
 * re-audit everything. One workload that fails is retried with backoff; the others go on.
 *
 * <p>Size trends: each audited workload carries the images its containers ran ({@link SizeHistory}, in an annotation
 * written with the verdict, so a new leader reads it back), which growth limits compare a new image with, and the
 * current and previous sizes per container are gauges ({@link WorkloadSizeMetrics}) that go with the workload.
 */
public final class WorkloadAudit implements LeaderTask {
    private static final Logger LOG = Logger.getLogger(WorkloadAudit.class);
    private static final long DEBOUNCE_MILLIS = 300;
    private static final String OWNER_INDEX = "controller-uid";
    /** Workloads assessed together in one call of the pipeline. */
    private static final int BATCH = 500;

    private final ClusterView cluster;
    private final io.fabric8.kubernetes.client.KubernetesClient client;
    private final Assessments assessments;
    private final CredentialSource credentials;
    private final WorkloadRecorder recorder;
    private final FindingsStore store;
    private final Config.Audit config;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Counter workloadErrors;
    private final WorkloadSizeMetrics sizes;

    /** Read by informer threads while a term starts or ends: a concurrent map. */
    private final Map<WorkloadKind, SharedIndexInformer<HasMetadata>> informers = new ConcurrentHashMap<>();

    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final Set<String> dirtyNamespaces = ConcurrentHashMap.newKeySet();
    private final Map<String, Failure> failing = new ConcurrentHashMap<>();
    private final List<java.util.function.Consumer<Set<PolicyId>>> passListeners = new CopyOnWriteArrayList<>();
    private volatile boolean allDirty = true;
    private volatile boolean running;
    private volatile boolean passing;
    private ScheduledExecutorService worker;
    /** Writes verdicts (annotations, Events) in parallel: they are independent, and each is a round trip. */
    private ExecutorService writers;

    private final List<Observer> observers = new CopyOnWriteArrayList<>();

    /** Told about each workload the audit assessed, and each no policy governs any more (on the audit's thread). */
    public interface Observer {
        void assessed(HasMetadata object, Workload workload, List<Finding> findings);

        void cleared(HasMetadata object);
    }

    /** A workload whose audit failed: how often, and when to try again. */
    private record Failure(int attempts, Instant retryAt) {}

    public WorkloadAudit(
            io.fabric8.kubernetes.client.KubernetesClient client,
            ClusterView cluster,
            Assessments assessments,
            CredentialSource credentials,
            WorkloadRecorder recorder,
            FindingsStore store,
            Config.Audit config,
            Clock clock,
            MeterRegistry meters) {
        this.client = client;
        this.cluster = cluster;
        this.assessments = assessments;
        this.credentials = credentials;
        this.recorder = recorder;
        this.store = store;
        this.config = config;
        this.clock = clock;
        this.meters = meters;
        io.micrometer.core.instrument.Gauge.builder("imagesize.audit.pending", this, WorkloadAudit::pending)
                .description("Workloads and namespaces waiting for the next audit pass (0 when the audit is idle)")
                .register(meters);
        this.sizes = new WorkloadSizeMetrics(meters, config.maxSizeSeries());
        this.workloadErrors = Counter.builder("imagesize.audit.workload.errors")
                .description("Workloads whose audit failed (each is retried with backoff; the others go on)")
                .register(meters);
        cluster.onPolicyChange(this::policyChanged);
        cluster.onNamespaceLabelsChange(namespace -> {
            if (running) {
                dirtyNamespaces.add(namespace);
            }
        });
    }

    /**
     * Runs {@code listener} after every pass with the policies whose findings changed (every policy after the first
     * full pass): the status reconciler's cue.
     */
    public void onPass(java.util.function.Consumer<Set<PolicyId>> listener) {
        passListeners.add(listener);
    }

    /** Adds {@code observer} (the content analysis' workload reports). */
    public void observe(Observer observer) {
        observers.add(observer);
    }

    @Override
    public synchronized void startLeading() {
        if (running) {
            return;
        }
        store.clear();
        dirty.clear();
        dirtyNamespaces.clear();
        failing.clear();
        allDirty = true;
        for (WorkloadKind kind : WorkloadKind.values()) {
            SharedIndexInformer<HasMetadata> informer =
                    kind.inAnyNamespace(client).withLimit(config.listPageSize()).runnableInformer(0);
            informer.itemStore(new SlimStore<>(WorkloadSlimmer::slim));
            informer.addIndexers(Map.of(OWNER_INDEX, WorkloadAudit::controllerUid));
            informer.addEventHandler(handler(kind));
            informers.put(kind, informer);
        }
        informers.values().forEach(SharedIndexInformer::start);
        running = true;
        worker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "workload-audit");
            thread.setDaemon(true);
            return thread;
        });
        AtomicInteger writerThreads = new AtomicInteger();
        writers = Executors.newFixedThreadPool(config.writers(), task -> {
            Thread thread = new Thread(task, "workload-audit-writer-" + writerThreads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        worker.scheduleWithFixedDelay(this::pass, 0, DEBOUNCE_MILLIS, TimeUnit.MILLISECONDS);
        worker.scheduleWithFixedDelay(
                () -> allDirty = true,
                config.interval().toMillis(),
                config.interval().toMillis(),
                TimeUnit.MILLISECONDS);
        LOG.infof("auditing workloads every %s and on every change", config.interval());
    }

    @Override
    public synchronized void stopLeading() {
        if (!running) {
            return;
        }
        running = false;
        worker.shutdownNow();
        writers.shutdownNow();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
            writers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        informers.values().forEach(SharedIndexInformer::stop);
        informers.clear();
        store.clear();
        sizes.clear();
        dirty.clear();
        failing.clear();
        LOG.info("audit stopped");
    }

    /** Workloads and namespaces waiting to be audited, and 1 while a pass runs. */
    private double pending() {
        return dirty.size() + dirtyNamespaces.size() + (allDirty && running ? 1 : 0) + (passing ? 1 : 0);
    }

    /** Whether the audit runs on this replica. */
    public boolean isRunning() {
        return running;
    }

    private void policyChanged(PolicyId id) {
        if (!running) {
            return;
        }
        if (id.isClusterScoped()) {
            allDirty = true;
        } else {
            dirtyNamespaces.add(id.namespace());
        }
    }

    private ResourceEventHandler<HasMetadata> handler(WorkloadKind kind) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(HasMetadata obj) {
                dirty.add(key(kind, obj));
                markDependents(obj);
            }

            @Override
            public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
                // status and our own annotations change often; only what the audit reads matters
                boolean imagesChanged = !Objects.equals(Workloads.of(oldObj), Workloads.of(newObj));
                if (imagesChanged
                        || !Objects.equals(controllerUid(oldObj), controllerUid(newObj))
                        || runsNothing(oldObj) != runsNothing(newObj)) {
                    dirty.add(key(kind, newObj));
                }
                if (imagesChanged) {
                    markDependents(newObj);
                }
            }

            @Override
            public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
                dirty.add(key(kind, obj));
                markDependents(obj);
            }
        };
    }

    /** Objects this one controls may now be reported through it, or on their own. */
    private void markDependents(HasMetadata owner) {
        String uid = owner.getMetadata().getUid();
        if (uid == null) {
            return;
        }
        informers.forEach((kind, informer) -> {
            for (HasMetadata dependent : informer.getIndexer().byIndex(OWNER_INDEX, uid)) {
                dirty.add(key(kind, dependent));
            }
        });
    }

    private static List<String> controllerUid(HasMetadata object) {
        return Workloads.checkedController(object)
                .map(OwnerReference::getUid)
                .filter(Objects::nonNull)
                .map(List::of)
                .orElse(List.of());
    }

    private static String key(WorkloadKind kind, HasMetadata obj) {
        return kind.kind() + "/" + Cache.metaNamespaceKeyFunc(obj);
    }

    private boolean synced() {
        return cluster.isSynced() && informers.values().stream().allMatch(SharedIndexInformer::hasSynced);
    }

    private void pass() {
        if (!running || !synced()) {
            return;
        }
        try {
            boolean full = allDirty;
            Set<String> keys = new LinkedHashSet<>();
            if (full) {
                allDirty = false;
                dirty.clear();
                dirtyNamespaces.clear();
                informers.forEach(
                        (kind, informer) -> informer.getStore().list().forEach(obj -> keys.add(key(kind, obj))));
                keys.addAll(store.keys()); // gone since the last pass: forget them
            } else {
                for (String key : List.copyOf(dirty)) {
                    dirty.remove(key);
                    keys.add(key);
                }
                for (String namespace : List.copyOf(dirtyNamespaces)) {
                    dirtyNamespaces.remove(namespace);
                    informers.forEach((kind, informer) -> informer.getIndexer()
                            .byIndex(Cache.NAMESPACE_INDEX, namespace)
                            .forEach(obj -> keys.add(key(kind, obj))));
                    store.keys().stream()
                            .filter(k -> k.split("/", 3)[1].equals(namespace))
                            .forEach(keys::add);
                }
                Instant now = clock.instant();
                failing.forEach((key, failure) -> {
                    if (!failure.retryAt().isAfter(now)) {
                        keys.add(key);
                    }
                });
            }
            if (keys.isEmpty() && !(full && !store.firstPassDone())) {
                return; // nothing changed; but a first full pass over an empty cluster still counts as done
            }
            Timer.Sample sample = Timer.start(meters);
            passing = true;
            try {
                audit(List.copyOf(keys));
            } finally {
                passing = false;
            }
            sample.stop(Timer.builder("imagesize.audit.passes")
                    .description("Audit passes, by kind: full (every workload) or partial (what changed)")
                    .tag("kind", full ? "full" : "partial")
                    .register(meters));
            Set<PolicyId> changed = store.drainChanged();
            if (full && !store.firstPassDone()) {
                store.markFirstPassDone();
                LOG.infof("first audit done: %d workloads under policies", store.size());
                cluster.policies().forEach(policy -> changed.add(policy.id())); // Evaluating -> Evaluated for all
            }
            passListeners.forEach(listener -> listener.accept(changed));
        } catch (RuntimeException e) {
            // a bug, not a workload: the next full pass (at the interval) tries everything again
            LOG.errorf("audit pass failed: %s; retrying at the next interval", e.toString());
        }
    }

    private record Planned(String key, HasMetadata object, Workload workload, List<Rule> rules, SizeHistory history) {}

    private void audit(List<String> keys) {
        List<Rule> rules = cluster.rules();
        PlatformScope scope = PlatformScope.cluster(cluster.clusterPlatforms());
        List<Planned> planned = new ArrayList<>();
        for (String key : keys) {
            if (!running) {
                return;
            }
            try {
                Planned plan = plan(key, rules);
                if (plan != null) {
                    planned.add(plan);
                }
            } catch (RuntimeException e) {
                failed(key, e);
            }
        }
        for (int from = 0; from < planned.size() && running; from += BATCH) {
            assess(planned.subList(from, Math.min(planned.size(), from + BATCH)), scope);
        }
    }

    /** What to assess for one key, or null when it needs no assessment (and its old verdict is cleared). */
    private Planned plan(String key, List<Rule> rules) {
        HasMetadata object = lookup(key);
        if (object == null) {
            store.remove(key);
            sizes.remove(key);
            failing.remove(key);
            return null;
        }
        Workload workload =
                reportedThroughOwner(object) ? null : Workloads.of(object).orElse(null);
        List<Rule> applicable = workload == null
                ? List.of()
                : PolicyEvaluator.applicable(
                        rules,
                        workload.namespace(),
                        workload.templateLabels(),
                        cluster.namespaceLabels(workload.namespace()));
        if (applicable.isEmpty()) {
            store.remove(key);
            sizes.remove(key);
            recorder.clear(object);
            observers.forEach(observer -> observer.cleared(object));
            failing.remove(key);
            return null;
        }
        return new Planned(
                key,
                object,
                workload,
                applicable,
                SizeHistory.of(object.getMetadata().getAnnotations()));
    }

    private void assess(List<Planned> batch, PlatformScope scope) {
        List<Assessments.Assessed> results;
        try {
            results = assessments.assess(
                    batch.stream()
                            .map(p -> new Assessments.Subject(p.workload(), p.rules(), previous(p)))
                            .toList(),
                    scope,
                    credentials,
                    Deadline.in(config.lookupTimeout()),
                    ImageSizeResolver.Priority.AUDIT);
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                failed(batch.get(0).key(), e);
            } else {
                batch.forEach(one -> assess(List.of(one), scope)); // find the one that fails; the others go on
            }
            return;
        }
        Instant now = clock.instant();
        List<Future<?>> writes = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size() && running; i++) {
            Planned plan = batch.get(i);
            Assessments.Assessed assessed = results.get(i);
            store.put(
                    plan.key(),
                    new FindingsStore.Audited(
                            plan.workload().kind(),
                            plan.workload().namespace(),
                            plan.workload().name(),
                            plan.object().getMetadata().getUid(),
                            assessed.findings()));
            Map<String, SizeHistory.Measured> measured = measured(assessed.findings());
            SizeHistory history = plan.history().record(measured.values(), slots(plan.workload()), now);
            sizes.update(
                    plan.key(),
                    plan.workload().kind(),
                    plan.workload().namespace(),
                    plan.workload().name(),
                    trend(measured, history));
            WorkloadVerdict verdict = WorkloadVerdict.of(assessed.findings()).withHistory(history.text());
            observers.forEach(observer -> observer.assessed(plan.object(), plan.workload(), assessed.findings()));
            writes.add(writers.submit(() -> {
                try {
                    recorder.record(plan.object(), verdict, assessed.findings(), now);
                    failing.remove(plan.key());
                } catch (RuntimeException e) {
                    failed(plan.key(), e);
                }
            }));
        }
        for (Future<?> write : writes) {
            try {
                write.get();
            } catch (ExecutionException e) {
                LOG.warnf("recording a verdict failed: %s", e.getCause().toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** What each container ran before, from the workload's size history: candidates for growth limits. */
    private static Map<String, List<Previous>> previous(Planned plan) {
        Map<String, List<Previous>> previous = new HashMap<>();
        for (Container container : plan.workload().containers()) {
            List<Previous> candidates = plan.history().candidates(container.slot());
            if (!candidates.isEmpty()) {
                previous.put(container.slot(), candidates);
            }
        }
        return previous;
    }

    /** The container slots of a workload. */
    private static Set<String> slots(Workload workload) {
        Set<String> slots = new LinkedHashSet<>();
        workload.containers().forEach(container -> slots.add(container.slot()));
        return slots;
    }

    /**
     * What was measured of each container in this assessment: its image, the digest it resolved to (an index's, else
     * the manifest's) and its size on every platform some policy measured.
     */
    static Map<String, SizeHistory.Measured> measured(List<Finding> findings) {
        Map<String, String> images = new LinkedHashMap<>();
        Map<String, String> digests = new HashMap<>();
        Map<String, Map<Platform, Long>> bytes = new HashMap<>();
        for (Finding finding : findings) {
            ImageSize size = finding.size();
            if (size == null) {
                continue;
            }
            String slot = finding.container().slot();
            images.putIfAbsent(slot, finding.container().image());
            digests.putIfAbsent(slot, size.indexDigest() != null ? size.indexDigest() : size.manifestDigest());
            bytes.computeIfAbsent(slot, s -> new HashMap<>()).put(size.platform(), size.compressedSizeBytes());
        }
        Map<String, SizeHistory.Measured> measured = new LinkedHashMap<>();
        images.forEach((slot, image) ->
                measured.put(slot, new SizeHistory.Measured(slot, image, digests.get(slot), bytes.get(slot))));
        return measured;
    }

    /** Each measured container's current size, and that of the image it replaced when one is recorded. */
    private static Map<String, WorkloadSizeMetrics.Sizes> trend(
            Map<String, SizeHistory.Measured> measured, SizeHistory history) {
        Map<String, WorkloadSizeMetrics.Sizes> trend = new LinkedHashMap<>();
        measured.forEach((slot, now) -> trend.put(
                slot,
                new WorkloadSizeMetrics.Sizes(
                        now.sizes().values().stream()
                                .mapToLong(Long::longValue)
                                .max()
                                .orElse(0),
                        history.replacedBy(slot, now.digest())
                                .map(SizeHistory.Entry::largestSize)
                                .orElse(null))));
        return trend;
    }

    /** Remembers a failed workload and when to retry it: the backoff doubles up to the audit interval. */
    private void failed(String key, RuntimeException e) {
        workloadErrors.increment();
        Failure before = failing.get(key);
        int attempts = before == null ? 1 : before.attempts() + 1;
        Duration backoff = config.errorBackoff().multipliedBy(1L << Math.min(attempts - 1, 20));
        if (backoff.compareTo(config.interval()) > 0) {
            backoff = config.interval();
        }
        failing.put(key, new Failure(attempts, clock.instant().plus(backoff)));
        LOG.warnf("cannot audit %s (attempt %d, next in %s): %s", key, attempts, backoff, e.toString());
    }

    /**
     * Whether a workload is reported through its controller: the controller exists (same uid) and the workload runs
     * exactly the controller's images; a ReplicaSet scaled to zero runs nothing and is reported through its owner too.
     */
    private boolean reportedThroughOwner(HasMetadata object) {
        Optional<OwnerReference> owner = Workloads.checkedController(object);
        if (owner.isEmpty()) {
            return false;
        }
        Optional<WorkloadKind> ownerKind = WorkloadKind.of(owner.get().getKind());
        SharedIndexInformer<HasMetadata> ownerInformer =
                ownerKind.map(informers::get).orElse(null);
        if (ownerInformer == null) {
            return false;
        }
        HasMetadata found = ownerInformer
                .getIndexer()
                .getByKey(
                        object.getMetadata().getNamespace() + "/" + owner.get().getName());
        if (found == null
                || !Objects.equals(found.getMetadata().getUid(), owner.get().getUid())) {
            return false; // no such owner: nobody else reports it
        }
        if (runsNothing(object)) {
            return true;
        }
        return Workloads.images(Workloads.podSpec(found)).equals(Workloads.images(Workloads.podSpec(object)));
    }

    private static boolean runsNothing(HasMetadata object) {
        return object instanceof ReplicaSet rs
                && rs.getSpec() != null
                && rs.getSpec().getReplicas() != null
                && rs.getSpec().getReplicas() == 0;
    }

    private HasMetadata lookup(String key) {
        String[] parts = key.split("/", 3);
        SharedIndexInformer<HasMetadata> informer =
                WorkloadKind.of(parts[0]).map(informers::get).orElse(null);
        return informer == null ? null : informer.getIndexer().getByKey(parts[1] + "/" + parts[2]);
    }
}
