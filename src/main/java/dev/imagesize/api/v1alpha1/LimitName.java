package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Names the limit a violation broke, as the policy spells it. */
public enum LimitName {
    @JsonProperty("maxImageSize")
    MAX_IMAGE_SIZE,
    @JsonProperty("maxLayerSize")
    MAX_LAYER_SIZE,
    @JsonProperty("maxLayers")
    MAX_LAYERS,
    @JsonProperty("maxGrowth")
    MAX_GROWTH
}
