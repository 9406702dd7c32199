package dev.imagesize.report;

import dev.imagesize.cluster.CompiledPolicy;
import dev.imagesize.operator.PersistedText;
import dev.imagesize.policy.Rule;
import java.util.Map;

/**
 * The result a policy that cannot be used gets in the reports: {@code error} about the policy object itself, in its
 * namespace's report, or in the cluster report for a ClusterImageSizePolicy (the only cluster-scoped object the
 * operator reports on). Pure.
 */
public final class PolicyProblems {
    static final String API_VERSION = "imagesize.dev/v1alpha1";
    static final String RULE = "spec";

    private PolicyProblems() {}

    /** The error result of an unusable policy; {@code failClosed} says whether its Enforce denies what it governs. */
    public static ReportResult of(CompiledPolicy policy, boolean failClosed) {
        boolean denies = failClosed && policy.enforce();
        String name = policy.id().kind() + " " + policy.id().key();
        String message = name + " cannot be used (" + policy.problem() + ")"
                + (denies
                        ? "; it asks for Enforce, so the workloads it governs are denied until it is fixed"
                        : "; the workloads it governs are not checked against it until it is fixed");
        return new ReportResult(
                policy.id().key(),
                RULE,
                ReportResult.Outcome.ERROR,
                denies ? ReportResult.Severity.HIGH : ReportResult.Severity.MEDIUM,
                PersistedText.stable(message),
                new ReportResult.Resource(
                        API_VERSION,
                        policy.id().kind(),
                        policy.id().namespace(),
                        policy.id().name(),
                        policy.uid()),
                Map.of("failsClosed", Boolean.toString(denies)));
    }

    /** Whether a policy's problems go to the cluster report (a ClusterImageSizePolicy) rather than a namespace's. */
    static boolean isClusterScoped(CompiledPolicy policy) {
        return Rule.CLUSTER_KIND.equals(policy.id().kind());
    }
}
