package dev.imagesize.report;

import dev.imagesize.cluster.ClusterView;
import dev.imagesize.cluster.CompiledPolicy;
import dev.imagesize.cluster.PolicyId;
import dev.imagesize.operator.FindingsStore;
import dev.imagesize.operator.Identity;
import dev.imagesize.operator.LeaderTask;
import dev.imagesize.operator.WorkloadAudit;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Publishes the audit's findings as policy reports, on the leader only: one report per namespace (split into parts
 * when it would be too large), a result per workload and policy, and a cluster report only while a
 * ClusterImageSizePolicy cannot be used (no workload kind is cluster-scoped, so that is the only cluster-scoped object
 * to report on). Reports follow the audit: after each pass, the namespaces whose findings changed are rebuilt and a
 * report is written only when its content differs from what the cluster has (a hash in an annotation); a report with
 * no results left is deleted, so results go with their workload or policy. Which API is written is discovered: at the
 * start of each term and every {@code discoveryInterval}, so reports start when their CRDs are installed; in auto mode
 * a move to openreports.io deletes the operator's wgpolicyk8s.io reports. Every audit interval the reports are listed
 * again (metadata only) to repair what someone else changed or deleted.
 */
public final class PolicyReporter implements LeaderTask {
    private static final Logger LOG = Logger.getLogger(PolicyReporter.class);
    /** The scope key of the cluster report. */
    static final String CLUSTER = "";

    private static final Duration RETRY = Duration.ofSeconds(5);

    /**
     * How the reporter works.
     *
     * @param discoveryInterval how often the served report APIs are asked for
     * @param maxReportBytes the budget of one report object
     * @param maxParts parts of one namespace's report at most
     * @param resyncInterval how often every report is compared with the cluster's
     * @param failClosed whether an unusable Enforce policy denies what it governs (for its result's wording)
     */
    public record Settings(
            ReportMode mode,
            Duration discoveryInterval,
            int maxReportBytes,
            int maxParts,
            Duration resyncInterval,
            boolean failClosed) {
        public Settings {
            if (maxReportBytes < 16 * 1024) {
                throw new IllegalArgumentException(
                        "imagesize.reports.max-report-bytes must be at least 16384, not " + maxReportBytes);
            }
            if (maxParts < 1) {
                throw new IllegalArgumentException("imagesize.reports.max-parts must be at least 1, not " + maxParts);
            }
        }
    }

    /** A reporter that follows {@code audit}'s passes and writes as {@code identity}. */
    public static PolicyReporter create(
            Settings settings,
            KubernetesClient client,
            Identity identity,
            ClusterView cluster,
            FindingsStore store,
            WorkloadAudit audit,
            MeterRegistry meters) {
        PolicyReporter reporter = new PolicyReporter(
                settings,
                new ReportApiDiscovery(client),
                new ReportClient(client, identity, Duration.ofSeconds(30)),
                cluster,
                store,
                Clock.systemUTC(),
                meters);
        audit.onPass(changed -> reporter.auditPassed());
        return reporter;
    }

    private final Settings settings;
    private final ReportApiDiscovery discovery;
    private final ReportClient reports;
    private final ClusterView cluster;
    private final FindingsStore store;
    private final Clock clock;
    private final Counter applied;
    private final Counter applyFailed;
    private final Counter deleted;
    private final Counter deleteFailed;
    private final Map<String, Integer> omitted = new ConcurrentHashMap<>();

    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean running;
    private volatile boolean fullSync;
    private volatile ScheduledExecutorService worker;
    /** The API written now; null while the cluster serves none the mode allows. Worker thread only. */
    private volatile ReportApi api;

    private boolean missingLogged;
    /** Passes over every report of the current API finished in this term (they compare all with the cluster). */
    private final AtomicLong completedSyncs = new AtomicLong();
    /** Per scope (a namespace, or {@link #CLUSTER}): the operator's report objects and their content hashes. */
    private final Map<String, Map<String, String>> known = new ConcurrentHashMap<>();

