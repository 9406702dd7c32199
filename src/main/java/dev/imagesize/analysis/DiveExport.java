package dev.imagesize.analysis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * dive's {@code --json} export shape ({@code layer[]} and {@code image}), for scripts written against dive. The
 * per-layer {@code fileList} is left out; every other field is dive's.
 */
public final class DiveExport {
    private DiveExport() {}

    public static Map<String, Object> of(ImageAnalysis analysis) {
        DiveResult dive = analysis.dive();
        List<Map<String, Object>> layers = new ArrayList<>();
        for (int i = 0; i < analysis.layers().size(); i++) {
            LayerFacts facts = analysis.layers().get(i);
            ImageAnalysisStatus.LayerInfo info = analysis.status().layers().size() > i
                    ? analysis.status().layers().get(i)
                    : null;
            Map<String, Object> layer = new LinkedHashMap<>();
            layer.put("index", i);
            layer.put(
                    "id",
                    info == null || info.diffID() == null ? "" : info.diffID().replace("sha256:", ""));
            layer.put("digestId", "");
            layer.put("sizeBytes", dive == null ? 0 : dive.layerSizes().get(i));
            String step = facts.createdBy() == null || facts.createdBy().isEmpty() ? "(missing)" : facts.createdBy();
            layer.put("command", step.startsWith("/bin/sh -c ") ? step.substring("/bin/sh -c ".length()) : step);
            layers.add(layer);
        }
        Map<String, Object> image = new LinkedHashMap<>();
        image.put("sizeBytes", dive == null ? 0 : dive.sizeBytes());
        image.put("inefficientBytes", dive == null ? 0 : dive.inefficientBytes());
        image.put("efficiencyScore", dive == null ? 0 : dive.efficiencyScore());
        List<Map<String, Object>> files = new ArrayList<>();
        if (dive != null) {
            for (DiveResult.InefficientFile file : dive.inefficientFiles()) {
                Map<String, Object> reference = new LinkedHashMap<>();
                reference.put("count", file.count());
                reference.put("sizeBytes", file.sizeBytes());
                reference.put("file", file.file());
                files.add(reference);
            }
        }
        image.put("fileReference", files);
        Map<String, Object> export = new LinkedHashMap<>();
        export.put("layer", layers);
        export.put("image", image);
        return export;
    }
}
