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
    /** Parses {@code os/arch[/variant]}; throws IllegalArgumentException naming what is wrong. */
    public static Platform parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("invalid platform \"\": expected os/arch or os/arch/variant");
        }
        String[] parts = text.trim().split("/", -1);
        if (parts.length < 2
                || parts.length > 3
                || java.util.Arrays.stream(parts).anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException(
                    "invalid platform \"" + text + "\": expected os/arch or os/arch/variant, e.g. linux/arm64/v8");
        }
        return new Platform(
                parts[0].toLowerCase(), parts[1].toLowerCase(), parts.length == 3 ? parts[2].toLowerCase() : null);
    }

    /**
     * The canonical form, as containerd normalizes platforms: {@code x86_64} is {@code amd64}, {@code aarch64} is
     * {@code arm64}; arm64 without a variant is {@code v8}, arm without one is {@code v7}; amd64 {@code v1} is no
     * variant.
     */
    public Platform normalized() {
        String arch = architecture == null ? "" : architecture.toLowerCase();
        String v = variant == null || variant.isEmpty() ? null : variant.toLowerCase();
        switch (arch) {
            case "x86_64", "x86-64", "amd64" -> {
                arch = "amd64";
                if ("v1".equals(v)) {
                    v = null;
                }
            }
            case "aarch64", "arm64" -> {
                arch = "arm64";
                if (v == null || "8".equals(v)) {
                    v = "v8";
                }
            }
            case "armhf" -> {
                arch = "arm";
                v = "v7";
            }
            case "armel" -> {
                arch = "arm";
                v = "v6";
            }
            case "arm" -> {
                if (v == null) {
                    v = "v7";
                } else if (v.matches("[5-8]")) {
                    v = "v" + v;
                }
            }
            case "i386" -> arch = "386";
            default -> {}
        }
        return new Platform(os == null ? "" : os.toLowerCase(), arch, v);
    }

    /** Whether an image built for {@code candidate} is the one a node of this platform runs (variant defaults apply). */
    public boolean matches(Platform candidate) {
        return candidate != null && normalized().equals(candidate.normalized());
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
