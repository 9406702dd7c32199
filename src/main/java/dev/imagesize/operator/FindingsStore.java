package dev.imagesize.operator;

import dev.imagesize.cluster.PolicyId;
import dev.imagesize.policy.Finding;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The audit's latest findings per workload: the audit writes them, the status reconciler reads them per policy and the
 * policy reports per namespace. Lives only while this replica leads; a new leader rebuilds it from the cluster.
 */
public final class FindingsStore {

    /**
     * The latest evaluation of one workload.
     *
     * @param kind {@code Deployment}, {@code Pod}, ...
     * @param uid the workload's metadata.uid, or null when not known
     * @param findings every policy's findings on its containers
     */
    public record Audited(String kind, String namespace, String name, String uid, List<Finding> findings) {
        public Audited {
            findings = List.copyOf(findings);
        }

        /** A workload whose uid is not known. */
        public Audited(String kind, String namespace, String name, List<Finding> findings) {
            this(kind, namespace, name, null, findings);
        }

        /** The same workload with only {@code policy}'s findings. */
        Audited only(PolicyId policy) {
            return new Audited(
                    kind,
                    namespace,
                    name,
                    uid,
                    findings.stream()
                            .filter(f -> PolicyId.of(f.rule()).equals(policy))
                            .toList());
        }
    }

    private final Map<String, Audited> byWorkload = new ConcurrentHashMap<>();
    /** The same findings per policy, so a policy's status costs what it governs, not the whole cluster. */
    private final Map<PolicyId, Map<String, Audited>> byPolicy = new ConcurrentHashMap<>();
    /** Policies whose findings changed since the status reconciler last asked. */
    private final Set<PolicyId> changed = ConcurrentHashMap.newKeySet();
    /** Namespaces whose workloads' findings changed since the policy reports last asked. */
    private final Set<String> changedNamespaces = ConcurrentHashMap.newKeySet();

    private volatile boolean firstPassDone;

    /** Records the latest findings of a workload (key: {@code kind/namespace/name}). */
    public synchronized void put(String key, Audited audited) {
        Audited before = byWorkload.put(key, audited);
        if (audited.equals(before)) {
            return;
        }
        Set<PolicyId> now = policies(audited);
        for (PolicyId policy : now) {
            byPolicy.computeIfAbsent(policy, p -> new ConcurrentHashMap<>()).put(key, audited.only(policy));
        }
        if (before != null) {
            for (PolicyId policy : policies(before)) {
                if (!now.contains(policy)) {
                    forget(policy, key);
                }
            }
        }
        changed.addAll(now);
        changedNamespaces.add(audited.namespace());
    }

    /** Forgets a workload that is gone or no longer governed. */
    public synchronized void remove(String key) {
        Audited before = byWorkload.remove(key);
        if (before != null) {
            policies(before).forEach(policy -> forget(policy, key));
            changedNamespaces.add(before.namespace());
        }
    }

    private void forget(PolicyId policy, String key) {
        Map<String, Audited> governed = byPolicy.get(policy);
        if (governed != null) {
            governed.remove(key);
        }
        changed.add(policy);
    }

    private static Set<PolicyId> policies(Audited audited) {
        Set<PolicyId> policies = new LinkedHashSet<>();
        audited.findings().forEach(f -> policies.add(PolicyId.of(f.rule())));
        return policies;
    }

    public Collection<String> keys() {
        return List.copyOf(byWorkload.keySet());
    }

    /** The workloads {@code policy} governs, each with only that policy's findings. */
    public List<Audited> forPolicy(PolicyId policy) {
        Map<String, Audited> governed = byPolicy.get(policy);
        return governed == null ? List.of() : new ArrayList<>(governed.values());
    }

    /** The policies whose findings changed since the last call (their status needs a look). */
    public Set<PolicyId> drainChanged() {
        Set<PolicyId> drained = new LinkedHashSet<>();
        for (PolicyId policy : List.copyOf(changed)) {
            changed.remove(policy);
            drained.add(policy);
        }
        return drained;
    }

    /** The namespaces whose workloads' findings changed since the last call (their reports need a look). */
    public Set<String> drainChangedNamespaces() {
        Set<String> drained = new LinkedHashSet<>();
        for (String namespace : List.copyOf(changedNamespaces)) {
            changedNamespaces.remove(namespace);
            drained.add(namespace);
        }
        return drained;
    }

    /**
     * The workloads of these namespaces (every namespace when null), grouped by namespace, in one pass over the store.
     */
    public Map<String, List<Audited>> byNamespace(Set<String> namespaces) {
        Map<String, List<Audited>> grouped = new LinkedHashMap<>();
        for (Audited audited : byWorkload.values()) {
            if (namespaces == null || namespaces.contains(audited.namespace())) {
                grouped.computeIfAbsent(audited.namespace(), n -> new ArrayList<>())
                        .add(audited);
            }
        }
        return grouped;
    }

    /** True once every workload of the cluster has been evaluated since this replica started leading. */
    public boolean firstPassDone() {
        return firstPassDone;
    }

    void markFirstPassDone() {
        firstPassDone = true;
    }

    /** Forgets everything (leadership ended). */
    synchronized void clear() {
        byWorkload.clear();
        byPolicy.clear();
        changed.clear();
        changedNamespaces.clear();
        firstPassDone = false;
    }

    public int size() {
        return byWorkload.size();
    }
}
