package dev.imagesize.content;

import dev.imagesize.Config;
import java.time.Duration;

/**
 * How images are analysed: how many at once, how large, how long, and how failures are retried.
 *
 * @param concurrency images analysed at once
 * @param parallelLayers layers of one image read at once
 * @param maxImageBytes images whose layers add up to more compressed bytes are not analysed
 * @param cacheBytes weight of the layer index cache
 * @param timeout time for one image
 * @param retryAfter a transient failure is tried again after this
 * @param claimDuration how long an analyzer's claim on an image lasts unless renewed
 * @param maxAttempts analyses tried per digest
 * @param maxAdmissionMisses admission misses remembered per replica
 * @param ttl an analysis no governed workload referenced for this long is deleted
 * @param sweepInterval how often references are recorded and old analyses deleted
 */
public record AnalysisSettings(
        int concurrency,
        int parallelLayers,
        long maxImageBytes,
        long cacheBytes,
        Duration timeout,
        Duration retryAfter,
        Duration claimDuration,
        int maxAttempts,
        int maxAdmissionMisses,
        Duration ttl,
        Duration sweepInterval) {

    public AnalysisSettings {
        if (ttl.isNegative() || ttl.isZero() || sweepInterval.isNegative() || sweepInterval.isZero()) {
            throw new IllegalArgumentException("imagesize.analysis: ttl and sweep-interval must be positive");
        }
        if (claimDuration.isNegative() || claimDuration.isZero()) {
            throw new IllegalArgumentException("imagesize.analysis: claim-duration must be positive");
        }
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
                config.claimDuration(),
                config.maxAttempts(),
                config.maxAdmissionMisses(),
                config.ttl(),
                config.sweepInterval());
    }

    /** The defaults of {@link Config.Analysis}. */
    public static AnalysisSettings defaults() {
        return new AnalysisSettings(
                1,
                2,
                4L << 30,
                64L << 20,
                Duration.ofMinutes(30),
                Duration.ofMinutes(10),
                Duration.ofSeconds(60),
                3,
                1000,
                Duration.ofDays(7),
                Duration.ofHours(1));
    }
}