    PolicyReporter(
            Settings settings,
            ReportApiDiscovery discovery,
            ReportClient reports,
            ClusterView cluster,
            FindingsStore store,
            Clock clock,
            MeterRegistry meters) {
        this.settings = settings;
        this.discovery = discovery;
        this.reports = reports;
        this.cluster = cluster;
        this.store = store;
        this.clock = clock;
        this.applied = writes(meters, "apply", "ok");
        this.applyFailed = writes(meters, "apply", "error");
        this.deleted = writes(meters, "delete", "ok");
        this.deleteFailed = writes(meters, "delete", "error");
        Gauge.builder("imagesize.reports.objects", known, k -> k.values().stream()
                        .mapToInt(Map::size)
                        .sum())
                .description("Report objects the leader keeps in the cluster (0 on followers and with reports off)")
                .register(meters);
        Gauge.builder("imagesize.reports.omitted.results", omitted, o -> o.values().stream()
                        .mapToInt(Integer::intValue)
                        .sum())
                .description("Results left out of reports to keep each under imagesize.reports.max-report-bytes")
                .register(meters);
        cluster.onPolicyChange(this::policyChanged);
    }

    private static Counter writes(MeterRegistry meters, String operation, String outcome) {
        return Counter.builder("imagesize.reports.writes")
                .description("Writes of policy reports by operation (apply, delete) and outcome (ok, error)")
                .tag("operation", operation)
                .tag("outcome", outcome)
                .register(meters);
    }

    /** The audit finished a pass: rebuild the reports of the namespaces whose findings changed. */
    public void auditPassed() {
        if (!running) {
            return;
        }
        dirty.addAll(store.drainChangedNamespaces());
        kick();
    }

    /** A policy changed: its namespace's report (or the cluster's) may gain or lose its problem. */
    private void policyChanged(PolicyId id) {
        if (running) {
            dirty.add(id.isClusterScoped() ? CLUSTER : id.namespace());
            kick();
        }
    }

    /** The report API written now, or null. */
    public ReportApi api() {
        return api;
    }

    /** Passes over every report (each one compared with the cluster) finished since this replica started leading. */
    public long completedSyncs() {
        return completedSyncs.get();
    }

