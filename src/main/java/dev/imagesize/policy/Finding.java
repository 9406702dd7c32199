package dev.imagesize.policy;

import dev.imagesize.image.ImageSize;
import dev.imagesize.image.ResolveError;
import java.util.List;

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
 */
public record Finding(
        Rule rule,
        Container container,
        Outcome outcome,
        ImageSize size,
        Limits limits,
        List<Limits.Breach> breaches,
        ResolveError error) {

    public Finding {
        breaches = List.copyOf(breaches);
    }

    /** The verdict of one policy on one container image. */
    public enum Outcome {
        WITHIN,
        OVER,
        EXCLUDED,
        UNKNOWN
    }

    /** For sorting: the largest excess in bytes over any byte limit (image or layer); 0 for layer counts only. */
    public long excessBytes() {
        return breaches.stream()
                .filter(breach -> breach.limit().isBytes())
                .mapToLong(Limits.Breach::excess)
                .max()
                .orElse(0);
    }
}
