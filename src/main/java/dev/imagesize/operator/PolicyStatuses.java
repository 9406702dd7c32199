package dev.imagesize.operator;

import dev.imagesize.api.v1alpha1.ImageSizePolicyStatus;
import dev.imagesize.api.v1alpha1.LimitName;
import dev.imagesize.api.v1alpha1.PolicyCondition;
import dev.imagesize.api.v1alpha1.Violation;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Messages;
import dev.imagesize.policy.Rule;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * A policy's status as a pure function of its rule, the audit's findings for it, the previous status and the time:
 * counts, the largest violations (bounded), and a Ready condition whose lastTransitionTime moves only when its status
 * does. Until a new leader's first audit is done, the counts are the previous status's (a restart loses nothing).
 * Equal inputs give an equal status, so the reconciler skips patches that change nothing.
 */
public final class PolicyStatuses {
    /** Ready: the first audit since this replica leads has not finished yet. */
    public static final String EVALUATING = "Evaluating";
    /** Ready False: some governed workloads have images whose size is unknown. */
    public static final String RESOLVE_ERRORS = "ResolveErrors";
    /** Ready True: every governed workload was evaluated. */
    public static final String EVALUATED = "Evaluated";
    /** Ready False: the policy cannot be used. */
    public static final String INVALID_POLICY = "InvalidPolicy";
    /** Ready Unknown: the status could not be worked out; the counts are the previous status's. */
    public static final String STATUS_FAILED = "StatusFailed";
    /** A second condition: whether every image glob says which registry it means. */
    public static final String IMAGE_GLOBS = "ImageGlobs";
    /** ImageGlobs True: every glob names its registry, or matches every registry on purpose. */
    public static final String GLOBS_UNAMBIGUOUS = "Unambiguous";
    /** ImageGlobs False: a glob names no registry, or can match no image; the message says which and how to fix it. */
    public static final String GLOBS_AMBIGUOUS = "Ambiguous";

    private PolicyStatuses() {}

    /**
     * The status of {@code rule}'s policy at {@code generation}.
     *
     * @param audited the workloads the policy governs, each with only this policy's findings
     * @param firstPassDone whether every workload has been audited once since this replica leads
     */
    public static ImageSizePolicyStatus of(
            Rule rule,
            Long generation,
            Collection<FindingsStore.Audited> audited,
            boolean firstPassDone,
            ImageSizePolicyStatus previous,
            Instant now) {
        int workloads = 0;
        int violations = 0;
        int unresolved = 0;
        FindingsStore.Audited firstUnresolved = null;
        Finding firstError = null;
        List<Violation> top = new ArrayList<>();
        List<FindingsStore.Audited> ordered = audited.stream()
                .sorted(Comparator.comparing(
                        (FindingsStore.Audited a) -> a.namespace() + "/" + a.name() + "/" + a.kind()))
                .toList();
        for (FindingsStore.Audited workload : ordered) {
            List<Finding> mine = workload.findings();
            if (mine.isEmpty()) {
                continue;
            }
            workloads++;
            boolean over = false;
            for (Finding f : mine) {
                if (f.outcome() == Finding.Outcome.OVER) {
                    over = true;
                    for (Limits.Breach breach : f.breaches()) {
                        top.add(violation(workload, f, breach));
                    }
                }
            }
            if (over) {
                violations++;
                continue;
            }
            Finding unknown = mine.stream()
                    .filter(f -> f.outcome() == Finding.Outcome.UNKNOWN)
                    .findFirst()
                    .orElse(null);
            if (unknown != null) {
                unresolved++;
                if (firstError == null) {
                    firstError = unknown;
                    firstUnresolved = workload;
                }
            }
        }
        top.sort(Comparator.comparing((Violation v) -> v.getSizeBytes() == null ? 0L : v.getSizeBytes())
                .reversed()
                .thenComparing(
                        v -> v.getNamespace() + "/" + v.getName() + "/" + v.getContainer() + "/" + v.getLimit()));

        ImageSizePolicyStatus status = new ImageSizePolicyStatus();
        status.setObservedGeneration(generation);
        if (!firstPassDone && previous != null && previous.getWorkloads() != null) {
            // a new leader has not looked at every workload yet: keep what the last one found until it has
            status.setWorkloads(previous.getWorkloads());
            status.setViolations(previous.getViolations());
            status.setUnresolved(previous.getUnresolved());
            status.setTopViolations(
                    previous.getTopViolations() == null
                            ? new ArrayList<>()
                            : new ArrayList<>(previous.getTopViolations()));
        } else {
            status.setWorkloads(workloads);
            status.setViolations(violations);
            status.setUnresolved(unresolved);
            status.setTopViolations(
                    new ArrayList<>(top.subList(0, Math.min(top.size(), ImageSizePolicyStatus.MAX_TOP_VIOLATIONS))));
        }
        PolicyCondition ready;
        if (!firstPassDone) {
            ready = new PolicyCondition(
                    PolicyCondition.READY,
                    "Unknown",
                    EVALUATING,
                    "waiting for the first audit of the cluster's workloads");
        } else if (unresolved > 0) {
            ready = new PolicyCondition(
                    PolicyCondition.READY,
                    "False",
                    RESOLVE_ERRORS,
                    PersistedText.stable(unresolved + " of " + workloads
                            + " workloads have images whose size could not be determined; first: "
                            + firstUnresolved.kind() + " " + firstUnresolved.namespace() + "/" + firstUnresolved.name()
                            + ": " + Messages.unknown(firstError)));
        } else {
            ready = new PolicyCondition(
                    PolicyCondition.READY,
                    "True",
                    EVALUATED,
                    workloads + " workloads evaluated, " + violations + " over budget");
        }
        List<String> warnings = rule.globWarnings();
        PolicyCondition globs = warnings.isEmpty()
                ? new PolicyCondition(IMAGE_GLOBS, "True", GLOBS_UNAMBIGUOUS, "every image glob names its registry")
                : new PolicyCondition(
                        IMAGE_GLOBS,
                        "False",
                        GLOBS_AMBIGUOUS,
                        Messages.bounded(String.join("; ", warnings), PersistedText.MAX_LENGTH));
        status.setConditions(new ArrayList<>(List.of(
                withTransitionTime(ready, generation, previous, now),
                withTransitionTime(globs, generation, previous, now))));
        return status;
    }

