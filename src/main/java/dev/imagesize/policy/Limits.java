package dev.imagesize.policy;

import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Layer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Size budgets for one image on one platform; null means "no limit". The single place where sizes are compared
 * with limits: the webhook, the audit reconciler and the CLI all come through here.
 *
 * @param maxImageSizeBytes compressed image size limit (config + layers)
 * @param maxLayerSizeBytes compressed size limit of any single layer
 * @param maxLayers limit on the number of layers
 * @param maxGrowth how much larger than the image it replaces an image may be (same container, same platform)
 */
public record Limits(Long maxImageSizeBytes, Long maxLayerSizeBytes, Integer maxLayers, MaxGrowth maxGrowth) {

    public static final Limits NONE = new Limits(null, null, null, null);

    /** The size limits without a growth limit. */
    public Limits(Long maxImageSizeBytes, Long maxLayerSizeBytes, Integer maxLayers) {
        this(maxImageSizeBytes, maxLayerSizeBytes, maxLayers, null);
    }

    public boolean isEmpty() {
        return maxImageSizeBytes == null && maxLayerSizeBytes == null && maxLayers == null && maxGrowth == null;
    }

    /** These limits with the ones {@code override} sets put in their place (an override's unset limits keep ours). */
    public Limits overriddenBy(Limits override) {
        return new Limits(
                override.maxImageSizeBytes != null ? override.maxImageSizeBytes : maxImageSizeBytes,
                override.maxLayerSizeBytes != null ? override.maxLayerSizeBytes : maxLayerSizeBytes,
                override.maxLayers != null ? override.maxLayers : maxLayers,
                override.maxGrowth != null ? override.maxGrowth : maxGrowth);
    }

    /**
     * The growth limit's breach when {@code image} grew more than it allows over an image of {@code previousBytes} on
     * the same platform; empty without a growth limit, or within it.
     */
    public Optional<Breach> checkGrowth(ImageSize image, long previousBytes) {
        if (maxGrowth == null) {
            return Optional.empty();
        }
        long size = image.compressedSizeBytes();
        long allowed = maxGrowth.allowedBytes(previousBytes);
        return size > allowed
                ? Optional.of(new Breach(Breach.Limit.MAX_GROWTH, size, allowed, null))
                : Optional.empty();
    }

    /**
     * Every limit this image breaks on its own, image size first; empty when it is within budget. The growth limit
     * needs the image it replaces: {@link #checkGrowth}.
     */
    public List<Breach> check(ImageSize image) {
        List<Breach> breaches = new ArrayList<>();
        long size = image.compressedSizeBytes();
        if (maxImageSizeBytes != null && size > maxImageSizeBytes) {
            breaches.add(new Breach(Breach.Limit.MAX_IMAGE_SIZE, size, maxImageSizeBytes, null));
        }
        if (maxLayerSizeBytes != null) {
            image.largestLayer()
                    .filter(layer -> layer.sizeBytes() > maxLayerSizeBytes)
                    .ifPresent(layer -> breaches.add(
                            new Breach(Breach.Limit.MAX_LAYER_SIZE, layer.sizeBytes(), maxLayerSizeBytes, layer)));
        }
        if (maxLayers != null && image.layers().size() > maxLayers) {
            breaches.add(new Breach(Breach.Limit.MAX_LAYERS, image.layers().size(), maxLayers, null));
        }
        return breaches;
    }

    /**
     * One broken limit.
     *
     * @param limit which limit
     * @param actual the measured value (bytes, or a layer count)
     * @param allowed the limit (bytes, or a layer count); for {@code maxGrowth}, the largest size the growth limit
     *     allows over the image it replaces
     * @param layer for {@code maxLayerSize}, the largest layer; otherwise null
     */
    public record Breach(Limit limit, long actual, long allowed, Layer layer) {

        /** The limits, named as in the policy spec. */
        public enum Limit {
            MAX_IMAGE_SIZE("maxImageSize"),
            MAX_LAYER_SIZE("maxLayerSize"),
            MAX_LAYERS("maxLayers"),
            MAX_GROWTH("maxGrowth");

            private final String fieldName;

            Limit(String fieldName) {
                this.fieldName = fieldName;
            }

            /** The field name users write in a policy ({@code maxImageSize}). */
            public String fieldName() {
                return fieldName;
            }

            public boolean isBytes() {
                return this != MAX_LAYERS;
            }
        }

        /** How far over the limit. */
        public long excess() {
            return actual - allowed;
        }
    }
}
