package dev.imagesize.report;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Locale;

/**
 * The two report APIs policy tools publish to, which Policy Reporter and other dashboards read: the policy working
 * group's {@code wgpolicyk8s.io/v1alpha2} (PolicyReport, ClusterPolicyReport; its CRDs ship with Kyverno) and its
 * successor {@code openreports.io/v1alpha1} (Report, ClusterReport). Their result schemas are the same; openreports.io
 * adds a report-level source.
 */
public enum ReportApi {
    WGPOLICYK8S(
            "wgpolicyk8s.io",
            "v1alpha2",
            "PolicyReport",
            "policyreports",
            "ClusterPolicyReport",
            "clusterpolicyreports"),
    OPENREPORTS("openreports.io", "v1alpha1", "Report", "reports", "ClusterReport", "clusterreports");

    private final String group;
    private final String version;
    private final String kind;
    private final String plural;
    private final String clusterKind;
    private final String clusterPlural;

    ReportApi(String group, String version, String kind, String plural, String clusterKind, String clusterPlural) {
        this.group = group;
        this.version = version;
        this.kind = kind;
        this.plural = plural;
        this.clusterKind = clusterKind;
        this.clusterPlural = clusterPlural;
    }

    /** {@code wgpolicyk8s} or {@code openreports}, as the setting names it. */
    public String settingName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String group() {
        return group;
    }

    /** {@code wgpolicyk8s.io/v1alpha2}. */
    public String apiVersion() {
        return group + "/" + version;
    }

    /** The kind of a namespace's report ({@code PolicyReport}), or of the cluster's ({@code ClusterPolicyReport}). */
    public String kind(boolean clusterScoped) {
        return clusterScoped ? clusterKind : kind;
    }

    /** The plural resource name, as RBAC rules and discovery name it. */
    public String plural(boolean clusterScoped) {
        return clusterScoped ? clusterPlural : plural;
    }

    /** Whether reports of this API carry a report-level {@code source} (besides each result's). */
    public boolean hasReportSource() {
        return this == OPENREPORTS;
    }

    /** The resource of a namespace's report, or of the cluster's, for fabric8's generic client. */
    public ResourceDefinitionContext resource(boolean clusterScoped) {
        return new ResourceDefinitionContext.Builder()
                .withGroup(group)
                .withVersion(version)
                .withKind(kind(clusterScoped))
                .withPlural(plural(clusterScoped))
                .withNamespaced(!clusterScoped)
                .build();
    }

    @Override
    public String toString() {
        return kind + "/" + clusterKind + " (" + apiVersion() + ")";
    }
}
