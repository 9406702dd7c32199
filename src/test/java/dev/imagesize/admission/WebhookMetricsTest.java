package dev.imagesize.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The webhook's meters exist before anything happens to them, so rates and ratios read 0 rather than nothing. */
class WebhookMetricsTest {
    @Test
    void everyShedReasonIsASeriesAtZeroFromTheStart() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        WebhookMetrics metrics = new WebhookMetrics(meters);

        assertThat(meters.find("imagesize.webhook.shed").counters())
                .extracting(counter -> counter.getId().getTag("reason"))
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(WebhookMetrics.Shed.values())
                        .map(reason -> reason.label)
                        .toList());
        assertThat(meters.find("imagesize.webhook.shed").counters())
                .allSatisfy(counter -> assertThat(counter.count()).isZero());

        metrics.shed(WebhookMetrics.Shed.QUEUE_FULL);
        metrics.shed(WebhookMetrics.Shed.QUEUE_FULL);
        Counter queueFull =
                meters.get("imagesize.webhook.shed").tag("reason", "queue-full").counter();
        assertThat(queueFull.count()).isEqualTo(2);
        assertThat(meters.get("imagesize.webhook.shed")
                        .tag("reason", "deadline")
                        .counter()
                        .count())
                .isZero();
        assertThat(meters.get("imagesize.webhook.connections.opened").counter().count())
                .isZero();
    }
}
