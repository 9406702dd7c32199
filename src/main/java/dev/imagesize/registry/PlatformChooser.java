package dev.imagesize.registry;

import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Chooses the entries of an image index (OCI index or Docker manifest list) that a platform selection asks for. Pure:
 * it reads only the index and, where the index cannot tell, the platforms read from the entries' image configs.
 *
 * <ul>
 *   <li>Attestation entries ({@code unknown/unknown}, or annotated {@code vnd.docker.reference.type:
 *       attestation-manifest}) are never images to measure.
 *   <li>An entry's platform is the index's, {@code variant} included. The image config is read instead when the
 *       index gives no platform, or gives an ARM architecture without a variant and the variant matters: several
 *       entries share the os and architecture, a specific variant is asked for, or every platform is listed.
 *   <li>Each platform asked for takes the first entry that matches it (containerd's normalization: {@code arm} is
 *       {@code arm/v7}, {@code arm64/v8} is {@code arm64}); platforms no entry matches are missing.
 * </ul>
 */
public final class PlatformChooser {
    private PlatformChooser() {}

    /**
     * One chosen entry.
     *
     * @param entry the index entry
     * @param platform its platform (from the index, or from its config)
     */
    public record Chosen(Manifest.Entry entry, Platform platform) {}

    /**
     * What the selection takes from the index.
     *
     * @param chosen the entries to measure, in the order the platforms were asked for (index order for all)
     * @param missing platforms asked for that no entry provides
     * @param available every platform the index provides, in index order
     */
    public record Choice(List<Chosen> chosen, List<Platform> missing, List<Platform> available) {}

    /** The entries that are images, not attestations. */
    public static List<Manifest.Entry> images(Manifest.Index index) {
        return index.entries().stream().filter(entry -> !entry.isAttestation()).toList();
    }

    /** The entries of {@code entries} whose platform must be read from their image config before choosing. */
    public static List<Manifest.Entry> needingConfig(List<Manifest.Entry> entries, PlatformSelection selection) {
        List<Manifest.Entry> needing = new ArrayList<>();
        for (Manifest.Entry entry : entries) {
            Platform platform = entry.platform();
            if (platform == null) {
                needing.add(entry);
                continue;
            }
            if (platform.variant() != null || !hasVariants(platform)) {
                continue;
            }
            boolean ambiguous = entries.stream()
                            .filter(other -> sameOsAndArchitecture(other.platform(), platform))
                            .count()
                    > 1;
            boolean variantAsked = selection.platforms().stream()
                    .anyMatch(wanted -> sameOsAndArchitecture(wanted, platform) && !isDefaultVariant(wanted));
            if (ambiguous || variantAsked || selection.all()) {
                needing.add(entry);
            }
        }
        return needing;
    }

    /**
     * Chooses from {@code entries} (attestations already removed), given the platforms read from the configs of the
     * entries {@link #needingConfig} named (by entry digest).
     */
    public static Choice choose(
            List<Manifest.Entry> entries, PlatformSelection selection, Map<String, Platform> fromConfig) {
        List<Chosen> candidates = new ArrayList<>();
        for (Manifest.Entry entry : entries) {
            Platform platform = fromConfig.getOrDefault(entry.digest(), entry.platform());
            if (platform != null && !platform.isUnknown()) {
                candidates.add(new Chosen(entry, platform));
            }
        }
        List<Platform> available =
                candidates.stream().map(Chosen::platform).distinct().toList();
        if (selection.all()) {
            return new Choice(candidates, List.of(), available);
        }
        List<Chosen> chosen = new ArrayList<>();
        List<Platform> missing = new ArrayList<>();
        for (Platform wanted : selection.platforms()) {
            Chosen match = candidates.stream()
                    .filter(candidate -> wanted.matches(candidate.platform()))
                    .findFirst()
                    .orElse(null);
            if (match == null) {
                missing.add(wanted);
            } else if (!chosen.contains(match)) {
                chosen.add(match);
            }
        }
        return new Choice(chosen, missing, available);
    }

    private static boolean sameOsAndArchitecture(Platform a, Platform b) {
        if (a == null || b == null) {
            return false;
        }
        Platform x = a.normalized();
        Platform y = b.normalized();
        return x.os().equals(y.os()) && x.architecture().equals(y.architecture());
    }

    /** Architectures whose images differ by CPU variant (arm/v6, arm/v7, arm64/v8). */
    private static boolean hasVariants(Platform platform) {
        return platform.normalized().architecture().startsWith("arm");
    }

    private static boolean isDefaultVariant(Platform wanted) {
        Platform normalized = wanted.normalized();
        return normalized.equals(new Platform(normalized.os(), normalized.architecture(), null).normalized());
    }
}
