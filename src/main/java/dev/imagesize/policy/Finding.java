package dev.imagesize.policy;

import dev.imagesize.image.ImageSize;
import dev.imagesize.image.ResolveError;
import java.util.List;
import java.util.Optional;

/**
 * What one policy concluded about one container's image (on one platform, when it was measured).
 *
 * @param rule the policy
 * @param container the container
 * @param outcome the verdict
 * @param size the measured size on one platform (WITHIN, OVER), else null
 * @param limits the budget that applied (after overrides)
 * @param breaches the limits broken (OVER), else empty
 * @param error why the size is unknown (UNKNOWN), else null
 * @param replaced for a limit on growth, the image the container ran before: compared (WITHIN, OVER), not compared
 *     and why (WITHIN, OVER), or of unknown size (UNKNOWN, and {@code error} says why); null when growth was not
 *     checked (no growth limit, or nothing ran before)
 */
public record Finding(
        Rule rule,
        Container container,
        Outcome outcome,
        ImageSize size,
        Limits limits,
        List<Limits.Breach> breaches,
        ResolveError error,
        Replaced replaced) {

    public Finding {
        breaches = List.copyOf(breaches);
    }

    /** A finding that involves no growth limit. */
    public Finding(
            Rule rule,
            Container container,
            Outcome outcome,
            ImageSize size,
            Limits limits,
            List<Limits.Breach> breaches,
            ResolveError error) {
        this(rule, container, outcome, size, limits, breaches, error, null);
    }

    /** The growth limit's breach, if this finding has one. */
    public Optional<Limits.Breach> growthBreach() {
        return breaches.stream()
                .filter(breach -> breach.limit() == Limits.Breach.Limit.MAX_GROWTH)
                .findFirst();
    }

    /** Whether the growth limit could not be checked for want of a comparable previous image (see {@link Replaced}). */
    public boolean growthNotCompared() {
        return replaced != null && replaced.notCompared() != null;
    }

    /** The verdict of one policy on one container image. */
    public enum Outcome {
        WITHIN,
        OVER,
        EXCLUDED,
        UNKNOWN
    }

    /**
     * For sorting: the largest excess in bytes over any byte limit (image, layer or growth); 0 for layer counts only.
     */
    public long excessBytes() {
        return breaches.stream()
                .filter(breach -> breach.limit().isBytes())
                .mapToLong(Limits.Breach::excess)
                .max()
                .orElse(0);
    }
}
