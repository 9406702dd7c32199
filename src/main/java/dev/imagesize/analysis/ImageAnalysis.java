package dev.imagesize.analysis;

import java.util.List;

/**
 * One analysed platform image: the bounded status (what is stored and printed), plus the full dive result and layer
 * facts that the CLI's CI rules and dive-shaped export read.
 *
 * @param status the result in {@code ImageAnalysis.status} shape, within its byte budget
 * @param dive dive's figures, or null when a layer could not be analysed
 * @param layers per-layer facts (step, sizes)
 */
public record ImageAnalysis(ImageAnalysisStatus status, DiveResult dive, List<LayerFacts> layers) {

    public ImageAnalysis {
        layers = List.copyOf(layers);
    }

    public boolean complete() {
        return "Complete".equals(status.phase());
    }
}
