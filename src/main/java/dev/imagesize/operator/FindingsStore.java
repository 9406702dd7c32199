package dev.imagesize.operator;

import dev.imagesize.cluster.PolicyId;
import dev.imagesize.policy.Finding;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The audit's latest findings per workload: the audit writes them, the status reconciler reads them per policy. Lives
 * only while this replica leads; a new leader rebuilds it from the cluster.
 */
public final class FindingsStore {

    /**
     * The latest evaluation of one workload.
     *
     * @param kind {@code Deployment}, {@code Pod}, ...
     * @param findings every policy's findings on its containers
     */
    public record Audited(String kind, String namespace, String name, List<Finding> findings) {
        public Audited {
            findings = List.copyOf(findings);
        }

        /** The same workload with only {@code policy}'s findings. */
        Audited only(PolicyId policy) {
            return new Audited(
                    kind,
                    namespace,
                    name,
                    findings.stream()
                            .filter(f -> PolicyId.of(f.rule()).equals(policy))
                            .toList());
        }
    }

    private final Map<String, Audited> byWorkload = new ConcurrentHashMap<>();
    private volatile boolean firstPassDone;

    /** Records the latest findings of a workload (key: {@code kind/namespace/name}). */
    public void put(String key, Audited audited) {
        byWorkload.put(key, audited);
    }

    /** Forgets a workload that is gone or no longer governed. */
    public void remove(String key) {
        byWorkload.remove(key);
    }

    public Collection<String> keys() {
        return List.copyOf(byWorkload.keySet());
    }

    /** The workloads {@code policy} governs, each with only that policy's findings. */
    public List<Audited> forPolicy(PolicyId policy) {
        List<Audited> mine = new ArrayList<>();
        for (Audited audited : byWorkload.values()) {
            Audited only = audited.only(policy);
            if (!only.findings().isEmpty()) {
                mine.add(only);
            }
        }
        return mine;
    }

    /** True once every workload of the cluster has been evaluated since this replica started leading. */
    public boolean firstPassDone() {
        return firstPassDone;
    }

    void markFirstPassDone() {
        firstPassDone = true;
    }

    /** Forgets everything (leadership ended). */
    void clear() {
        byWorkload.clear();
        firstPassDone = false;
    }

    public int size() {
        return byWorkload.size();
    }
}
