package dev.imagesize.registry;

import dev.imagesize.image.Platform;
import java.util.Optional;

/**
 * Fetches manifests and image configs from a registry, blocking: the shape of the fakes in unit tests. The resolver runs
 * it on its own threads; real registries are read without blocking by {@link RegistryClient}.
 */
public interface ManifestSource {

    /**
     * Fetches the manifest named by {@code qualifier} (a tag or a digest) in {@code registry/repository}.
     *
     * @throws RegistryFailure with the error as a value, never another exception for registry trouble
     */
    Manifest fetchManifest(Repository repository, String qualifier) throws RegistryFailure;

    /** Reads the platform ({@code os}, {@code architecture}, {@code variant}) from an image's config blob. */
    Platform fetchConfigPlatform(Repository repository, Manifest.Image image) throws RegistryFailure;

    /**
     * The digest {@code tag} names now, as a {@code HEAD} of its manifest tells; empty when the source cannot say
     * (the resolver then fetches the manifest). By default: empty.
     */
    default Optional<String> tagDigest(Repository repository, String tag) throws RegistryFailure {
        return Optional.empty();
    }

    /**
     * A repository in a registry, with the credentials to read it.
     *
     * @param registry registry host as in the image reference ({@code docker.io}, {@code host:5000})
     * @param name repository path ({@code library/nginx})
     * @param credential the credential to use, or null for anonymous access
     */
    record Repository(String registry, String name, RegistryCredential credential) {
        @Override
        public String toString() {
            return registry + "/" + name;
        }
    }
}
