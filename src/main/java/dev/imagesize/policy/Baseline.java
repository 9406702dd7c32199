package dev.imagesize.policy;

import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveResult;
import java.util.Map;
import java.util.Optional;

/**
 * The image a container ran before, as an assessment found it for maxGrowth: measured now (from its registry, or read
 * from a baseline file), and what the audit recorded of it, which answers when the registry cannot.
 *
 * @param image the image as written where it was found (the old object, the audit's record, {@code --baseline})
 * @param measured the registry's answer (or a file's), or null when it was not measured
 * @param recordedDigest the digest the audit recorded for it, or null
 * @param recordedSizes compressed sizes per platform the audit recorded for it; empty when none
 */
public record Baseline(String image, ResolveResult measured, String recordedDigest, Map<Platform, Long> recordedSizes) {

    public Baseline {
        recordedSizes = recordedSizes == null ? Map.of() : Map.copyOf(recordedSizes);
    }

    /** The recorded size for {@code platform}, if the audit recorded one. */
    public Optional<Long> recordedSize(Platform platform) {
        return recordedSizes.entrySet().stream()
                .filter(entry -> platform.matches(entry.getKey()))
                .map(Map.Entry::getValue)
                .findFirst();
    }
}
