package dev.imagesize.image;

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
     */
    record Sized(
            ImageRef image, List<ImageSize> sizes, List<Platform> missingPlatforms, List<Platform> availablePlatforms)
            implements ResolveResult {
        public Sized {
            sizes = List.copyOf(sizes);
            missingPlatforms = List.copyOf(missingPlatforms);
            availablePlatforms = List.copyOf(availablePlatforms);
        }
    }

    /** The size could not be determined; {@code error} says why. */
    record Failed(ImageRef image, ResolveError error) implements ResolveResult {}
}
