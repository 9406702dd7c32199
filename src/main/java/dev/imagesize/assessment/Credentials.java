package dev.imagesize.assessment;

import dev.imagesize.registry.CredentialLookup;
import dev.imagesize.registry.DockerConfig;
import java.util.List;

/**
 * The registry credentials found for one workload, and what could not be used (a pull secret not read in time, of the
 * wrong type, or beyond the cap), in words for the user. Never the credentials' content.
 *
 * @param config every usable credential, most specific first (pull secrets, or the Docker CLI's config)
 * @param notes one sentence per problem; empty when everything was read
 */
public record Credentials(CredentialLookup config, List<String> notes) {

    public static final Credentials NONE = new Credentials(DockerConfig.empty(), List.of());

    public Credentials {
        notes = List.copyOf(notes);
    }
}
