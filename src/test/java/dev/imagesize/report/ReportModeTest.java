package dev.imagesize.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which API each mode writes, given what the cluster serves. */
class ReportModeTest {
    private static final Set<ReportApi> NONE = Set.of();
    private static final Set<ReportApi> WG = Set.of(ReportApi.WGPOLICYK8S);
    private static final Set<ReportApi> OPEN = Set.of(ReportApi.OPENREPORTS);
    private static final Set<ReportApi> BOTH = Set.of(ReportApi.WGPOLICYK8S, ReportApi.OPENREPORTS);

    @Test
    void eachModeWritesOnlyAnApiTheClusterServes() {
        assertThat(ReportMode.OFF.choose(BOTH)).isNull();
        assertThat(ReportMode.WGPOLICYK8S.choose(BOTH)).isEqualTo(ReportApi.WGPOLICYK8S);
        assertThat(ReportMode.WGPOLICYK8S.choose(OPEN)).isNull();
        assertThat(ReportMode.OPENREPORTS.choose(WG)).isNull();
        assertThat(ReportMode.OPENREPORTS.choose(BOTH)).isEqualTo(ReportApi.OPENREPORTS);
        assertThat(ReportMode.AUTO.choose(NONE)).isNull();
        assertThat(ReportMode.AUTO.choose(WG)).isEqualTo(ReportApi.WGPOLICYK8S);
        assertThat(ReportMode.AUTO.choose(BOTH)).as("the successor wins").isEqualTo(ReportApi.OPENREPORTS);
        assertThat(ReportMode.AUTO.candidates()).isEqualTo(BOTH);
        assertThat(ReportMode.OFF.candidates()).isEmpty();
    }

    @Test
    void settingsAreReadIgnoringCaseAndAnythingElseIsNamed() {
        assertThat(ReportMode.parse(" WgPolicyK8s ")).isEqualTo(ReportMode.WGPOLICYK8S);
        assertThat(ReportMode.parse("auto")).isEqualTo(ReportMode.AUTO);
        assertThatThrownBy(() -> ReportMode.parse("kyverno"))
                .hasMessage("imagesize.reports.mode must be off, wgpolicyk8s, openreports or auto, not 'kyverno'");
    }

    @Test
    void theApisNameTheirKindsAndResources() {
        assertThat(ReportApi.WGPOLICYK8S.apiVersion()).isEqualTo("wgpolicyk8s.io/v1alpha2");
        assertThat(ReportApi.WGPOLICYK8S.kind(true)).isEqualTo("ClusterPolicyReport");
        assertThat(ReportApi.OPENREPORTS.plural(false)).isEqualTo("reports");
        assertThat(ReportApi.OPENREPORTS.resource(true).isNamespaceScoped()).isFalse();
        assertThat(ReportApi.OPENREPORTS.hasReportSource()).isTrue();
        assertThat(ReportApi.WGPOLICYK8S.hasReportSource()).isFalse();
    }
}
