package dev.imagesize.api;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;

/** Where the generated and the committed CRDs of this project live, and how tests read and walk them. */
final class Crds {
    private Crds() {}

    static final String NAMESPACED = "imagesizepolicies.imagesize.dev-v1.yml";
    static final String CLUSTER = "clusterimagesizepolicies.imagesize.dev-v1.yml";
    static final String ANALYSES = "imageanalyses.imagesize.dev-v1.yml";
    static final String REPORTS = "imagesizereports.imagesize.dev-v1.yml";

    /** Tests run in the project directory (Surefire's default); the ITs get it as a property. */
    static Path projectDir() {
        return Path.of(System.getProperty("imagesize.project.dir", System.getProperty("basedir", ".")));
    }

    /** Where crd-generator-maven-plugin writes the CRDs during process-classes. */
    static Path generatedDir() {
        return projectDir().resolve("target/classes/META-INF/fabric8");
    }

    /** Where hack/update-crds.sh puts the copies that are committed. */
    static Path committedDir() {
        return projectDir().resolve("crds");
    }

    /** The Helm chart's committed copies (installed by {@code helm install}), also written by hack/update-crds.sh. */
    static Path chartDir() {
        return projectDir().resolve("helm/image-size-operator/crds");
    }

    static CustomResourceDefinition generated(String fileName) {
        Path file = generatedDir().resolve(fileName);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: build first (mvn process-classes)");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return new KubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Visits a schema and everything below it with a path such as {@code spec.overrides[].images}: {@code []} steps
     * into array items, {@code {}} into map values.
     */
    static void walk(String path, JSONSchemaProps schema, BiConsumer<String, JSONSchemaProps> visitor) {
        visitor.accept(path, schema);
        if (schema.getProperties() != null) {
            schema.getProperties().forEach((name, child) -> walk(path + "." + name, child, visitor));
        }
        if (schema.getItems() != null && schema.getItems().getSchema() != null) {
            walk(path + "[]", schema.getItems().getSchema(), visitor);
        }
        if (schema.getAdditionalProperties() != null
                && schema.getAdditionalProperties().getSchema() != null) {
            walk(path + "{}", schema.getAdditionalProperties().getSchema(), visitor);
        }
    }
}
