package dev.imagesize.image;

/**
 * An image platform as OCI indexes name it: {@code linux/amd64}, {@code linux/arm/v7}.
 *
 * @param os operating system, e.g. {@code linux}
 * @param architecture CPU architecture, e.g. {@code amd64}, {@code arm64}
 * @param variant CPU variant, e.g. {@code v7}, or null when none is given
 */
public record Platform(String os, String architecture, String variant) {

    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);

    /** Parses {@code os/arch[/variant]}; throws IllegalArgumentException naming what is wrong. */
    public Platform normalized() {
        throw new UnsupportedOperationException("TODO(helper-image)");
    }

    public static Platform parse(String text) {
        throw new UnsupportedOperationException("TODO(helper-image)");
    }

    /** Whether an image built for {@code candidate} is the one a node of this platform runs (variant defaults apply). */
    public boolean matches(Platform candidate) {
        throw new UnsupportedOperationException("TODO(helper-image)");
    }

    /** True for entries such as attestations that are not runnable images ({@code unknown/unknown}). */
    public boolean isUnknown() {
        return "unknown".equals(os) || "unknown".equals(architecture);
    }

    @Override
    public String toString() {
        return variant == null || variant.isEmpty() ? os + "/" + architecture : os + "/" + architecture + "/" + variant;
    }
}
