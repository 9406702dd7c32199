package dev.imagesize.registry;

import dev.imagesize.image.Platform;
import dev.imagesize.registry.ManifestSource.Repository;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the resolver asks of registries, without blocking: each answer is a future that fails only with a
 * {@link RegistryFailure}. The real one is {@link RegistryClient}; {@link BlockingSource} adapts a
 * {@link ManifestSource} (the fakes of unit tests).
 */
interface RegistrySource {

    /** The manifest named by {@code reference} (a tag or a digest), verified against a digest reference. */
    CompletableFuture<Manifest> manifest(Repository repository, String reference, RequestContext context);

    /**
     * The digest a tag names now, from a {@code HEAD} of its manifest; empty when the registry does not say (then the
     * caller fetches the manifest).
     */
    CompletableFuture<Optional<String>> tagDigest(Repository repository, String tag, RequestContext context);

    /** The platform ({@code os}, {@code architecture}, {@code variant}) in an image's config blob. */
    CompletableFuture<Platform> configPlatform(Repository repository, Manifest.Image image, RequestContext context);
}
