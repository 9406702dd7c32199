package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * Which platform image to analyse and where it can be read.
 *
 * @param digest the platform image manifest's digest
 * @param platform its platform
 * @param image the repository it was first seen in, for people
 * @param requestedBy who asked (admission misses come first)
 * @param sources where to read it, with whose pull secrets
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageAnalysisSpec(
        @JsonPropertyDescription("Digest of the platform image manifest to analyse, e.g. sha256:3f2a...; the object's"
                + " name is the same with '-' for ':'.")
        @Required
        @Pattern("^sha(256:[a-f0-9]{64}|384:[a-f0-9]{96}|512:[a-f0-9]{128})$")
        @Size(max = 135)
        String digest,

        @JsonPropertyDescription("Platform of that manifest, os/arch[/variant], e.g. linux/amd64.") @Size(max = 64)
        String platform,

        @JsonPropertyDescription("The repository the image was first seen in (registry/repository), for people.")
        @Size(max = 512)
        String image,

        @JsonPropertyDescription("Who asked for the analysis: Admission (an admission review found it unknown; analysed"
                + " first), Audit (a running workload uses it) or User.")
        AnalysisRequester requestedBy,

        @JsonPropertyDescription("Where the image can be read (at most 8): each is a repository and, for private"
                + " images, the namespace whose pull secrets (the workload's imagePullSecrets and its"
                + " ServiceAccount's) may read it. Tried in order. No credential is ever stored here.")
        @Size(max = ImageAnalysisSpec.MAX_SOURCES)
        List<AnalysisSource> sources) {

    /** Most sources kept: enough to find one whose credentials work. */
    public static final int MAX_SOURCES = 8;

    public ImageAnalysisSpec {
        sources = sources == null ? List.of() : List.copyOf(sources);
    }
}
