package dev.imagesize;

import java.time.Duration;

/**
 * A point in time by which an answer is due, on the {@link System#nanoTime()} clock. Admission reviews carry one from
 * the moment the request arrives; every step (credential reads, registry lookups) works within what is left.
 *
 * @param atNanos the {@code System.nanoTime()} value at which the time is up
 */
public record Deadline(long atNanos) {

    /** A deadline {@code timeout} from now. */
    public static Deadline in(Duration timeout) {
        return new Deadline(System.nanoTime() + Math.max(0, timeout.toNanos()));
    }

    /** A deadline {@code timeout} after {@code startNanos} (a {@code System.nanoTime()} value). */
    public static Deadline after(long startNanos, Duration timeout) {
        return new Deadline(startNanos + Math.max(0, timeout.toNanos()));
    }

    /** Time left, never negative. */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, atNanos - System.nanoTime()));
    }

    public boolean isExpired() {
        return atNanos - System.nanoTime() <= 0;
    }

    /** The earlier of the two. */
    public Deadline earliest(Deadline other) {
        return atNanos - other.atNanos <= 0 ? this : other;
    }
}
