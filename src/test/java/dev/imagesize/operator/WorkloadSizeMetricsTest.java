package dev.imagesize.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The audit's size gauges: one series per workload container, moved by rollouts, gone with the workload, capped. */
class WorkloadSizeMetricsTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private Gauge gauge(String name, String workload, String container) {
        return meters.find(name)
                .tag("workload", workload)
                .tag("container", container)
                .gauge();
    }

    @Test
    void aRolloutMovesTheValuesOfTheSameSeriesAndDeletionRemovesThem() {
        WorkloadSizeMetrics metrics = new WorkloadSizeMetrics(meters, 100);

        metrics.update(
                "Deployment/shop/web",
                "Deployment",
                "shop",
                "web",
                Map.of("api", new WorkloadSizeMetrics.Sizes(100, null)));
        assertThat(gauge(WorkloadSizeMetrics.CURRENT, "web", "api").value()).isEqualTo(100);
        assertThat(gauge(WorkloadSizeMetrics.PREVIOUS, "web", "api")).isNull();

        metrics.update(
                "Deployment/shop/web",
                "Deployment",
                "shop",
                "web",
                Map.of("api", new WorkloadSizeMetrics.Sizes(140, 100L)));
        assertThat(gauge(WorkloadSizeMetrics.CURRENT, "web", "api").value()).isEqualTo(140);
        assertThat(gauge(WorkloadSizeMetrics.PREVIOUS, "web", "api").value()).isEqualTo(100);
        assertThat(meters.find(WorkloadSizeMetrics.CURRENT).gauges()).hasSize(1);

        metrics.remove("Deployment/shop/web");
        assertThat(meters.find(WorkloadSizeMetrics.CURRENT).gauges()).isEmpty();
        assertThat(meters.find(WorkloadSizeMetrics.PREVIOUS).gauges()).isEmpty();
        assertThat(metrics.exported()).isZero();
    }

    @Test
    void aContainerTheWorkloadNoLongerHasLosesItsSeries() {
        WorkloadSizeMetrics metrics = new WorkloadSizeMetrics(meters, 100);
        metrics.update(
                "k",
                "Deployment",
                "shop",
                "web",
                Map.of(
                        "api",
                        new WorkloadSizeMetrics.Sizes(1, null),
                        "init:migrate",
                        new WorkloadSizeMetrics.Sizes(2, null)));
        metrics.update("k", "Deployment", "shop", "web", Map.of("api", new WorkloadSizeMetrics.Sizes(1, null)));

        assertThat(gauge(WorkloadSizeMetrics.CURRENT, "web", "init:migrate")).isNull();
        assertThat(metrics.exported()).isEqualTo(1);
    }

    @Test
    void beyondTheCapSeriesAreCountedNotExportedAndTheCountFollowsRemovals() {
        WorkloadSizeMetrics metrics = new WorkloadSizeMetrics(meters, 2);
        for (int i = 0; i < 5; i++) {
            metrics.update("k" + i, "Deployment", "shop", "w" + i, Map.of("c", new WorkloadSizeMetrics.Sizes(i, null)));
        }
        assertThat(meters.find(WorkloadSizeMetrics.CURRENT).gauges()).hasSize(2);
        assertThat(meters.find(WorkloadSizeMetrics.UNEXPORTED).gauge().value()).isEqualTo(3);

        metrics.remove("k4");
        assertThat(meters.find(WorkloadSizeMetrics.UNEXPORTED).gauge().value()).isEqualTo(2);
        metrics.clear();
        assertThat(meters.find(WorkloadSizeMetrics.CURRENT).gauges()).isEmpty();
        assertThat(meters.find(WorkloadSizeMetrics.UNEXPORTED).gauge().value()).isZero();
    }
}
