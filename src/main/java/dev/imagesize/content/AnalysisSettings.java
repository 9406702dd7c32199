package dev.imagesize.content;

import dev.imagesize.Config;
import java.time.Duration;

/**
 * How the leader analyses images: how many at once, how large, how long, and how failures are retried.
 *
 * @param concurrency images analysed at once
 * @param parallelLayers layers of one image read at once
 * @param maxImageBytes images whose layers add up to more compressed bytes are not analysed
 * @param cacheBytes weight of the layer index cache
 * @param timeout time for one image
 * @param retryAfter a transient failure is tried again after this
 * @param maxAttempts analyses tried per digest
 * @param maxAdmissionMisses admission misses remembered per replica
 */
public record AnalysisSettings(
        int concurrency,
        int parallelLayers,
        long maxImageBytes,
        long cacheBytes,
        Duration timeout,
        Duration retryAfter,
        int maxAttempts,
        int maxAdmissionMisses) {

    public AnalysisSettings {
        if (concurrency < 1 || parallelLayers < 1 || maxAttempts < 1 || maxAdmissionMisses < 1) {
            throw new IllegalArgumentException("imagesize.analysis: concurrency, parallel-layers, max-attempts and"
                    + " max-admission-misses must be at least 1");
        }
        if (maxImageBytes < 1 || cacheBytes < 0) {
            throw new IllegalArgumentException(
                    "imagesize.analysis: max-image-bytes must be positive and cache-bytes not negative");
        }
    }

    public static AnalysisSettings of(Config.Analysis config) {
        return new AnalysisSettings(
                config.concurrency(),
                config.parallelLayers(),
                config.maxImageBytes(),
                config.cacheBytes(),
                config.timeout(),
                config.retryAfter(),
                config.maxAttempts(),
                config.maxAdmissionMisses());
    }

    /** The defaults of {@link Config.Analysis}. */
    public static AnalysisSettings defaults() {
        return new AnalysisSettings(1, 2, 4L << 30, 64L << 20, Duration.ofMinutes(30), Duration.ofMinutes(10), 3, 1000);
    }
}
