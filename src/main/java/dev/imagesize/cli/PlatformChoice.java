package dev.imagesize.cli;

import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import java.util.List;

/** The platforms a command measures from its {@code --platform} and {@code --all-platforms} options. */
final class PlatformChoice {
    private PlatformChoice() {}

    /** Every platform with {@code all}, else those named, else linux/amd64. */
    static PlatformSelection of(boolean all, List<String> platforms) {
        if (all) {
            return PlatformSelection.allPlatforms();
        }
        if (platforms == null || platforms.isEmpty()) {
            return PlatformSelection.of(Platform.LINUX_AMD64);
        }
        return PlatformSelection.of(platforms.stream().map(Platform::parse).toList());
    }
}
