package dev.imagesize.report;

import dev.imagesize.cluster.ClusterView;
import dev.imagesize.cluster.PolicyId;
import dev.imagesize.operator.FindingsStore;
import dev.imagesize.operator.LeaderTask;
import dev.imagesize.policy.Finding;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per policy, the workloads whose image sizes could not be known and that are over none of its limits (what its
 * status counts as unresolved, and what the reports show as {@code error}): the gauge
 * {@code imagesize_policy_unresolved{kind,namespace,policy}}, kept by the leader after every audit pass, gone with its
 * policy and when this replica stops leading.
 */
public final class UnresolvedGauges implements LeaderTask {
    private final ClusterView cluster;
    private final FindingsStore store;
    private final MeterRegistry meters;
    private final Map<PolicyId, AtomicInteger> values = new ConcurrentHashMap<>();
    private final Map<PolicyId, Gauge> gauges = new ConcurrentHashMap<>();
    private volatile boolean running;

    public UnresolvedGauges(ClusterView cluster, FindingsStore store, MeterRegistry meters) {
        this.cluster = cluster;
        this.store = store;
        this.meters = meters;
        cluster.onPolicyChange(this::policyChanged);
    }

    /** The audit finished a pass: count again for the policies whose findings changed. */
    public void auditPassed(Set<PolicyId> changed) {
        if (!running) {
            return;
        }
        for (PolicyId id : changed) {
            if (cluster.policy(id) == null) {
                forget(id);
                continue;
            }
            int unresolved = 0;
            for (FindingsStore.Audited workload : store.forPolicy(id)) {
                boolean over = workload.findings().stream().anyMatch(f -> f.outcome() == Finding.Outcome.OVER);
                boolean unknown = workload.findings().stream().anyMatch(f -> f.outcome() == Finding.Outcome.UNKNOWN);
                if (unknown && !over) {
                    unresolved++;
                }
            }
            values.computeIfAbsent(id, this::register).set(unresolved);
        }
    }

    private void policyChanged(PolicyId id) {
        if (cluster.policy(id) == null) {
            forget(id);
        }
    }

    private AtomicInteger register(PolicyId id) {
        AtomicInteger value = new AtomicInteger();
        gauges.put(
                id,
                Gauge.builder("imagesize.policy.unresolved", value, AtomicInteger::get)
                        .description("Workloads whose image sizes could not be known (and over no limit) under the"
                                + " policy; only the leader has them")
                        .tag("kind", id.kind())
                        .tag("namespace", id.namespace() == null ? "" : id.namespace())
                        .tag("policy", id.name())
                        .register(meters));
        return value;
    }

    private void forget(PolicyId id) {
        values.remove(id);
        Gauge gauge = gauges.remove(id);
        if (gauge != null) {
            meters.remove(gauge);
        }
    }

    @Override
    public void startLeading() {
        running = true;
    }

    @Override
    public void stopLeading() {
        running = false;
        gauges.values().forEach(meters::remove);
        gauges.clear();
        values.clear();
    }
}
