package dev.imagesize.registry;

import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveError;
import dev.imagesize.registry.ManifestSource.Repository;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/** Runs a blocking {@link ManifestSource} on the executor of each request's priority. */
final class BlockingSource implements RegistrySource {
    private final ManifestSource source;

    BlockingSource(ManifestSource source) {
        this.source = source;
    }

    @Override
    public CompletableFuture<Manifest> manifest(Repository repository, String reference, RequestContext context) {
        return run(context, () -> source.fetchManifest(repository, reference));
    }

    @Override
    public CompletableFuture<Optional<String>> tagDigest(Repository repository, String tag, RequestContext context) {
        return run(context, () -> source.tagDigest(repository, tag));
    }

    @Override
    public CompletableFuture<Platform> configPlatform(
            Repository repository, Manifest.Image image, RequestContext context) {
        return run(context, () -> source.fetchConfigPlatform(repository, image));
    }

    @FunctionalInterface
    private interface Call<T> {
        T call() throws RegistryFailure;
    }

    private static <T> CompletableFuture<T> run(RequestContext context, Call<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            context.executor().execute(() -> {
                try {
                    result.complete(call.call());
                } catch (RegistryFailure | RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new RegistryFailure(new ResolveError(
                    ResolveError.Kind.OVERLOADED, "too many lookups already wait for the registry threads")));
        }
        return result;
    }
}
