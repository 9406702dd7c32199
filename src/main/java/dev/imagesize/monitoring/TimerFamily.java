package dev.imagesize.monitoring;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The timers of one name and one list of tag keys, each combination of tag values registered once and kept. Building
 * a timer and finding it in the registry on every record (a builder, sorted tags, a meter id to hash and compare)
 * costs more than the record itself, on paths that record once per review. Tag values must come from closed sets.
 */
public final class TimerFamily {
    /** For timers without histogram buckets. */
    public static final Duration[] NO_BUCKETS = {};

    private final MeterRegistry meters;
    private final String name;
    private final String description;
    private final Duration[] slos;
    private final List<String> keys;
    private final Map<List<String>, Timer> timers = new ConcurrentHashMap<>();

    /**
     * @param slos histogram buckets, or {@link #NO_BUCKETS}
     * @param keys the tag keys, in the order {@link #record} takes their values
     */
    public TimerFamily(MeterRegistry meters, String name, String description, Duration[] slos, String... keys) {
        this.meters = meters;
        this.name = name;
        this.description = description;
        this.slos = slos.clone();
        this.keys = List.of(keys);
    }

    /** Records {@code nanos} on the timer with these tag values (one per key, in order). */
    public void record(long nanos, String... values) {
        Timer timer = timers.get(Arrays.asList(values));
        if (timer == null) {
            timer = timers.computeIfAbsent(List.of(values), this::register);
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    private Timer register(List<String> values) {
        if (values.size() != keys.size()) {
            throw new IllegalArgumentException(name + " takes values for " + keys + ", got " + values);
        }
        Timer.Builder builder = Timer.builder(name).description(description);
        for (int i = 0; i < keys.size(); i++) {
            builder.tag(keys.get(i), values.get(i));
        }
        if (slos.length > 0) {
            builder.serviceLevelObjectives(slos);
        }
        return builder.register(meters);
    }
}
