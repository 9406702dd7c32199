package dev.imagesize.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.json.JsonTemplateMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** jib's descriptor templates keep each layer's media type without exposing it; its own serializer gives it back. */
final class LayerMediaTypes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LayerMediaTypes() {}

    static List<String> of(BuildableManifestTemplate image) {
        List<String> types = new ArrayList<>();
        try {
            for (JsonNode layer :
                    JSON.readTree(JsonTemplateMapper.toByteArray(image)).path("layers")) {
                types.add(layer.path("mediaType").asText(""));
            }
        } catch (IOException e) {
            // a template jib just parsed serializes; without media types the layers are still sniffed
        }
        while (types.size() < image.getLayers().size()) {
            types.add("");
        }
        return types;
    }
}
