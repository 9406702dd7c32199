package dev.imagesize.registry;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Concurrent calls for one key share one execution: the first caller runs the work, the others wait for its result
 * (or its failure). Keys are forgotten once the work finishes; caching the result is the caller's business.
 */
final class SingleFlight<V> {
    private final ConcurrentHashMap<String, CompletableFuture<V>> running = new ConcurrentHashMap<>();

    /** Work that fails with a {@link RegistryFailure}. */
    @FunctionalInterface
    interface Work<V> {
        V run() throws RegistryFailure;
    }

    V run(String key, Work<V> work) throws RegistryFailure {
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> other = running.putIfAbsent(key, mine);
        if (other != null) {
            return await(other);
        }
        try {
            V value = work.run();
            mine.complete(value);
            return value;
        } catch (RegistryFailure | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            running.remove(key, mine);
        }
    }

    private static <V> V await(CompletableFuture<V> other) throws RegistryFailure {
        try {
            return other.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RegistryFailure failure) {
                throw new RegistryFailure(failure.error());
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryFailure(new dev.imagesize.image.ResolveError(
                    dev.imagesize.image.ResolveError.Kind.TIMEOUT, "interrupted while waiting for a lookup"));
        }
    }
}
