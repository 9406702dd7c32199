package dev.imagesize.analysis;

import dev.imagesize.Deadline;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Analyses platform images from a registry: reads the manifest and config, streams the layers it has not indexed yet
 * (a bounded number at once), and composes the result. Layer failures are reported in the result, never thrown.
 */
public final class ImageAnalyzer implements AutoCloseable {
    private final BlobSource blobs;
    private final LayerIndexCache cache;
    private final AnalysisLimits limits;
    private final ImageComposer composer;
    private final ExecutorService workers;
    private final long maxImageBytes;

    public ImageAnalyzer(
            BlobSource blobs,
            LayerIndexCache cache,
            AnalysisLimits limits,
            ImageComposer composer,
            int parallelLayers) {
        this(blobs, cache, limits, composer, parallelLayers, Long.MAX_VALUE);
    }

    /**
     * @param maxImageBytes images whose layers add up to more compressed bytes are refused before any layer is read
     */
    public ImageAnalyzer(
            BlobSource blobs,
            LayerIndexCache cache,
            AnalysisLimits limits,
            ImageComposer composer,
            int parallelLayers,
            long maxImageBytes) {
        this.maxImageBytes = maxImageBytes;
        this.blobs = blobs;
        this.cache = cache;
        this.limits = limits;
        this.composer = composer;
        AtomicInteger number = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(Math.max(1, parallelLayers), task -> {
            Thread thread = new Thread(task, "imagesize-layer-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** One platform image to analyse: where it lives, its manifest digest and platform. */
    public record Target(BlobSource.Location location, String manifestDigest, String platform) {}

    /** Told about download progress, for a progress display. */
    public interface Listener {
        void layerStarted(Target target, int index, long compressedBytes);

        void bytesRead(Target target, int index, long compressedBytesSoFar);

        void layerDone(Target target, int index);

        Listener NONE = new Listener() {
            @Override
            public void layerStarted(Target target, int index, long compressedBytes) {}

            @Override
            public void bytesRead(Target target, int index, long compressedBytesSoFar) {}

            @Override
            public void layerDone(Target target, int index) {}
        };
    }

    /**
     * Analyses {@code target} within {@code deadline}.
     *
     * @throws LayerProblem when the manifest or config cannot be read (nothing to report per layer then)
     */
    public ImageAnalysis analyze(Target target, Deadline deadline, Listener listener) throws LayerProblem {
        BlobSource.ImageManifest manifest = blobs.manifest(target.location(), target.manifestDigest(), deadline);
        if (manifest.layers().size() > limits.maxLayers()) {
            throw new LayerProblem(
                    LayerProblem.Kind.UNSUPPORTED,
                    "image has " + manifest.layers().size() + " layers, over the limit of " + limits.maxLayers());
        }
        long imageBytes = manifest.layers().stream()
                .mapToLong(layer -> Math.max(0, layer.size()))
                .reduce(0, (a, b) -> a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b);
        if (imageBytes > maxImageBytes) {
            throw new LayerProblem(
                    LayerProblem.Kind.UNSUPPORTED,
                    "image layers are " + imageBytes + " bytes compressed, over the limit of " + maxImageBytes);
        }
        if (manifest.configSize() > limits.maxConfigBytes()) {
            throw new LayerProblem(
                    LayerProblem.Kind.UNSUPPORTED,
                    "image config is " + manifest.configSize() + " bytes, over the " + limits.maxConfigBytes()
                            + "-byte limit");
        }
        byte[] configJson = blobs.readAll(
                new BlobSource.Request(target.location(), manifest.configDigest(), limits.maxConfigBytes(), deadline));
        ImageConfig config;
        try {
            config = ImageConfig.parse(configJson);
        } catch (IllegalArgumentException e) {
            throw new LayerProblem(LayerProblem.Kind.MALFORMED, e.getMessage());
        }
        if (config.diffIds().size() != manifest.layers().size()) {
            throw new LayerProblem(
                    LayerProblem.Kind.MALFORMED,
                    "the manifest has " + manifest.layers().size() + " layers but the config lists "
                            + config.diffIds().size() + " diffIDs");
        }
        ImageFacts facts = new ImageFacts(
                manifest.digest(),
                target.platform(),
                manifest.configSize(),
                manifest.layers(),
                manifest.annotations(),
                config);

        List<CompletableFuture<LayerIndex>> futures = new ArrayList<>();
        AtomicLong entriesLeft = new AtomicLong(limits.maxImageEntries());
        for (int i = 0; i < manifest.layers().size(); i++) {
            ImageFacts.Descriptor layer = manifest.layers().get(i);
            String diffId = config.diffIds().get(i);
            int index = i;
            futures.add(cache.get(
                    diffId,
                    () -> CompletableFuture.supplyAsync(
                            () -> readLayer(target, index, layer, diffId, deadline, listener, entriesLeft), workers)));
        }
        List<LayerIndex> indexes = new ArrayList<>();
        List<LayerProblem> problems = new ArrayList<>();
        long entries = 0;
        for (CompletableFuture<LayerIndex> future : futures) {
            try {
                LayerIndex index = future.get(Math.max(1, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS);
                entries += index.entries().size(); // layers from the cache count too
                if (entries > limits.maxImageEntries()) {
                    indexes.add(null);
                    problems.add(new LayerProblem(
                            LayerProblem.Kind.TOO_MANY_ENTRIES,
                            "image has more than " + limits.maxImageEntries() + " entries in its layers"));
                    continue;
                }
                indexes.add(index);
                problems.add(null);
            } catch (TimeoutException e) {
                indexes.add(null);
                problems.add(new LayerProblem(LayerProblem.Kind.TOO_SLOW, "not analysed before the deadline"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                indexes.add(null);
                problems.add(new LayerProblem(LayerProblem.Kind.FETCH_FAILED, "interrupted"));
            } catch (ExecutionException e) {
                indexes.add(null);
                problems.add(problemOf(e.getCause()));
            }
        }
        return composer.compose(facts, indexes, problems);
    }

    private LayerIndex readLayer(
            Target target,
            int index,
            ImageFacts.Descriptor layer,
            String diffId,
            Deadline imageDeadline,
            Listener listener,
            AtomicLong entriesLeft) {
        listener.layerStarted(target, index, layer.size());
        try {
            long left = entriesLeft.get();
            if (left <= 0) {
                throw new LayerProblem(
                        LayerProblem.Kind.TOO_MANY_ENTRIES,
                        "image has more than " + limits.maxImageEntries() + " entries in its layers");
            }
            if (layer.mediaType() != null && layer.mediaType().contains("foreign")) {
                throw new LayerProblem(
                        LayerProblem.Kind.UNSUPPORTED, "foreign (non-distributable) layer " + layer.mediaType());
            }
            Deadline deadline = Deadline.in(limits.layerTime(layer.size())).earliest(imageDeadline);
            var blob = blobs.open(new BlobSource.Request(
                    target.location(),
                    layer.digest(),
                    Math.min(limits.maxCompressedBytes(), maxBlobBytes(layer)),
                    deadline));
            LayerIndex analysed = new LayerAnalyzer(limits.toBuilder()
                            .maxEntries((int) Math.min(limits.maxEntries(), left))
                            .build())
                    .analyze(blob, diffId, deadline, read -> listener.bytesRead(target, index, read));
            entriesLeft.addAndGet(-analysed.entries().size());
            return analysed;
        } catch (LayerProblem problem) {
            throw new CompletionException(problem);
        } finally {
            listener.layerDone(target, index);
        }
    }

    /** A registry must not send more than the manifest declares (plus nothing): the descriptor size is the cap. */
    private static long maxBlobBytes(ImageFacts.Descriptor layer) {
        return layer.size() > 0 ? layer.size() : Long.MAX_VALUE;
    }

    private static LayerProblem problemOf(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof LayerProblem problem) {
            return problem;
        }
        return new LayerProblem(
                LayerProblem.Kind.FETCH_FAILED,
                "layer analysis failed unexpectedly: " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
