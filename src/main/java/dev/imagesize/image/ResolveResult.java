package dev.imagesize.image;

import java.time.Duration;
import java.util.List;

/** What the resolver knows about one image: its sizes per platform, or why it could not tell. */
public sealed interface ResolveResult {

    ImageRef image();

    /**
     * The image was found.
     *
     * @param sizes one entry per selected platform the image has
     * @param missingPlatforms selected platforms the image does not provide
     * @param availablePlatforms every platform the image provides (attestations excluded)
     * @param stale set when the sizes are those of the tag's last known digest because the registry could not confirm
     *     the tag just now; null for a fresh answer
     */
    record Sized(
            ImageRef image,
            List<ImageSize> sizes,
            List<Platform> missingPlatforms,
            List<Platform> availablePlatforms,
            Staleness stale)
            implements ResolveResult {
        public Sized {
            sizes = List.copyOf(sizes);
            missingPlatforms = List.copyOf(missingPlatforms);
            availablePlatforms = List.copyOf(availablePlatforms);
        }

        /** A fresh answer. */
        public Sized(
                ImageRef image,
                List<ImageSize> sizes,
                List<Platform> missingPlatforms,
                List<Platform> availablePlatforms) {
            this(image, sizes, missingPlatforms, availablePlatforms, null);
        }

        public boolean isStale() {
            return stale != null;
        }
    }

    /**
     * Why a size comes from a tag's last known digest rather than from the registry just now.
     *
     * @param age how long ago the registry last confirmed the tag's digest
     * @param cause why it could not confirm it now (unreachable, timeout, rate limited, server error)
     */
    record Staleness(Duration age, ResolveError cause) {
        /** For messages: {@code stale: digest last confirmed 12m ago (registry reg.io is unreachable)}. */
        public String describe() {
            return "stale: digest last confirmed " + ago(age) + " ago (" + cause.message() + ")";
        }

        private static String ago(Duration age) {
            long seconds = age.toSeconds();
            if (seconds < 120) {
                return seconds + "s";
            }
            if (seconds < 2 * 3600) {
                return seconds / 60 + "m";
            }
            return seconds / 3600 + "h";
        }
    }

    /** The size could not be determined; {@code error} says why. */
    record Failed(ImageRef image, ResolveError error) implements ResolveResult {}
}
