package dev.imagesize.analysis;

import java.util.List;
import java.util.Map;

/**
 * What the manifest and config say about one platform image, before any layer is read.
 *
 * @param manifestDigest the platform manifest's digest
 * @param platform {@code os/arch[/variant]}
 * @param configBytes size of the config blob
 * @param layers layer descriptors in manifest order
 * @param annotations manifest annotations (base-image annotations live here)
 * @param config the parsed image config
 */
public record ImageFacts(
        String manifestDigest,
        String platform,
        long configBytes,
        List<Descriptor> layers,
        Map<String, String> annotations,
        ImageConfig config) {

    public ImageFacts {
        layers = List.copyOf(layers);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    /** A layer descriptor: compressed digest, size and media type. */
    public record Descriptor(String digest, long size, String mediaType) {}

    public long compressedBytes() {
        return configBytes + layers.stream().mapToLong(Descriptor::size).sum();
    }
}
