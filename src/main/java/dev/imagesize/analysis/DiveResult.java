package dev.imagesize.analysis;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/**
 * dive's figures for one image, to the byte (dive v0.13.1 {@code Efficiency} and {@code Analyze}).
 *
 * @param efficiencyScore Σ min size per path / Σ cumulative size per path (1.0 when nothing was counted)
 * @param inefficientBytes dive's "wasted bytes": cumulative size of every path seen at least twice
 * @param sizeBytes Σ layer sizes (every tar header's size)
 * @param userSizeBytes Σ layer sizes without the first layer
 * @param userWastedPercent inefficientBytes / userSizeBytes (NaN for 0/0, infinite for x/0, as Go's float64)
 * @param reclaimableBytes Σ (cumulative − min) over the same paths: the waste without the surviving copy
 * @param inefficientFiles paths seen at least twice, largest cumulative size first
 * @param layerSizes each layer's size as dive reports it
 * @param wouldFail dive fails on this image (a PAX global header in a layer)
 * @param abortedLayers layers whose efficiency walk dive stops early (a whiteout of a path missing below)
 */
public record DiveResult(
        double efficiencyScore,
        long inefficientBytes,
        long sizeBytes,
        long userSizeBytes,
        double userWastedPercent,
        long reclaimableBytes,
        List<InefficientFile> inefficientFiles,
        List<Long> layerSizes,
        boolean wouldFail,
        List<Integer> abortedLayers) {

    public DiveResult {
        inefficientFiles = List.copyOf(inefficientFiles);
        layerSizes = List.copyOf(layerSizes);
        abortedLayers = List.copyOf(abortedLayers);
    }

    /** One of dive's inefficient files: {@code {count, sizeBytes, file}} in its JSON export. */
    public record InefficientFile(
            @JsonPropertyDescription("The path.") String file,

            @JsonPropertyDescription("In how many layers it is a leaf.")
            int count,

            @JsonPropertyDescription("Its size summed over those layers.")
            long sizeBytes) {}
}
