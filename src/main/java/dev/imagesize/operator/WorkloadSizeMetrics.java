package dev.imagesize.operator;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The audit's size trends as gauges, on the leader: for every audited workload and container, the compressed size of
 * the image it runs ({@value #CURRENT}) and of the image that one replaced ({@value #PREVIOUS}, once the audit has
 * recorded a rollout), the largest over the platforms measured. Labels: {@code kind}, {@code namespace},
 * {@code workload}, {@code container}; never the image, so a rollout moves a value instead of starting a series. A
 * workload's series go when it is deleted or no policy governs it any more, and all of them when this replica stops
 * leading. At most {@code maxSeries} workload containers are exported; the rest are counted in {@value #UNEXPORTED}.
 */
public final class WorkloadSizeMetrics {
    static final String CURRENT = "imagesize.workload.image.bytes";
    static final String PREVIOUS = "imagesize.workload.image.previous.bytes";
    static final String UNEXPORTED = "imagesize.workload.image.unexported";

    private final MeterRegistry meters;
    private final int maxSeries;
    /** Per workload key, per container: its gauges. */
    private final Map<String, Map<String, Series>> byWorkload = new HashMap<>();
    /** Per workload key: containers left out for the cap. */
    private final Map<String, Integer> unexported = new HashMap<>();

    private int exported;
    private final AtomicLong unexportedCount = new AtomicLong();

    /** The sizes of one container: its image's, and that of the image it replaced (null when none is recorded). */
    public record Sizes(long current, Long previous) {}

    /** The gauges of one workload container. */
    private static final class Series {
        final AtomicLong current = new AtomicLong();
        final AtomicLong previous = new AtomicLong();
        Gauge currentGauge;
        Gauge previousGauge;
    }

    public WorkloadSizeMetrics(MeterRegistry meters, int maxSeries) {
        this.meters = meters;
        this.maxSeries = maxSeries;
        Gauge.builder(UNEXPORTED, unexportedCount, AtomicLong::doubleValue)
                .description("Workload containers whose image size is not exported because the series cap"
                        + " (imagesize.audit.max-size-series) is reached")
                .register(meters);
    }

    /** Sets the series of one workload to {@code containers} (by container slot); others of it are removed. */
    public synchronized void update(
            String key, String kind, String namespace, String name, Map<String, Sizes> containers) {
        Map<String, Series> current = byWorkload.computeIfAbsent(key, k -> new LinkedHashMap<>());
        current.keySet().removeIf(container -> {
            if (!containers.containsKey(container)) {
                removeSeries(current.get(container));
                return true;
            }
            return false;
        });
        int left = 0;
        for (Map.Entry<String, Sizes> entry : containers.entrySet()) {
            Series series = current.get(entry.getKey());
            if (series == null) {
                if (exported >= maxSeries) {
                    left++;
                    continue;
                }
                series = new Series();
                Tags tags =
                        Tags.of("kind", kind, "namespace", namespace, "workload", name, "container", entry.getKey());
                series.currentGauge = Gauge.builder(CURRENT, series.current, AtomicLong::doubleValue)
                        .description("Compressed size of the image a workload's container runs, in bytes (the"
                                + " largest over the platforms measured), as the audit last measured it")
                        .baseUnit("bytes")
                        .tags(tags)
                        .register(meters);
                current.put(entry.getKey(), series);
                exported++;
            }
            series.current.set(entry.getValue().current());
            Long previous = entry.getValue().previous();
            if (previous == null && series.previousGauge != null) {
                meters.remove(series.previousGauge);
                series.previousGauge = null;
            } else if (previous != null) {
                series.previous.set(previous);
                if (series.previousGauge == null) {
                    series.previousGauge = Gauge.builder(PREVIOUS, series.previous, AtomicLong::doubleValue)
                            .description("Compressed size of the image a workload's container ran before its current"
                                    + " one, in bytes (the largest over the platforms recorded), as the audit"
                                    + " recorded it")
                            .baseUnit("bytes")
                            .tags(series.currentGauge.getId().getTags())
                            .register(meters);
                }
            }
        }
        if (current.isEmpty()) {
            byWorkload.remove(key);
        }
        setUnexported(key, left);
    }

    /** Removes the series of a workload that is gone or no longer governed. */
    public synchronized void remove(String key) {
        Map<String, Series> removed = byWorkload.remove(key);
        if (removed != null) {
            removed.values().forEach(this::removeSeries);
        }
        setUnexported(key, 0);
    }

    /** Removes every series (this replica stopped leading). */
    public synchronized void clear() {
        byWorkload.values().forEach(series -> series.values().forEach(this::removeSeries));
        byWorkload.clear();
        unexported.clear();
        unexportedCount.set(0);
    }

    /** Workload containers exported now. */
    public synchronized int exported() {
        return exported;
    }

    private void removeSeries(Series series) {
        meters.remove(series.currentGauge);
        if (series.previousGauge != null) {
            meters.remove(series.previousGauge);
        }
        exported--;
    }

    private void setUnexported(String key, int count) {
        Integer before = count == 0 ? unexported.remove(key) : unexported.put(key, count);
        unexportedCount.addAndGet(count - (before == null ? 0 : before));
    }
}
