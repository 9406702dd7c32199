package dev.imagesize.admission;

import dev.imagesize.Deadline;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a review's answer is due: the configured deadline counted from the request's arrival, brought forward when
 * the API server's own timeout (its {@code ?timeout=5s} query parameter) minus a safety margin comes first. Queueing,
 * credential reads and registry lookups all spend from it.
 */
public final class ReviewDeadline {
    private ReviewDeadline() {}

    /** A Go duration as the API server writes it: {@code 5s}, {@code 1m30s}, {@code 2.5s}, {@code 500ms}. */
    private static final Pattern GO_DURATION = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|µs|ms|s|m|h)");

    /** Longer strings are not the API server's; nothing is parsed from them. */
    private static final int MAX_PARAMETER_LENGTH = 32;

    /**
     * @param arrivalNanos {@code System.nanoTime()} when the request arrived
     * @param configured the operator's deadline ({@code imagesize.webhook.deadline})
     * @param timeoutParameter the {@code timeout} query parameter, or null
     * @param margin kept free before the API server's timeout; at most half of it is used
     */
    public static Deadline of(long arrivalNanos, Duration configured, String timeoutParameter, Duration margin) {
        return Deadline.after(arrivalNanos, budget(configured, timeoutParameter, margin));
    }

    /** How long a review may take: the configured deadline, or the API server's timeout less the margin if shorter. */
    static Duration budget(Duration configured, String timeoutParameter, Duration margin) {
        Optional<Duration> timeout = parseGoDuration(timeoutParameter);
        if (timeout.isEmpty() || timeout.get().isZero()) {
            return configured;
        }
        Duration halfTimeout = timeout.get().dividedBy(2);
        Duration allowed = timeout.get().minus(margin.compareTo(halfTimeout) < 0 ? margin : halfTimeout);
        return allowed.compareTo(configured) < 0 ? allowed : configured;
    }

    /** Parses a Go duration string; empty when it is absent or not one. */
    static Optional<Duration> parseGoDuration(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_PARAMETER_LENGTH) {
            return Optional.empty();
        }
        Matcher part = GO_DURATION.matcher(text);
        long nanos = 0;
        int end = 0;
        while (part.find() && part.start() == end) {
            double amount = Double.parseDouble(part.group(1));
            long unit =
                    switch (part.group(2)) {
                        case "ns" -> 1L;
                        case "us", "µs" -> 1_000L;
                        case "ms" -> 1_000_000L;
                        case "s" -> 1_000_000_000L;
                        case "m" -> 60_000_000_000L;
                        default -> 3_600_000_000_000L;
                    };
            nanos += (long) Math.min(amount * unit, Long.MAX_VALUE / 4.0);
            end = part.end();
        }
        return end == text.length()
                ? Optional.of(Duration.ofNanos(Math.min(nanos, Long.MAX_VALUE / 4)))
                : Optional.empty();
    }
}
