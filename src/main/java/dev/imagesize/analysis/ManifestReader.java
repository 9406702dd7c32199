package dev.imagesize.analysis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a platform image manifest (OCI or Docker schema 2) from its raw bytes with a streaming parser, as the analysis
 * needs it: the config descriptor, the layer descriptors and the manifest's annotations (where the OCI base-image
 * annotations live). Bounded: more layers than allowed or more than {@value #MAX_ANNOTATIONS} annotations are
 * refused while counting, and long texts are refused by the parser.
 */
final class ManifestReader {
    static final int MAX_ANNOTATIONS = 256;
    private static final int MAX_TEXT = 64 * 1024;
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(MAX_TEXT)
                    .maxNestingDepth(64)
                    .build())
            .build();

    private ManifestReader() {}

    /**
     * @param digest the manifest's digest (verified by the transport)
     * @param maxLayers refuse manifests with more layers
     * @throws LayerProblem MALFORMED when it is not a manifest, UNSUPPORTED when it is an index or over the bounds
     */
    static BlobSource.ImageManifest read(byte[] body, String digest, int maxLayers) throws LayerProblem {
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw malformed(digest, "not a JSON object");
            }
            ImageFacts.Descriptor config = null;
            List<ImageFacts.Descriptor> layers = null;
            Map<String, String> annotations = Map.of();
            boolean index = false;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "config" -> config = descriptor(parser, digest);
                    case "layers" -> layers = layers(parser, digest, maxLayers);
                    case "annotations" -> annotations = annotations(parser, digest);
                    case "manifests" -> {
                        index = true;
                        parser.skipChildren();
                    }
                    default -> {
                        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                            parser.skipChildren();
                        }
                    }
                }
            }
            if (index) {
                throw new LayerProblem(
                        LayerProblem.Kind.UNSUPPORTED,
                        "manifest " + digest + " is an index, not a platform image manifest");
            }
            if (config == null || layers == null) {
                throw new LayerProblem(
                        LayerProblem.Kind.UNSUPPORTED,
                        "manifest " + digest + " is not an image manifest (no config or no layers)");
            }
            return new BlobSource.ImageManifest(digest, config.digest(), config.size(), layers, annotations);
        } catch (LayerProblem problem) {
            throw problem;
        } catch (IOException e) {
            throw malformed(digest, "not valid JSON (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static List<ImageFacts.Descriptor> layers(JsonParser parser, String digest, int maxLayers)
            throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw malformed(digest, "layers is not an array");
        }
        List<ImageFacts.Descriptor> layers = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (layers.size() == maxLayers) {
                throw new LayerProblem(
                        LayerProblem.Kind.UNSUPPORTED, "image has more than " + maxLayers + " layers (the limit)");
            }
            layers.add(descriptor(parser, digest));
        }
        return layers;
    }

    private static ImageFacts.Descriptor descriptor(JsonParser parser, String digest) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw malformed(digest, "a descriptor is not an object");
        }
        String blob = null;
        String mediaType = "";
        long size = -1;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "digest" -> blob = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                case "mediaType" -> mediaType = value == JsonToken.VALUE_STRING ? parser.getText() : "";
                case "size" -> size = value == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : -1;
                default -> parser.skipChildren();
            }
        }
        if (blob == null || !blob.matches("[a-z0-9]+:[a-f0-9]{32,128}") || size < 0) {
            throw malformed(digest, "a descriptor has no valid digest or size");
        }
        return new ImageFacts.Descriptor(blob, size, mediaType);
    }

    private static Map<String, String> annotations(JsonParser parser, String digest) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw malformed(digest, "annotations is not an object");
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken value = parser.nextToken();
            if (annotations.size() == MAX_ANNOTATIONS) {
                throw new LayerProblem(
                        LayerProblem.Kind.UNSUPPORTED,
                        "manifest " + digest + " has more than " + MAX_ANNOTATIONS + " annotations");
            }
            if (value == JsonToken.VALUE_STRING) {
                annotations.put(key, parser.getText());
            } else {
                parser.skipChildren();
            }
        }
        return annotations;
    }

    private static LayerProblem malformed(String digest, String why) {
        return new LayerProblem(LayerProblem.Kind.MALFORMED, "manifest " + digest + ": " + why);
    }
}
