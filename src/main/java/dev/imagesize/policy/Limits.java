package dev.imagesize.policy;

import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Layer;
import java.util.ArrayList;
import java.util.List;

/**
 * Size budgets for one image on one platform; null means "no limit". The single place where sizes are compared
 * with limits: the webhook, the audit reconciler and the CLI all come through here.
 *
 * @param maxImageSizeBytes compressed image size limit (config + layers)
 * @param maxLayerSizeBytes compressed size limit of any single layer
 * @param maxLayers limit on the number of layers
 */
public record Limits(Long maxImageSizeBytes, Long maxLayerSizeBytes, Integer maxLayers) {

    public static final Limits NONE = new Limits(null, null, null);

    public boolean isEmpty() {
        return maxImageSizeBytes == null && maxLayerSizeBytes == null && maxLayers == null;
    }

    /** Every limit this image breaks, image size first; empty when it is within budget. */
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
     * @param allowed the limit (bytes, or a layer count)
     * @param layer for {@code maxLayerSize}, the largest layer; otherwise null
     */
    public record Breach(Limit limit, long actual, long allowed, Layer layer) {

        /** The limits, named as in the policy spec. */
        public enum Limit {
            MAX_IMAGE_SIZE("maxImageSize"),
            MAX_LAYER_SIZE("maxLayerSize"),
            MAX_LAYERS("maxLayers");

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
