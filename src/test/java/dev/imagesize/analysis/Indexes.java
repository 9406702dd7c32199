package dev.imagesize.analysis;

import dev.imagesize.Deadline;
import dev.imagesize.testing.TestLayers;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Layer indexes of synthetic layers, read by the real scanner. */
final class Indexes {
    private Indexes() {}

    static LayerIndex of(byte[] tar) {
        try {
            return new LayerAnalyzer(AnalysisLimits.defaults())
                    .analyze(
                            new ByteArrayInputStream(TestLayers.gzip(tar)),
                            TestLayers.sha256(tar),
                            Deadline.in(Duration.ofMinutes(1)),
                            LayerAnalyzer.Progress.NONE);
        } catch (LayerProblem e) {
            throw new AssertionError("layer should be readable: " + e.getMessage(), e);
        }
    }

    static List<LayerIndex> of(TestLayers.Builder... layers) {
        List<LayerIndex> indexes = new ArrayList<>();
        for (TestLayers.Builder layer : layers) {
            indexes.add(of(layer.tar()));
        }
        return indexes;
    }
}
