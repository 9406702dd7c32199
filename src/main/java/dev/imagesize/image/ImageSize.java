package dev.imagesize.image;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The compressed size of one image for one platform: what a node pulls.
 *
 * @param image the reference that was resolved
 * @param indexDigest the digest of the index or manifest list the reference named, or null for a plain manifest
 * @param manifestDigest the digest of the platform's image manifest
 * @param platform the platform of this manifest
 * @param mediaType the manifest's media type
 * @param configSizeBytes the size of the config blob
 * @param layers the layers in manifest order
 */
public record ImageSize(
        ImageRef image,
        String indexDigest,
        String manifestDigest,
        Platform platform,
        String mediaType,
        long configSizeBytes,
        List<Layer> layers) {

    public ImageSize {
        layers = List.copyOf(layers);
    }

    /** Config blob size plus the sum of the layer sizes. */
    public long compressedSizeBytes() {
        return configSizeBytes + layers.stream().mapToLong(Layer::sizeBytes).sum();
    }

    public Optional<Layer> largestLayer() {
        return layers.stream().max(Comparator.comparingLong(Layer::sizeBytes));
    }

    /** The layers, largest first (ties keep manifest order), as {@code docker history} users expect. */
    public List<Layer> layersLargestFirst() {
        return layers.stream()
                .sorted(Comparator.comparingLong(Layer::sizeBytes).reversed())
                .toList();
    }
}
