package dev.imagesize.analysis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Layer indexes by diffID, bounded by weight: a layer shared by many images (a base) is read once. Concurrent requests
 * for one diffID share one download.
 */
public final class LayerIndexCache {
    private final Cache<String, LayerIndex> indexes;
    private final ConcurrentHashMap<String, CompletableFuture<LayerIndex>> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    public LayerIndexCache(long maxWeightBytes) {
        this.indexes = Caffeine.newBuilder()
                .maximumWeight(maxWeightBytes)
                .weigher((String diffId, LayerIndex index) -> (int) Math.min(Integer.MAX_VALUE, index.weightBytes()))
                .build();
    }

    /** The index of {@code diffId}: cached, being computed by another caller, or computed now by {@code compute}. */
    public CompletableFuture<LayerIndex> get(String diffId, Supplier<CompletableFuture<LayerIndex>> compute) {
        LayerIndex cached = indexes.getIfPresent(diffId);
        if (cached != null) {
            hits.incrementAndGet();
            return CompletableFuture.completedFuture(cached);
        }
        CompletableFuture<LayerIndex> mine = new CompletableFuture<>();
        CompletableFuture<LayerIndex> running = inFlight.putIfAbsent(diffId, mine);
        if (running != null) {
            hits.incrementAndGet();
            return running;
        }
        misses.incrementAndGet();
        compute.get().whenComplete((index, failure) -> {
            if (failure == null) {
                indexes.put(diffId, index);
                mine.complete(index);
            } else {
                mine.completeExceptionally(failure);
            }
            inFlight.remove(diffId, mine);
        });
        return mine;
    }

    /** Requests answered without a new download. */
    public long hits() {
        return hits.get();
    }

    /** Requests that downloaded the layer. */
    public long misses() {
        return misses.get();
    }
}
