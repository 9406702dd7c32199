package dev.imagesize.operator;

import dev.imagesize.cluster.PolicyId;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The leader's {@code imagesize_policy_violations} gauge, one per policy: set by the status reconcilers, removed with
 * its policy and all at once when the term of leadership ends, so a follower exports none.
 */
public final class ViolationGauges {
    private final MeterRegistry meters;
    private final Map<PolicyId, AtomicInteger> values = new ConcurrentHashMap<>();
    private final Map<PolicyId, Gauge> gauges = new ConcurrentHashMap<>();

    public ViolationGauges(MeterRegistry meters) {
        this.meters = meters;
    }

    /** Workloads over the policy's limits, as its status says ({@code null}: none). */
    void set(PolicyId policy, Integer violations) {
        values.computeIfAbsent(policy, this::register).set(violations == null ? 0 : violations);
    }

    /** The policy is gone. */
    void remove(PolicyId policy) {
        Gauge gauge = gauges.remove(policy);
        if (gauge != null) {
            meters.remove(gauge);
        }
        values.remove(policy);
    }

    /** The term ended: the next leader reports. */
    void clear() {
        gauges.keySet().forEach(this::remove);
    }

    private AtomicInteger register(PolicyId policy) {
        AtomicInteger value = new AtomicInteger();
        gauges.put(
                policy,
                Gauge.builder("imagesize.policy.violations", value, AtomicInteger::get)
                        .description("Workloads with at least one image over a limit of the policy")
                        .tag("kind", policy.kind())
                        .tag("namespace", policy.namespace() == null ? "" : policy.namespace())
                        .tag("policy", policy.name())
                        .register(meters));
        return value;
    }
}
