package dev.imagesize.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the analysis reads from an image config: the diffIDs, the history steps matched to layers, labels and
 * environment (base detection).
 *
 * @param diffIds uncompressed layer digests in order
 * @param layerSteps the {@code created_by} of the history entry of each layer ({@code empty_layer} entries skipped,
 *     as dive and docker do), "" when the history is shorter
 * @param history every history entry's {@code created_by}, empty layers included
 * @param labels config labels
 * @param env config environment ({@code NAME=value})
 */
public record ImageConfig(
        List<String> diffIds,
        List<String> layerSteps,
        List<HistoryStep> history,
        Map<String, String> labels,
        List<String> env) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One history entry. */
    public record HistoryStep(String createdBy, boolean emptyLayer) {}

    public ImageConfig {
        diffIds = List.copyOf(diffIds);
        layerSteps = List.copyOf(layerSteps);
        history = List.copyOf(history);
        labels = Map.copyOf(labels);
        env = List.copyOf(env);
    }

    /** Parses config JSON; a broken config is a clear error naming what is missing. */
    public static ImageConfig parse(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("image config is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("image config is not a JSON object");
        }
        List<String> diffIds = new ArrayList<>();
        for (JsonNode id : root.path("rootfs").path("diff_ids")) {
            diffIds.add(id.asText());
        }
        List<HistoryStep> history = new ArrayList<>();
        for (JsonNode step : root.path("history")) {
            history.add(new HistoryStep(
                    step.path("created_by").asText(""), step.path("empty_layer").asBoolean(false)));
        }
        List<String> steps = new ArrayList<>();
        int next = 0;
        for (int layer = 0; layer < diffIds.size(); layer++) {
            while (next < history.size() && history.get(next).emptyLayer()) {
                next++;
            }
            steps.add(next < history.size() ? history.get(next++).createdBy() : "");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        root.path("config")
                .path("Labels")
                .fields()
                .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        List<String> env = new ArrayList<>();
        for (JsonNode variable : root.path("config").path("Env")) {
            env.add(variable.asText());
        }
        return new ImageConfig(diffIds, steps, history, labels, env);
    }
}
