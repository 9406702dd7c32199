package dev.imagesize.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.Deadline;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReviewDeadlineTest {

    @ParameterizedTest(name = "deadline {0}, ?timeout={1}, margin {2}: {3} ms")
    @CsvSource(
            nullValues = "null",
            value = {
                // configured, timeout parameter, margin, budget in ms
                "PT2.5S, null, PT1S, 2500",
                "PT2.5S, 10s, PT1S, 2500",
                "PT2.5S, 5s, PT1S, 2500",
                "PT2.5S, 3s, PT1S, 2000",
                "PT2.5S, 2s, PT1S, 1000",
                "PT2.5S, 1s, PT1S, 500",
                "PT2.5S, 1s, PT0.2S, 800",
                "PT2.5S, 1.5s, PT1S, 750",
                "PT2.5S, 1500ms, PT1S, 750",
                "PT2.5S, 0m3s, PT1S, 2000",
                "PT30S, 1m0s, PT1S, 30000",
                "PT2.5S, 0s, PT1S, 2500",
                "PT2.5S, soon, PT1S, 2500",
                "PT2.5S, 3, PT1S, 2500",
                "PT2.5S, -3s, PT1S, 2500",
                "PT2.5S, 3s3, PT1S, 2500",
                "PT2.5S, 99999999999999999999h, PT1S, 2500",
            })
    void theApiServersTimeoutLessTheMarginWinsWhenItComesFirst(
            Duration configured, String timeout, Duration margin, long budgetMillis) {
        assertThat(ReviewDeadline.budget(configured, timeout, margin)).isEqualTo(Duration.ofMillis(budgetMillis));
    }

    @ParameterizedTest
    @CsvSource({"2s, 1000", "10s, 2500"})
    void theDeadlineCountsFromArrival(String timeout, long budgetMillis) {
        long arrival = System.nanoTime() - Duration.ofMillis(300).toNanos();

        Deadline due = ReviewDeadline.of(arrival, Duration.ofMillis(2500), timeout, Duration.ofSeconds(1));

        assertThat(due).isEqualTo(Deadline.after(arrival, Duration.ofMillis(budgetMillis)));
        assertThat(due.remaining()).isLessThanOrEqualTo(Duration.ofMillis(budgetMillis - 300));
    }
}
