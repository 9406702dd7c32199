package dev.imagesize.policy;

import dev.imagesize.image.Layer;
import java.util.List;

/**
 * The image a container ran before, as maxGrowth saw it on one platform: compared (its digest, its size, and its
 * layers when the registry or a baseline file gave them), or why it could not be compared.
 *
 * @param image the image as the previous version of the workload (or {@code --baseline}) wrote it
 * @param digest the manifest digest compared with (the digest the audit recorded when only its record was left), or
 *     null when not compared
 * @param sizeBytes its compressed size on the platform, or null when not compared
 * @param layers its layers, or null when they are not known (only recorded sizes were left)
 * @param notCompared why the sizes were not compared (the image is gone from its registry, or has no image for the
 *     platform), or null
 */
public record Replaced(String image, String digest, Long sizeBytes, List<Layer> layers, String notCompared) {

    public Replaced {
        layers = layers == null ? null : List.copyOf(layers);
    }

    /** Compared with a measured image whose layers are known. */
    public static Replaced measured(String image, String digest, long sizeBytes, List<Layer> layers) {
        return new Replaced(image, digest, sizeBytes, layers, null);
    }

    /** Compared with the size the audit recorded for it (the registry could not say, or no longer has it). */
    public static Replaced recorded(String image, String digest, long sizeBytes) {
        return new Replaced(image, digest, sizeBytes, null, null);
    }

    /** Not compared, and why ({@code is not in its registry any more (...)}). */
    public static Replaced notCompared(String image, String why) {
        return new Replaced(image, null, null, null, why);
    }

    /** Its size is unknown for now (the finding's error says why): the growth cannot be told. */
    public static Replaced unknown(String image) {
        return new Replaced(image, null, null, null, null);
    }

    /** Whether its size was compared with the current image's. */
    public boolean isCompared() {
        return sizeBytes != null;
    }
}
