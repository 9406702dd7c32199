package dev.imagesize.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagesize.assessment.Previous;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Layer;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The sizes an earlier {@code imagesize check -o json} wrote, read back as baselines for {@code --max-growth
 * --baseline-file}: per repository, the image that run checked and its sizes and layers per platform, so a pipeline
 * compares a new image with the previous release without the registry still holding it. An image is matched with the
 * file's image of the same registry and repository.
 */
final class BaselineFile {
    /** Larger files are refused: a check's JSON is a few KiB per image. */
    static final long MAX_BYTES = 16L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    /** Per {@code registry/repository}: the inputs as typed in that run, and the sizes of each. */
    private final Map<String, Map<String, List<ImageSize>>> byRepository;

    private BaselineFile(Path file, Map<String, Map<String, List<ImageSize>>> byRepository) {
        this.file = file;
        this.byRepository = byRepository;
    }

    /** Reads {@code file}; throws IllegalArgumentException naming the file and what is wrong with it. */
    static BaselineFile read(Path file) {
        JsonNode root;
        try {
            long length = Files.size(file);
            if (length > MAX_BYTES) {
                throw invalid(file, "it is " + length + " bytes, more than the " + MAX_BYTES + " a check writes");
            }
            try (InputStream in = Files.newInputStream(file)) {
                root = JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (NoSuchFileException e) {
            throw invalid(file, "no such file");
        } catch (JsonProcessingException e) {
            throw invalid(file, "not JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw invalid(file, "cannot read it (" + e.getMessage() + ")");
        }
        if (root == null || !root.path("results").isArray()) {
            throw invalid(file, "no \"results\" list: expected the output of imagesize check -o json");
        }
        Map<String, Map<String, List<ImageSize>>> byRepository = new LinkedHashMap<>();
        int index = 0;
        for (JsonNode result : root.path("results")) {
            if (result.hasNonNull("sizeBytes")) {
                ImageSize size = size(file, index, result);
                String input = text(file, index, result, "input");
                byRepository
                        .computeIfAbsent(repository(size.image()), r -> new LinkedHashMap<>())
                        .computeIfAbsent(input, i -> new ArrayList<>())
                        .add(size);
            }
            index++;
        }
        return new BaselineFile(file, byRepository);
    }

    /**
     * The baseline for {@code image}: the file's image of the same repository; empty when it has none. Throws
     * IllegalArgumentException when it has several (a run that checked two tags of one repository).
     */
    Optional<Previous> forImage(ImageRef image) {
        Map<String, List<ImageSize>> inputs = byRepository.get(repository(image));
        if (inputs == null) {
            return Optional.empty();
        }
        if (inputs.size() > 1) {
            throw new IllegalArgumentException("--baseline-file " + file + " holds " + inputs.size() + " images of "
                    + repository(image) + " (" + String.join(", ", inputs.keySet()) + "); give --baseline IMAGE"
                    + " instead");
        }
        Map.Entry<String, List<ImageSize>> only = inputs.entrySet().iterator().next();
        List<ImageSize> sizes = only.getValue();
        Set<Platform> platforms = new LinkedHashSet<>();
        sizes.forEach(size -> platforms.add(size.platform()));
        return Optional.of(Previous.measured(
                only.getKey(),
                new ResolveResult.Sized(sizes.get(0).image(), sizes, List.of(), List.copyOf(platforms))));
    }

    /** The repositories the file has images of, for the message when an image has none. */
    Set<String> repositories() {
        return byRepository.keySet();
    }

    private static String repository(ImageRef image) {
        return image.registry() + "/" + image.repository();
    }

    private static ImageSize size(Path file, int index, JsonNode result) {
        try {
            ImageRef image = ImageRef.parse(text(file, index, result, "image"));
            Platform platform = Platform.parse(text(file, index, result, "platform"));
            List<Layer> layers = new ArrayList<>();
            if (!result.path("layers").isArray()) {
                throw invalidResult(file, index, "no \"layers\" list");
            }
            for (JsonNode layer : result.path("layers")) {
                layers.add(new Layer(
                        text(file, index, layer, "digest"),
                        number(file, index, layer, "sizeBytes"),
                        layer.path("mediaType").asText(null)));
            }
            return new ImageSize(
                    image,
                    result.path("indexDigest").isTextual()
                            ? result.path("indexDigest").asText()
                            : null,
                    text(file, index, result, "manifestDigest"),
                    platform,
                    result.path("mediaType").asText(null),
                    number(file, index, result, "configSizeBytes"),
                    layers);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("--baseline-file")) {
                throw e;
            }
            throw invalidResult(file, index, e.getMessage());
        }
    }

    private static String text(Path file, int index, JsonNode node, String field) {
        if (!node.path(field).isTextual()) {
            throw invalidResult(file, index, "no \"" + field + "\"");
        }
        return node.path(field).asText();
    }

    private static long number(Path file, int index, JsonNode node, String field) {
        if (!node.path(field).canConvertToLong() || node.path(field).asLong() < 0) {
            throw invalidResult(file, index, "no \"" + field + "\" number");
        }
        return node.path(field).asLong();
    }

    private static IllegalArgumentException invalidResult(Path file, int index, String problem) {
        return invalid(file, "results[" + index + "]: " + problem);
    }

    private static IllegalArgumentException invalid(Path file, String problem) {
        return new IllegalArgumentException("--baseline-file " + file + ": " + problem);
    }
}
