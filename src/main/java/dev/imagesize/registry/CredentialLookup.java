package dev.imagesize.registry;

import dev.imagesize.image.ImageRef;
import java.util.Optional;

/** Finds the registry credential for an image: a pull secret's docker config, or the Docker CLI's config and helpers. */
@FunctionalInterface
public interface CredentialLookup {

    /** The credential for {@code image}, or empty for anonymous access. */
    Optional<RegistryCredential> credentialFor(ImageRef image);
}
