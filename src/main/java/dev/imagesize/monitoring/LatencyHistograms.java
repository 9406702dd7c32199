package dev.imagesize.monitoring;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * Histogram buckets for the timers the dashboard and the alerts take percentiles of, besides the admission reviews
 * (whose buckets the webhook sets): registry requests ({@code imagesize_registry_requests_seconds_bucket}, from 5 ms to
 * the 10 s request timeout) and audit passes ({@code imagesize_audit_passes_seconds_bucket}, from 100 ms to 30 min).
 * Few buckets each, so that a registry label does not cost many series.
 */
public class LatencyHistograms {

    private static final Map<String, Duration[]> BUCKETS = Map.of(
            "imagesize.registry.requests",
            millis(5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000),
            "imagesize.audit.passes",
            millis(100, 500, 1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 1_800_000));

    @Produces
    @Singleton
    MeterFilter latencyBuckets() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                Duration[] buckets = BUCKETS.get(id.getName());
                if (buckets == null) {
                    return config;
                }
                double[] nanos = java.util.Arrays.stream(buckets)
                        .mapToDouble(Duration::toNanos)
                        .toArray();
                return DistributionStatisticConfig.builder()
                        .serviceLevelObjectives(nanos)
                        .build()
                        .merge(config);
            }
        };
    }

    private static Duration[] millis(long... values) {
        return LongStream.of(values).mapToObj(Duration::ofMillis).toArray(Duration[]::new);
    }
}
