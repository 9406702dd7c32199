package dev.imagesize.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The project's chart rendered by the real helm ({@code helm template}), and lookups in the objects it renders. */
public final class ChartObjects {
    public static final String CHART = "helm/image-size-operator";
    private static final YAMLMapper YAML = new YAMLMapper();

    private ChartObjects() {}

    /** {@code helm template rel CHART --namespace NAMESPACE ARGS}, parsed into its objects; fails unless it renders. */
    public static List<JsonNode> render(Helm helm, String namespace, String... args) {
        List<String> command = new ArrayList<>(List.of("template", "rel", CHART, "--namespace", namespace));
        command.addAll(List.of(args));
        Kubectl.Result result = helm.run(command.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.output()).isZero();
        try (MappingIterator<JsonNode> documents =
                YAML.readerFor(JsonNode.class).readValues(result.stdout())) {
            return documents.readAll().stream()
                    .filter(document -> document != null && document.has("kind"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<String> kinds(List<JsonNode> objects) {
        return objects.stream().map(object -> object.get("kind").asText()).toList();
    }

    /** The object of this kind and name, if rendered. */
    public static Optional<JsonNode> find(List<JsonNode> objects, String kind, String name) {
        return objects.stream()
                .filter(object -> kind.equals(object.get("kind").asText())
                        && name.equals(object.at("/metadata/name").asText()))
                .findFirst();
    }

    /** The object of this kind and name; fails naming what was rendered when there is none. */
    public static JsonNode named(List<JsonNode> objects, String kind, String name) {
        return find(objects, kind, name)
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " among " + kinds(objects)));
    }

    /** The literal value of an environment variable of the container, or null. */
    public static String env(JsonNode container, String name) {
        for (JsonNode variable : container.path("env")) {
            if (name.equals(variable.path("name").asText())) {
                return variable.has("value") ? variable.get("value").asText() : null;
            }
        }
        return null;
    }
}
