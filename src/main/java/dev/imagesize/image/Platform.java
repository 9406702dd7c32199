package dev.imagesize.image;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An image platform as OCI indexes name it: {@code linux/amd64}, {@code linux/arm/v7}.
 *
 * @param os operating system, e.g. {@code linux}
 * @param architecture CPU architecture, e.g. {@code amd64}, {@code arm64}
 * @param variant CPU variant, e.g. {@code v7}, or null when none is given
 */
public record Platform(String os, String architecture, String variant) {

    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);

    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_.-]+");

    /** Parses {@code os/arch[/variant]}; throws IllegalArgumentException naming what is wrong. */
    public static Platform parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("invalid platform \"" + (text == null ? "" : text)
                    + "\": expected os/arch or os/arch/variant, e.g. linux/amd64 or linux/arm/v7");
        }
        String[] parts = text.split("/", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("invalid platform \"" + text + "\": expected os/arch or os/arch/variant"
                    + " (2 or 3 parts separated by '/'), not " + parts.length + " part"
                    + (parts.length == 1 ? "" : "s"));
        }
        String[] names = {"os", "architecture", "variant"};
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                throw new IllegalArgumentException("invalid platform \"" + text + "\": the " + names[i] + " is empty");
            }
            if (!PART.matcher(parts[i]).matches()) {
                throw new IllegalArgumentException("invalid platform \"" + text + "\": the " + names[i] + " \""
                        + parts[i] + "\" may only contain letters, digits, '_', '.' and '-'");
            }
        }
        return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
    }

    /** Whether an image built for {@code candidate} is the one a node of this platform runs (variant defaults apply). */
    public boolean matches(Platform candidate) {
        return candidate != null && normalized().equals(candidate.normalized());
    }

    /**
     * The canonical spelling, as containerd normalizes platforms: lower case, architecture aliases resolved
     * ({@code x86_64} is {@code amd64}, {@code aarch64} is {@code arm64}), and default variants made explicit or
     * dropped ({@code arm} is {@code arm/v7}, {@code arm64/v8} is {@code arm64}, {@code amd64/v1} is {@code amd64}).
     */
    public Platform normalized() {
        String normalizedOs = lower(os);
        if ("macos".equals(normalizedOs)) {
            normalizedOs = "darwin";
        }
        String arch = lower(architecture);
        String normalizedVariant = variant == null || variant.isEmpty() ? null : lower(variant);
        switch (arch == null ? "" : arch) {
            case "i386" -> {
                arch = "386";
                normalizedVariant = null;
            }
            case "x86_64", "x86-64", "amd64" -> {
                arch = "amd64";
                if ("v1".equals(normalizedVariant)) normalizedVariant = null;
            }
            case "aarch64", "arm64" -> {
                arch = "arm64";
                if ("8".equals(normalizedVariant)
                        || "v8".equals(normalizedVariant)
                        || "v8.0".equals(normalizedVariant)) {
                    normalizedVariant = null;
                }
            }
            case "armhf" -> {
                arch = "arm";
                normalizedVariant = "v7";
            }
            case "armel" -> {
                arch = "arm";
                normalizedVariant = "v6";
            }
            case "arm" -> {
                if (normalizedVariant == null || "7".equals(normalizedVariant)) {
                    normalizedVariant = "v7";
                } else if ("5".equals(normalizedVariant)
                        || "6".equals(normalizedVariant)
                        || "8".equals(normalizedVariant)) {
                    normalizedVariant = "v" + normalizedVariant;
                }
            }
            default -> {}
        }
        return new Platform(normalizedOs, arch, normalizedVariant);
    }

    /** True for entries such as attestations that are not runnable images ({@code unknown/unknown}). */
    public boolean isUnknown() {
        return "unknown".equals(os) || "unknown".equals(architecture);
    }

    @Override
    public String toString() {
        return variant == null || variant.isEmpty() ? os + "/" + architecture : os + "/" + architecture + "/" + variant;
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }
}
