package dev.imagesize.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TimerFamilyTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void eachCombinationOfValuesIsItsOwnTimerRegisteredOnce() {
        TimerFamily family = new TimerFamily(
                meters, "reviews", "what it counts", new Duration[] {Duration.ofMillis(1)}, "kind", "verdict");
        family.record(2_000_000, "Pod", "denied");
        family.record(3_000_000, "Pod", "denied");
        family.record(1_000, "Deployment", "allowed");

        Timer denied =
                meters.get("reviews").tags("kind", "Pod", "verdict", "denied").timer();
        assertThat(denied.count()).isEqualTo(2);
        assertThat(denied.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(5.0);
        assertThat(denied.getId().getDescription()).isEqualTo("what it counts");
        assertThat(meters.get("reviews")
                        .tags("kind", "Deployment", "verdict", "allowed")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(meters.find("reviews").timers()).hasSize(2);
        assertThat(denied.takeSnapshot().histogramCounts())
                .as("the buckets asked for")
                .hasSize(1);
    }

    @Test
    void valuesMustMatchTheKeys() {
        TimerFamily family = new TimerFamily(meters, "lookups", "d", TimerFamily.NO_BUCKETS, "registry", "outcome");
        assertThatThrownBy(() -> family.record(1, "docker.io"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[registry, outcome]");
    }
}
