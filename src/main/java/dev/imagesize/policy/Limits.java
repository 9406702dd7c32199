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
 * @param maxUncompressedSizeBytes uncompressed image size limit (the layers' file sizes); needs the content analysis
 * @param minEfficiency smallest share, 0 to 1, of the shipped bytes the image's filesystem shows; needs the analysis
 * @param maxWastedBytes limit on the bytes shipped but hidden by later layers; needs the content analysis
 */
public record Limits(
        Long maxImageSizeBytes,
        Long maxLayerSizeBytes,
        Integer maxLayers,
        MaxGrowth maxGrowth,
        Long maxUncompressedSizeBytes,
        Double minEfficiency,
        Long maxWastedBytes) {

    public static final Limits NONE = new Limits(null, null, null, null);

    /** Efficiencies in a {@link Breach} are in parts per million (0.9 is 900,000). */
    public static final long PER_MILLION = 1_000_000;

    /** The size limits without a growth limit. */
    public Limits(Long maxImageSizeBytes, Long maxLayerSizeBytes, Integer maxLayers) {
        this(maxImageSizeBytes, maxLayerSizeBytes, maxLayers, null);
    }

    /** The size and growth limits, without the limits on the content analysis. */
    public Limits(Long maxImageSizeBytes, Long maxLayerSizeBytes, Integer maxLayers, MaxGrowth maxGrowth) {
        this(maxImageSizeBytes, maxLayerSizeBytes, maxLayers, maxGrowth, null, null, null);
    }

    public boolean isEmpty() {
        return maxImageSizeBytes == null
                && maxLayerSizeBytes == null
                && maxLayers == null
                && maxGrowth == null
                && !hasContentLimits();
    }

    /** Whether a limit needs the content analysis of the image ({@link #checkContent}). */
    public boolean hasContentLimits() {
        return maxUncompressedSizeBytes != null || minEfficiency != null || maxWastedBytes != null;
    }

    /** These limits with the ones {@code override} sets put in their place (an override's unset limits keep ours). */
    public Limits overriddenBy(Limits override) {
        return new Limits(
                override.maxImageSizeBytes != null ? override.maxImageSizeBytes : maxImageSizeBytes,
                override.maxLayerSizeBytes != null ? override.maxLayerSizeBytes : maxLayerSizeBytes,
                override.maxLayers != null ? override.maxLayers : maxLayers,
                override.maxGrowth != null ? override.maxGrowth : maxGrowth,
                override.maxUncompressedSizeBytes != null
                        ? override.maxUncompressedSizeBytes
                        : maxUncompressedSizeBytes,
                override.minEfficiency != null ? override.minEfficiency : minEfficiency,
                override.maxWastedBytes != null ? override.maxWastedBytes : maxWastedBytes);
    }

    /**
     * Every limit on the content analysis the analysed image breaks: uncompressed size, efficiency, wasted bytes, in
     * that order; empty when it is within them. An image without an analysis is not checked (nobody calls this).
     */
    public List<Breach> checkContent(Analysed analysed) {
        List<Breach> breaches = new ArrayList<>();
        if (maxUncompressedSizeBytes != null && analysed.uncompressedBytes() > maxUncompressedSizeBytes) {
            breaches.add(new Breach(
                    Breach.Limit.MAX_UNCOMPRESSED_SIZE, analysed.uncompressedBytes(), maxUncompressedSizeBytes, null));
        }
        if (minEfficiency != null) {
            long actual = perMillion(analysed.efficiency());
            long allowed = perMillion(minEfficiency);
            if (actual < allowed) {
                breaches.add(new Breach(Breach.Limit.MIN_EFFICIENCY, actual, allowed, null));
            }
        }
        if (maxWastedBytes != null && analysed.wastedBytes() > maxWastedBytes) {
            breaches.add(new Breach(Breach.Limit.MAX_WASTED_BYTES, analysed.wastedBytes(), maxWastedBytes, null));
        }
        return breaches;
    }

    /** A share from 0 to 1 in parts per million, rounded down (an efficiency never reads higher than it is). */
    static long perMillion(double share) {
        return (long) Math.floor(share * PER_MILLION);
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
     * @param actual the measured value (bytes, a layer count, or for {@code minEfficiency} parts per million)
     * @param allowed the limit (bytes, a layer count, or for {@code minEfficiency} parts per million); for {@code
     *     maxGrowth}, the largest size the growth limit allows over the image it replaces
     * @param layer for {@code maxLayerSize}, the largest layer; otherwise null
     */
    public record Breach(Limit limit, long actual, long allowed, Layer layer) {

        /** The limits, named as in the policy spec. */
        public enum Limit {
            MAX_IMAGE_SIZE("maxImageSize"),
            MAX_LAYER_SIZE("maxLayerSize"),
            MAX_LAYERS("maxLayers"),
            MAX_GROWTH("maxGrowth"),
            MAX_UNCOMPRESSED_SIZE("maxUncompressedSize"),
            MIN_EFFICIENCY("minEfficiency"),
            MAX_WASTED_BYTES("maxWastedBytes");

            private final String fieldName;

            Limit(String fieldName) {
                this.fieldName = fieldName;
            }

            /** The field name users write in a policy ({@code maxImageSize}). */
            public String fieldName() {
                return fieldName;
            }

            public boolean isBytes() {
                return this != MAX_LAYERS && this != MIN_EFFICIENCY;
            }

            /** Whether the limit needs the image's content analysis. */
            public boolean isContent() {
                return this == MAX_UNCOMPRESSED_SIZE || this == MIN_EFFICIENCY || this == MAX_WASTED_BYTES;
            }
        }

        /** How far over the limit (for {@code minEfficiency}, how far under it, in parts per million). */
        public long excess() {
            return this.limit == Limit.MIN_EFFICIENCY ? allowed - actual : actual - allowed;
        }
    }
}