    @Override
    public synchronized void startLeading() {
        if (running) {
            return;
        }
        api = null;
        missingLogged = false;
        known.clear();
        dirty.clear();
        omitted.clear();
        completedSyncs.set(0);
        fullSync = true;
        running = true;
        worker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "policy-reports");
            thread.setDaemon(true);
            return thread;
        });
        worker.scheduleWithFixedDelay(
                guarded("discovering report APIs", this::discover),
                0,
                settings.discoveryInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        long resync = Math.max(1, settings.resyncInterval().toMillis());
        worker.scheduleWithFixedDelay(
                guarded("resyncing reports", () -> {
                    fullSync = true;
                    reconcile();
                }),
                resync,
                resync,
                TimeUnit.MILLISECONDS);
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
        known.clear();
        dirty.clear();
        omitted.clear();
        api = null;
    }

    private Runnable guarded(String what, Runnable work) {
        return () -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warnf("%s failed: %s", what, e.toString());
                }
            }
        };
    }

    private void kick() {
        ScheduledExecutorService current = worker;
        if (current != null && scheduled.compareAndSet(false, true)) {
            try {
                current.execute(guarded("writing reports", this::reconcile));
            } catch (RejectedExecutionException e) {
                scheduled.set(false); // stopping
            }
        }
    }

    private void later(Runnable work) {
        try {
            worker.schedule(guarded("retrying reports", work), RETRY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    /** Finds out which API to write; on a change, retires the old API's reports and writes everything again. */
    private void discover() {
        if (!running) {
            return;
        }
        Set<ReportApi> served = discovery.served(settings.mode().candidates());
        ReportApi chosen = settings.mode().choose(served);
        if (chosen == api) {
            if (chosen == null && !missingLogged) {
                missingLogged = true;
                LOG.warnf(
                        "imagesize.reports.mode=%s, but the API server serves no %s: the operator does not install"
                                + " those CRDs; reports start once they are installed (checked every %s)",
                        settings.mode().name().toLowerCase(java.util.Locale.ROOT),
                        settings.mode() == ReportMode.AUTO
                                ? "openreports.io/v1alpha1 or wgpolicyk8s.io/v1alpha2 reports"
                                : String.join(
                                        ", ",
                                        settings.mode().candidates().stream()
                                                .map(ReportApi::apiVersion)
                                                .toList()),
                        settings.discoveryInterval());
            }
            return;
        }
        ReportApi previous = api;
        api = null; // nothing is written while the API changes
        if (previous != null && served.contains(previous)) {
            retire(previous);
        }
        known.clear();
        omitted.clear();
        fullSync = true;
        api = chosen;
        missingLogged = chosen == null;
        if (chosen != null) {
            LOG.infof("writing the audit's results as %s", chosen);
        } else {
            LOG.warnf("the API server no longer serves %s: reports stopped until it does", previous);
        }
        kick();
    }

    /** Deletes every report of an API the operator no longer writes (auto mode moved to the other API). */
    private void retire(ReportApi old) {
        int count = 0;
        try {
            for (ReportClient.Stored report : reports.ours(old)) {
                delete(old, report.namespace(), report.name());
                count++;
            }
        } catch (RuntimeException e) {
            LOG.warnf(
                    "cannot delete all the operator's reports of %s (%s): delete the rest with kubectl delete -A -l %s=%s",
                    old, e.toString(), ReportDocuments.MANAGED_BY_LABEL, ReportDocuments.MANAGED_BY);
        }
        LOG.infof("deleted the operator's %d reports of %s: it writes the other report API now", count, old);
    }

    /** Brings the reports of every dirty namespace (and the cluster report) up to date. */
    private void reconcile() {
        scheduled.set(false);
        ReportApi current = api;
        if (!running || current == null || !store.firstPassDone()) {
            return;
        }
        boolean everything = false;
        if (fullSync) {
            fullSync = false;
            try {
                known.clear();
                for (ReportClient.Stored report : reports.ours(current)) {
                    known.computeIfAbsent(scope(report.namespace()), s -> new ConcurrentHashMap<>())
                            .put(report.name(), report.hash() == null ? "" : report.hash());
                }
            } catch (RuntimeException e) {
                fullSync = true;
                LOG.warnf("cannot list the reports of %s: %s; trying again in %s", current, e.toString(), RETRY);
                later(this::kick);
                return;
            }
            everything = true;
        }
        Set<String> scopes = new LinkedHashSet<>();
        for (String scope : List.copyOf(dirty)) {
            dirty.remove(scope);
            scopes.add(scope);
        }
        Map<String, List<FindingsStore.Audited>> audited;
        if (everything) {
            audited = store.byNamespace(null);
            scopes.addAll(known.keySet());
            scopes.addAll(audited.keySet());
            scopes.add(CLUSTER);
        } else {
            Set<String> namespaces = new HashSet<>(scopes);
            namespaces.remove(CLUSTER);
            audited = store.byNamespace(namespaces);
        }
        Map<String, List<ReportResult>> problems = policyProblems();
        if (everything) {
            scopes.addAll(problems.keySet());
        }
        for (String scope : scopes) {
            if (!running || api != current) {
                return;
            }
            List<ReportResult> results = new ArrayList<>();
            for (FindingsStore.Audited workload : audited.getOrDefault(scope, List.of())) {
                results.addAll(WorkloadResults.of(workload));
            }
            results.addAll(problems.getOrDefault(scope, List.of()));
            try {
                write(current, scope, results);
            } catch (KubernetesClientException e) {
                if (!terminating(e)) {
                    retry(current, scope, e);
                }
            } catch (RuntimeException e) {
                retry(current, scope, e);
            }
        }
        if (everything) {
            completedSyncs.incrementAndGet();
        }
    }

    /** A namespace being deleted refuses new objects; its reports go with it, so there is nothing to retry. */
    private static boolean terminating(KubernetesClientException e) {
        return e.getCode() == 403
                && e.getStatus() != null
                && e.getStatus().getDetails() != null
                && e.getStatus().getDetails().getCauses() != null
                && e.getStatus().getDetails().getCauses().stream()
                        .anyMatch(cause -> "NamespaceTerminating".equals(cause.getReason()));
    }

    /** Logs a failed write and writes the scope again a little later. */
    private void retry(ReportApi current, String scope, RuntimeException e) {
        LOG.warnf(
                "cannot write the %s of %s: %s; trying again in %s",
                current.kind(scope.isEmpty()),
                scope.isEmpty() ? "cluster" : "namespace " + scope,
                e.getMessage(),
                RETRY);
        later(() -> {
            dirty.add(scope);
            kick();
        });
    }

    /** The error results of the policies that cannot be used, by scope. */
    private Map<String, List<ReportResult>> policyProblems() {
        Map<String, List<ReportResult>> problems = new HashMap<>();
        for (CompiledPolicy policy : cluster.policies()) {
            if (!policy.isValid()) {
                String scope = PolicyProblems.isClusterScoped(policy)
                        ? CLUSTER
                        : policy.id().namespace();
                problems.computeIfAbsent(scope, s -> new ArrayList<>())
                        .add(PolicyProblems.of(policy, settings.failClosed()));
            }
        }
        return problems;
    }

    /** Writes the parts of one scope whose content changed and deletes the parts it no longer has. */
    private void write(ReportApi current, String scope, List<ReportResult> results) {
        String namespace = scope.isEmpty() ? null : scope;
        Map<String, String> have = known.computeIfAbsent(scope, s -> new ConcurrentHashMap<>());
        List<ReportParts.Part> parts = ReportParts.split(
                results, ReportDocuments::size, settings.maxReportBytes(), settings.maxParts(), have.size());
        Set<String> wanted = new HashSet<>();
        int left = 0;
        for (ReportParts.Part part : parts) {
            wanted.add(part.name());
            left += part.omitted();
            String hash = ReportDocuments.hash(current, namespace, part);
            if (hash.equals(have.get(part.name()))) {
                continue;
            }
            Map<Map<String, Object>, Instant> found = have.containsKey(part.name())
                    ? ReportDocuments.timestamps(reports.get(current, namespace, part.name()))
                    : Map.of();
            Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
            GenericKubernetesResource report = ReportDocuments.document(
                    current, namespace, part, r -> found.getOrDefault(ReportDocuments.withoutTimestamp(r), now));
            try {
                reports.apply(current, report);
            } catch (RuntimeException e) {
                applyFailed.increment();
                throw e;
            }
            applied.increment();
            have.put(part.name(), hash);
        }
        for (String name : List.copyOf(have.keySet())) {
            if (!wanted.contains(name)) {
                delete(current, namespace, name);
                have.remove(name);
            }
        }
        if (have.isEmpty()) {
            known.remove(scope);
        }
        Integer before = left == 0 ? omitted.remove(scope) : omitted.put(scope, left);
        if (left > 0 && (before == null || before != left)) {
            LOG.warnf(
                    "the %s of %s leaves out %d results (passes first, failures last) to keep each of its parts"
                            + " under %d bytes: raise imagesize.reports.max-parts or max-report-bytes",
                    current.kind(namespace == null),
                    namespace == null ? "cluster" : "namespace " + namespace,
                    left,
                    settings.maxReportBytes());
        }
    }

    private void delete(ReportApi from, String namespace, String name) {
        try {
            reports.delete(from, namespace, name);
        } catch (RuntimeException e) {
            deleteFailed.increment();
            throw e;
        }
        deleted.increment();
    }

    private static String scope(String namespace) {
        return namespace == null ? CLUSTER : namespace;
    }
}
