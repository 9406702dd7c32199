package dev.imagesize.operator;

import dev.imagesize.api.v1alpha1.ImageSizePolicyStatus;
import dev.imagesize.api.v1alpha1.LimitName;
import dev.imagesize.api.v1alpha1.PolicyCondition;
import dev.imagesize.api.v1alpha1.Violation;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Rule;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Derives a policy's status from the audit's findings: counts, the largest violations (bounded), and a Ready
 * condition whose lastTransitionTime moves only when its status does. Equal inputs give an equal status, so the
 * reconciler can skip patches that change nothing.
 */
public final class PolicyStatuses {
    private PolicyStatuses() {}

    /** The status of {@code rule}'s policy at {@code generation}, keeping what {@code previous} says is unchanged. */
    public static ImageSizePolicyStatus of(
            Rule rule, Long generation, WorkloadAudit audit, ImageSizePolicyStatus previous, Instant now) {
        int workloads = 0;
        int violations = 0;
        int unresolved = 0;
        String firstError = null;
        for (WorkloadAudit.Audited audited : audit.audited()) {
            List<Finding> mine = audited.findings().stream()
                    .filter(f -> WorkloadAudit.sameRule(f.rule(), rule))
                    .toList();
            if (mine.isEmpty()) {
                continue;
            }
            workloads++;
            List<Finding> broken = mine.stream()
                    .filter(f -> f.outcome() == Finding.Outcome.OVER)
                    .toList();
            if (!broken.isEmpty()) {
                violations++;
            } else {
                Finding unknown = mine.stream()
                        .filter(f -> f.outcome() == Finding.Outcome.UNKNOWN)
                        .findFirst()
                        .orElse(null);
                if (unknown != null) {
                    unresolved++;
                    if (firstError == null) {
                        firstError = unknown.container().image() + ": "
                                + unknown.error().message();
                    }
                }
            }
        }
        List<Violation> top = new ArrayList<>();
        for (WorkloadAudit.Audited audited : audit.audited()) {
            for (Finding f : audited.findings()) {
                if (f.outcome() == Finding.Outcome.OVER && WorkloadAudit.sameRule(f.rule(), rule)) {
                    for (Limits.Breach breach : f.breaches()) {
                        top.add(violation(audited, f, breach));
                    }
                }
            }
        }
        top.sort(Comparator.comparing((Violation v) -> v.getSizeBytes() == null ? 0L : v.getSizeBytes())
                .reversed()
                .thenComparing(v -> v.getNamespace() + "/" + v.getName() + "/" + v.getContainer()));

        ImageSizePolicyStatus status = new ImageSizePolicyStatus();
        status.setObservedGeneration(generation);
        status.setWorkloads(workloads);
        status.setViolations(violations);
        status.setUnresolved(unresolved);
        status.setTopViolations(top.subList(0, Math.min(top.size(), ImageSizePolicyStatus.MAX_TOP_VIOLATIONS)));
        PolicyCondition ready;
        if (!audit.firstPassDone()) {
            ready = new PolicyCondition(
                    PolicyCondition.READY,
                    "Unknown",
                    "Evaluating",
                    "waiting for the first audit of the cluster's workloads");
        } else if (unresolved > 0) {
            ready = new PolicyCondition(
                    PolicyCondition.READY,
                    "False",
                    "ResolveErrors",
                    unresolved + " of " + workloads
                            + " workloads have images whose size could not be determined; first: " + firstError);
        } else {
            ready = new PolicyCondition(
                    PolicyCondition.READY,
                    "True",
                    "Evaluated",
                    workloads + " workloads evaluated, " + violations + " over budget");
        }
        status.setConditions(List.of(withTransitionTime(ready, generation, previous, now)));
        return status;
    }

    /** The status of a policy the operator cannot use (it should never pass the API server's validation). */
    public static ImageSizePolicyStatus invalid(
            Long generation, String message, ImageSizePolicyStatus previous, Instant now) {
        ImageSizePolicyStatus status = new ImageSizePolicyStatus();
        status.setObservedGeneration(generation);
        status.setConditions(List.of(withTransitionTime(
                new PolicyCondition(PolicyCondition.READY, "False", "InvalidPolicy", message),
                generation,
                previous,
                now)));
        return status;
    }

    private static Violation violation(WorkloadAudit.Audited audited, Finding finding, Limits.Breach breach) {
        Violation v = new Violation();
        v.setKind(audited.workload().kind());
        v.setNamespace(audited.workload().namespace());
        v.setName(audited.workload().name());
        v.setContainer(finding.container().name());
        v.setImage(finding.container().image());
        v.setDigest(finding.size().manifestDigest());
        v.setPlatform(finding.size().platform().toString());
        v.setPolicy(finding.rule().key());
        switch (breach.limit()) {
            case MAX_IMAGE_SIZE -> {
                v.setLimit(LimitName.MAX_IMAGE_SIZE);
                v.setSizeBytes(breach.actual());
                v.setLimitBytes(breach.allowed());
            }
            case MAX_LAYER_SIZE -> {
                v.setLimit(LimitName.MAX_LAYER_SIZE);
                v.setSizeBytes(breach.actual());
                v.setLimitBytes(breach.allowed());
            }
            case MAX_LAYERS -> {
                v.setLimit(LimitName.MAX_LAYERS);
                v.setSizeBytes(finding.size().compressedSizeBytes());
                v.setLayers((int) breach.actual());
                v.setLimitLayers((int) breach.allowed());
            }
        }
        return v;
    }

    private static PolicyCondition withTransitionTime(
            PolicyCondition condition, Long generation, ImageSizePolicyStatus previous, Instant now) {
        condition.setObservedGeneration(generation);
        PolicyCondition before = previous == null || previous.getConditions() == null
                ? null
                : previous.getConditions().stream()
                        .filter(c -> condition.getType().equals(c.getType()))
                        .findFirst()
                        .orElse(null);
        condition.setLastTransitionTime(
                before != null
                                && condition.getStatus().equals(before.getStatus())
                                && before.getLastTransitionTime() != null
                        ? before.getLastTransitionTime()
                        : now.truncatedTo(ChronoUnit.SECONDS).toString());
        return condition;
    }
}
