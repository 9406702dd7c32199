package dev.imagesize.registry;

import dev.imagesize.image.Layer;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory registry for resolver unit tests: counts fetches and HEADs, can hold requests until a gate opens (all of
 * them, or only those of some repositories), and can fail on demand.
 */
final class FakeManifestSource implements ManifestSource {
    final Map<String, Manifest> byQualifier = new ConcurrentHashMap<>();
    final Map<String, Platform> configPlatforms = new ConcurrentHashMap<>();
    final Map<String, ResolveError> failures = new ConcurrentHashMap<>();
    final AtomicInteger manifestFetches = new AtomicInteger();
    final AtomicInteger configFetches = new AtomicInteger();
    final AtomicInteger heads = new AtomicInteger();
    /** Whether it answers HEAD requests (tag revalidation); a registry that does not makes the resolver GET. */
    volatile boolean answersHead;
    /** Repositories whose requests wait for the gate; empty: every request waits for it. */
    final Set<String> gated = ConcurrentHashMap.newKeySet();

    volatile CountDownLatch gate = new CountDownLatch(0);

    Manifest.Image image(String tag, String digest, Platform platform, long configSize, long... layerSizes) {
        List<Layer> layers = new ArrayList<>();
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

    /** An index entry as an index that states os and architecture, but no variant. */
    static Manifest.Entry entry(Manifest.Image image, String os, String arch) {
        return new Manifest.Entry(image.digest(), null, 100, new Platform(os, arch, null), Map.of());
    }

    @Override
    public Manifest fetchManifest(Repository repository, String qualifier) throws RegistryFailure {
        manifestFetches.incrementAndGet();
        pass(repository);
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
    public Optional<String> tagDigest(Repository repository, String tag) throws RegistryFailure {
        if (!answersHead) {
            return Optional.empty();
        }
        heads.incrementAndGet();
        pass(repository);
        ResolveError failure = failures.get(tag);
        if (failure != null) {
            throw new RegistryFailure(failure);
        }
        Manifest manifest = byQualifier.get(tag);
        if (manifest == null) {
            throw new RegistryFailure(new ResolveError(ResolveError.Kind.NOT_FOUND, tag + " not found"));
        }
        return Optional.of(manifest.digest());
    }

    @Override
    public Platform fetchConfigPlatform(Repository repository, Manifest.Image image) throws RegistryFailure {
        configFetches.incrementAndGet();
        pass(repository);
        return configPlatforms.get(image.configDigest());
    }

    private void pass(Repository repository) throws RegistryFailure {
        if (!gated.isEmpty() && !gated.contains(repository.name())) {
            return;
        }
        try {
            if (!gate.await(10, TimeUnit.SECONDS)) {
                throw new RegistryFailure(new ResolveError(ResolveError.Kind.TIMEOUT, "gate never opened"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryFailure(new ResolveError(ResolveError.Kind.TIMEOUT, "interrupted"));
        }
    }
}
