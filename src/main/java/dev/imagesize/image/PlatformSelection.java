package dev.imagesize.image;

import java.util.List;

/**
 * Which platforms of an image to measure: the given ones, or every platform of the index.
 *
 * @param all measure every platform the image has (attestations excluded)
 * @param platforms the platforms to measure when {@code all} is false
 */
public record PlatformSelection(boolean all, List<Platform> platforms) {

    public PlatformSelection {
        platforms = List.copyOf(platforms);
        if (!all && platforms.isEmpty()) {
            throw new IllegalArgumentException("select at least one platform, or all");
        }
    }

    public static PlatformSelection of(Platform... platforms) {
        return new PlatformSelection(false, List.of(platforms));
    }

    public static PlatformSelection of(List<Platform> platforms) {
        return new PlatformSelection(false, platforms);
    }

    public static PlatformSelection allPlatforms() {
        return new PlatformSelection(true, List.of());
    }

    @Override
    public String toString() {
        return all ? "all platforms" : platforms.toString();
    }
}
