package dev.imagesize.report;

import java.util.Locale;
import java.util.Set;

/** Which report API the operator writes to, as {@code imagesize.reports.mode} says. */
public enum ReportMode {
    /** No reports. */
    OFF,
    /** PolicyReport and ClusterPolicyReport of wgpolicyk8s.io/v1alpha2, once the cluster serves them. */
    WGPOLICYK8S,
    /** Report and ClusterReport of openreports.io/v1alpha1, once the cluster serves them. */
    OPENREPORTS,
    /** Whichever of the two the cluster serves; openreports.io (the successor) when it serves both. */
    AUTO;

    /** The mode a setting names, ignoring case; a clear error for anything else. */
    public static ReportMode parse(String setting) {
        String value = setting == null ? "" : setting.strip().toLowerCase(Locale.ROOT);
        for (ReportMode mode : values()) {
            if (mode.name().toLowerCase(Locale.ROOT).equals(value)) {
                return mode;
            }
        }
        throw new IllegalArgumentException(
                "imagesize.reports.mode must be off, wgpolicyk8s, openreports or auto, not '" + setting + "'");
    }

    /** The API to write among those the cluster serves, or null when there is none to write. */
    public ReportApi choose(Set<ReportApi> served) {
        return switch (this) {
            case OFF -> null;
            case WGPOLICYK8S -> served.contains(ReportApi.WGPOLICYK8S) ? ReportApi.WGPOLICYK8S : null;
            case OPENREPORTS -> served.contains(ReportApi.OPENREPORTS) ? ReportApi.OPENREPORTS : null;
            case AUTO ->
                served.contains(ReportApi.OPENREPORTS)
                        ? ReportApi.OPENREPORTS
                        : served.contains(ReportApi.WGPOLICYK8S) ? ReportApi.WGPOLICYK8S : null;
        };
    }

    /** The APIs this mode may ever write (what its RBAC must allow). */
    public Set<ReportApi> candidates() {
        return switch (this) {
            case OFF -> Set.of();
            case WGPOLICYK8S -> Set.of(ReportApi.WGPOLICYK8S);
            case OPENREPORTS -> Set.of(ReportApi.OPENREPORTS);
            case AUTO -> Set.of(ReportApi.WGPOLICYK8S, ReportApi.OPENREPORTS);
        };
    }
}
