package dev.imagesize.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.testing.PromQl;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The series the monitoring test looks up in a scrape are the ones an expression reads, and only those. */
class PromQlTest {

    @Test
    void metricsAndTheLabelsTheirSelectorsMatchOn() {
        Map<String, Set<String>> series = PromQl.series("""
                sum by (registry) (rate(imagesize_registry_requests_seconds_count{outcome!~"ok|not_found",job=~"$job"}[10m]))
                  / on (registry) group_left sum by (registry) (rate(imagesize_registry_requests_seconds_count[$__rate_interval]))
                  > 0.2 or absent(imagesize_webhook_connections) unless min(imagesize_cert_seconds) - time() < 14 * 86400
                  and histogram_quantile(0.99, sum by (le) (rate(imagesize_admission_reviews_seconds_bucket{verdict!="a{b}"}[5m] offset 1h)))
                  > 1e3
                """);
        assertThat(series)
                .containsOnlyKeys(
                        "imagesize_registry_requests_seconds_count",
                        "imagesize_webhook_connections",
                        "imagesize_cert_seconds",
                        "imagesize_admission_reviews_seconds_bucket");
        assertThat(series.get("imagesize_registry_requests_seconds_count")).containsExactly("outcome", "job");
        assertThat(series.get("imagesize_admission_reviews_seconds_bucket")).containsExactly("verdict");
        assertThat(series.get("imagesize_webhook_connections")).isEmpty();
    }

    @Test
    void grafanaLabelValuesNamesItsMetricOnly() {
        assertThat(PromQl.series("label_values(imagesize_webhook_connections, job)"))
                .containsOnlyKeys("imagesize_webhook_connections");
    }

    @Test
    void anExpositionListsEachMetricWithItsLabels() {
        Map<String, Set<String>> exported = PromQl.exposition("""
                # HELP imagesize_webhook_shed_total Connections shed
                # TYPE imagesize_webhook_shed_total counter
                imagesize_webhook_shed_total{reason="too-large"} 1.0
                imagesize_policy_unresolved{kind="ImageSizePolicy",namespace="a",policy="p, {q}"} 2.0
                imagesize_webhook_connections 0.0
                """);
        assertThat(exported)
                .containsOnlyKeys(
                        "imagesize_webhook_shed_total", "imagesize_policy_unresolved", "imagesize_webhook_connections");
        assertThat(exported.get("imagesize_policy_unresolved")).containsExactly("kind", "namespace", "policy");
        assertThat(PromQl.missing(
                        PromQl.series("rate(imagesize_webhook_shed_total[5m]) + imagesize_no_such_series"),
                        exported,
                        "rule X"))
                .containsExactly("imagesize_no_such_series (rule X)");
    }

    @Test
    void aSeriesOfAPromtoolTest() {
        Map.Entry<String, Set<String>> sample = PromQl.sample(
                "imagesize_policy_unresolved{kind=\"ClusterImageSizePolicy\",namespace=\"x\",policy=\"p\"}");
        assertThat(sample.getKey()).isEqualTo("imagesize_policy_unresolved");
        assertThat(sample.getValue()).containsExactly("kind", "namespace", "policy");
    }
}
