package dev.imagesize.registry;

import dev.imagesize.image.Layer;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveError;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory registry for resolver unit tests: counts fetches, can block or fail on demand. */
final class FakeManifestSource implements ManifestSource {
    final Map<String, Manifest> byQualifier = new ConcurrentHashMap<>();
    final Map<String, Platform> configPlatforms = new ConcurrentHashMap<>();
    final Map<String, ResolveError> failures = new ConcurrentHashMap<>();
    final AtomicInteger manifestFetches = new AtomicInteger();
    final AtomicInteger configFetches = new AtomicInteger();
    volatile CountDownLatch gate = new CountDownLatch(0);

    Manifest.Image image(String tag, String digest, Platform platform, long configSize, long... layerSizes) {
        List<Layer> layers = new java.util.ArrayList<>();
        for (int i = 0; i < layerSizes.length; i++) {
            layers.add(new Layer(digest + "-layer" + i, layerSizes[i], "application/vnd.oci.image.layer.v1.tar+gzip"));
        }
        Manifest.Image image = new Manifest.Image(
                digest, "application/vnd.oci.image.manifest.v1+json", digest + "-config", configSize, layers);
        byQualifier.put(digest, image);
        if (tag != null) {
            byQualifier.put(tag, image);
        }
        configPlatforms.put(image.configDigest(), platform);
        return image;
    }

    Manifest.Index index(String tag, String digest, List<Manifest.Entry> entries) {
        Manifest.Index index = new Manifest.Index(digest, "application/vnd.oci.image.index.v1+json", entries);
        byQualifier.put(digest, index);
        byQualifier.put(tag, index);
        return index;
    }

    static Manifest.Entry entry(Manifest.Image image, String os, String arch) {
        return new Manifest.Entry(image.digest(), null, 100, new Platform(os, arch, null), Map.of());
    }

    @Override
    public Manifest fetchManifest(Repository repository, String qualifier) throws RegistryFailure {
        manifestFetches.incrementAndGet();
        try {
            if (!gate.await(10, TimeUnit.SECONDS)) {
                throw new RegistryFailure(new ResolveError(ResolveError.Kind.TIMEOUT, "gate never opened"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ResolveError failure = failures.get(qualifier);
        if (failure != null) {
            throw new RegistryFailure(failure);
        }
        Manifest manifest = byQualifier.get(qualifier);
        if (manifest == null) {
            throw new RegistryFailure(new ResolveError(ResolveError.Kind.NOT_FOUND, qualifier + " not found"));
        }
        return manifest;
    }

    @Override
    public Platform fetchConfigPlatform(Repository repository, Manifest.Image image) {
        configFetches.incrementAndGet();
        return configPlatforms.get(image.configDigest());
    }
}
