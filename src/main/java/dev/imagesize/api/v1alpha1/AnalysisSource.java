package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * One place an image can be read from: a repository and, for a private one, the namespace whose pull secrets may read
 * it (names only; the analyzer reads the Secrets when it needs them).
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record AnalysisSource(
        @JsonPropertyDescription("Registry host[:port] as in the image reference, e.g. docker.io or reg.local:5000.")
        @Required
        @Size(max = 255)
        String registry,

        @JsonPropertyDescription("Repository path, e.g. library/python.") @Required @Size(max = 255)
        String repository,

        @JsonPropertyDescription("Namespace of a workload that runs the image; its pull secrets are used.")
        @Size(max = 63)
        String namespace,

        @JsonPropertyDescription("ServiceAccount of that workload (its imagePullSecrets count too).") @Size(max = 253)
        String serviceAccountName,

        @JsonPropertyDescription("Names of that workload's imagePullSecrets (at most 16).") @Size(max = 16)
        List<@Size(max = 253) String> imagePullSecrets) {

    public AnalysisSource {
        imagePullSecrets = imagePullSecrets == null ? List.of() : List.copyOf(imagePullSecrets);
    }
}