    /** The status of a policy the operator cannot use: why, and what that means for the workloads it governs. */
    public static ImageSizePolicyStatus invalid(
            Long generation, String problem, boolean failsClosed, ImageSizePolicyStatus previous, Instant now) {
        ImageSizePolicyStatus status = new ImageSizePolicyStatus();
        status.setObservedGeneration(generation);
        status.setWorkloads(0);
        status.setViolations(0);
        status.setUnresolved(0);
        status.setTopViolations(new ArrayList<>());
        String consequence = failsClosed
                ? "; it asks for Enforce, so the webhook denies the workloads it governs until it is fixed"
                : "; it is ignored until it is fixed";
        status.setConditions(new ArrayList<>(List.of(withTransitionTime(
                new PolicyCondition(
                        PolicyCondition.READY,
                        "False",
                        INVALID_POLICY,
                        PersistedText.stable("the operator cannot use this policy: " + problem + consequence)),
                generation,
                previous,
                now))));
        return status;
    }

    /**
     * The status of a policy whose status could not be worked out ({@code problem} says why): what the previous status
     * said, with Ready Unknown saying that it may be out of date; the other conditions stay as they were.
     */
    public static ImageSizePolicyStatus failed(
            Long generation, String problem, ImageSizePolicyStatus previous, Instant now) {
        ImageSizePolicyStatus status = new ImageSizePolicyStatus();
        boolean counted = previous != null && previous.getWorkloads() != null;
        status.setObservedGeneration(previous == null ? null : previous.getObservedGeneration());
        status.setWorkloads(counted ? previous.getWorkloads() : 0);
        status.setViolations(counted && previous.getViolations() != null ? previous.getViolations() : 0);
        status.setUnresolved(counted && previous.getUnresolved() != null ? previous.getUnresolved() : 0);
        status.setTopViolations(
                counted && previous.getTopViolations() != null
                        ? new ArrayList<>(previous.getTopViolations())
                        : new ArrayList<>());
        List<PolicyCondition> conditions = new ArrayList<>();
        conditions.add(withTransitionTime(
                new PolicyCondition(
                        PolicyCondition.READY,
                        "Unknown",
                        STATUS_FAILED,
                        PersistedText.stable("the operator could not work out this policy's status (" + problem
                                + "); the counts are the last ones it could, and it tries again when the policy or its"
                                + " findings change, and at least every audit interval")),
                generation,
                previous,
                now));
        if (previous != null && previous.getConditions() != null) {
            previous.getConditions().stream()
                    .filter(c -> !PolicyCondition.READY.equals(c.getType()))
                    .forEach(conditions::add);
        }
        status.setConditions(conditions);
        return status;
    }

    private static Violation violation(FindingsStore.Audited audited, Finding finding, Limits.Breach breach) {
        Violation v = new Violation();
        v.setKind(audited.kind());
        v.setNamespace(audited.namespace());
        v.setName(audited.name());
        v.setContainer(finding.container().name());
        v.setImage(Messages.bounded(finding.container().image(), PersistedText.MAX_LENGTH));
        v.setDigest(finding.size().manifestDigest());
        v.setPlatform(finding.size().platform().toString());
        v.setPolicy(finding.rule().key());
        switch (breach.limit()) {
            case MAX_IMAGE_SIZE, MAX_LAYER_SIZE -> {
                v.setLimit(
                        breach.limit() == Limits.Breach.Limit.MAX_IMAGE_SIZE
                                ? LimitName.MAX_IMAGE_SIZE
                                : LimitName.MAX_LAYER_SIZE);
                v.setSizeBytes(breach.actual());
                v.setLimitBytes(breach.allowed());
            }
            case MAX_LAYERS -> {
                v.setLimit(LimitName.MAX_LAYERS);
                v.setSizeBytes(finding.size().compressedSizeBytes());
                v.setLayers((int) breach.actual());
                v.setLimitLayers((int) breach.allowed());
            }
            case MAX_GROWTH -> {
                v.setLimit(LimitName.MAX_GROWTH);
                v.setSizeBytes(breach.actual());
                v.setLimitBytes(breach.allowed());
                v.setReplacedImage(Messages.bounded(finding.replaced().image(), PersistedText.MAX_LENGTH));
                v.setReplacedDigest(finding.replaced().digest());
                v.setReplacedSizeBytes(finding.replaced().sizeBytes());
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
