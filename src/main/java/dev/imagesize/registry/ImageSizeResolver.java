package dev.imagesize.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.imagesize.Deadline;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveError.Kind;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.registry.ManifestSource.Repository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Knows the compressed size of images: resolves a reference to its manifests in the registry, picks the platforms
 * asked for, and remembers what it learned. Manifests are cached by digest (immutable, bounded), tags by TTL,
 * failures briefly (or as long as a 429's Retry-After says). Concurrent lookups of one manifest share one registry
 * round trip. Callers give a deadline; a lookup that outlives it goes on in the background and fills the cache.
 */
public final class ImageSizeResolver implements AutoCloseable {
    private final ManifestSource source;
    private final ResolverConfig config;
    private final LongSupplier nanoTime;
    private final ExecutorService executor;

    private final Cache<String, Manifest> manifests;
    private final Cache<String, TagEntry> tags;
    private final Cache<String, Platform> configPlatforms;
    private final Cache<String, FailureEntry> failures;
    private final SingleFlight<Manifest> manifestFetches = new SingleFlight<>();
    private final SingleFlight<Platform> configFetches = new SingleFlight<>();

    private final AtomicLong manifestFetchCount = new AtomicLong();
    private final AtomicLong manifestCacheHits = new AtomicLong();

    public ResolverStats stats() {
        return new ResolverStats(manifestFetchCount.get(), manifestCacheHits.get(), manifests.estimatedSize());
    }

    /** Told about every finished lookup, for metrics. */
    @FunctionalInterface
    public interface LookupListener {
        void lookedUp(ImageRef image, ResolveResult result, long nanos);
    }

    private volatile LookupListener listener = (image, result, nanos) -> {};

    /** Sets the one listener told about every lookup (the operator's metrics). */
    public void onLookup(LookupListener listener) {
        this.listener = listener;
    }

    /** Counters for tests, benchmarks and metrics. */
    public record ResolverStats(long manifestFetches, long manifestCacheHits, long cachedManifests) {}

    private record TagEntry(String digest, long fetchedAtNanos) {}

    private record FailureEntry(ResolveError error, long expiresAtNanos) {}

    public ImageSizeResolver(ManifestSource source, ResolverConfig config) {
        this(source, config, System::nanoTime);
    }

    /** With a clock, so tests can move time past a TTL. */
    public ImageSizeResolver(ManifestSource source, ResolverConfig config, LongSupplier nanoTime) {
        this.source = source;
        this.config = config;
        this.nanoTime = nanoTime;
        this.manifests =
                Caffeine.newBuilder().maximumSize(config.maxCachedManifests()).build();
        this.configPlatforms =
                Caffeine.newBuilder().maximumSize(config.maxCachedManifests()).build();
        this.tags =
                Caffeine.newBuilder().maximumSize(config.maxCachedManifests()).build();
        this.failures = Caffeine.newBuilder().maximumSize(10_000).build();
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                config.threads(), config.threads(), 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, "image-size-resolver-" + threadNumber.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        this.executor = pool;
    }

    /** A resolver speaking to real registries through jib-core. */
    public static ImageSizeResolver forRegistries(ResolverConfig config) {
        return forRegistries(config, JibManifestSource.RequestListener.NONE);
    }

    /** A resolver speaking to real registries, telling {@code requests} about each registry request. */
    public static ImageSizeResolver forRegistries(ResolverConfig config, JibManifestSource.RequestListener requests) {
        return new ImageSizeResolver(new JibManifestSource(config, requests), config);
    }

    /** One image to resolve: which platforms, with which credential (null for anonymous). */
    public record Lookup(ImageRef image, PlatformSelection platforms, RegistryCredential credential) {}

    /**
     * Resolves {@code image} within {@code timeout}. Never throws for registry trouble: the result says what went
     * wrong. When the deadline passes, the lookup continues in the background and a later call finds it cached.
     */
    public ResolveResult resolve(
            ImageRef image, PlatformSelection platforms, RegistryCredential credential, Duration timeout) {
        return resolveAll(List.of(new Lookup(image, platforms, credential)), timeout)
                .get(0);
    }

    /**
     * Who waits for a lookup. Admission answers a person (or a controller) now; the audit can wait. Lookups of one
     * priority never queue behind the other's.
     */
    public enum Priority {
        ADMISSION,
        AUDIT
    }

    /** {@link #resolveAll(List, Deadline, Priority)} with admission priority and a deadline {@code timeout} from now. */
    public List<ResolveResult> resolveAll(List<Lookup> lookups, Duration timeout) {
        return resolveAll(lookups, Deadline.in(timeout), Priority.ADMISSION);
    }

    /**
     * Resolves several images at once, all within one deadline; results are in the order of {@code lookups}. What the
     * caches can answer is answered on the calling thread; only the rest goes to the background threads.
     */
    public List<ResolveResult> resolveAll(List<Lookup> lookups, Deadline until, Priority priority) {
        long deadline = until.atNanos();
        // whole milliseconds, rounded up, so a 50 ms deadline reads "50ms" in messages
        Duration timeout = Duration.ofMillis((until.remaining().toNanos() + 999_999) / 1_000_000);
        List<ResolveResult> results = new ArrayList<>(lookups.size());
        List<CompletableFuture<ResolveResult>> running = new ArrayList<>(lookups.size());
        for (Lookup lookup : lookups) {
            ResolveResult cached = fromCaches(lookup);
            results.add(cached);
            running.add(cached != null ? null : resolveAsync(lookup.image(), lookup.platforms(), lookup.credential()));
        }
        for (int i = 0; i < lookups.size(); i++) {
            if (results.get(i) == null) {
                results.set(i, await(lookups.get(i).image(), running.get(i), deadline - System.nanoTime(), timeout));
            }
        }
        return results;
    }

    /** The answer if every manifest and config it needs is cached (or a failure is remembered), else null. */
    private ResolveResult fromCaches(Lookup lookup) {
        CACHE_ONLY.set(Boolean.TRUE);
        try {
            return resolveNow(lookup.image(), lookup.platforms(), lookup.credential());
        } catch (CacheMiss miss) {
            return null;
        } finally {
            CACHE_ONLY.remove();
        }
    }

    /** Set while {@link #fromCaches} runs: a cache miss then ends the attempt instead of calling the registry. */
    private static final ThreadLocal<Boolean> CACHE_ONLY = new ThreadLocal<>();

    /** Thrown (without a stack trace) when a cache-only attempt needs the registry. */
    private static final class CacheMiss extends RuntimeException {
        private static final CacheMiss INSTANCE = new CacheMiss();

        private CacheMiss() {
            super("not cached", null, false, false);
        }
    }

    private static void requireFetchAllowed() {
        if (CACHE_ONLY.get() != null) {
            throw CacheMiss.INSTANCE;
        }
    }

    private static ResolveResult await(
            ImageRef image, CompletableFuture<ResolveResult> lookup, long remainingNanos, Duration timeout) {
        try {
            return lookup.get(Math.max(0, remainingNanos), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return new ResolveResult.Failed(
                    image,
                    new ResolveError(
                            Kind.TIMEOUT,
                            "registry " + image.registry() + " did not answer for " + image + " within "
                                    + timeout.toMillis() + "ms"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ResolveResult.Failed(
                    image, new ResolveError(Kind.TIMEOUT, "lookup of " + image + " interrupted"));
        } catch (ExecutionException e) {
            return new ResolveResult.Failed(image, unexpected(image, e.getCause()));
        }
    }

    /** Starts resolving in the background; the future never completes exceptionally. */
    public CompletableFuture<ResolveResult> resolveAsync(
            ImageRef image, PlatformSelection platforms, RegistryCredential credential) {
        return CompletableFuture.supplyAsync(() -> resolveNow(image, platforms, credential), executor);
    }

    /** Resolves on the calling thread, bounded only by the HTTP timeouts. */
    public ResolveResult resolveNow(ImageRef image, PlatformSelection platforms, RegistryCredential credential) {
        long start = System.nanoTime();
        ResolveResult result = lookup(image, platforms, credential);
        listener.lookedUp(image, result, System.nanoTime() - start);
        return result;
    }

    private ResolveResult lookup(ImageRef image, PlatformSelection platforms, RegistryCredential credential) {
        Repository repository = new Repository(image.registry(), image.repository(), credential);
        try {
            Manifest top = manifest(repository, image.qualifier());
            if (top instanceof Manifest.Image single) {
                return sizeSingle(image, repository, single, platforms);
            }
            return sizeIndex(image, repository, (Manifest.Index) top, platforms);
        } catch (RegistryFailure failure) {
            return new ResolveResult.Failed(image, failure.error());
        } catch (CacheMiss miss) {
            throw miss;
        } catch (RuntimeException e) {
            return new ResolveResult.Failed(image, unexpected(image, e));
        }
    }

    private ResolveResult sizeSingle(
            ImageRef image, Repository repository, Manifest.Image manifest, PlatformSelection selection)
            throws RegistryFailure {
        Platform platform = configPlatform(repository, manifest);
        List<Platform> missing = new ArrayList<>();
        boolean selected = selection.all();
        for (Platform wanted : selection.platforms()) {
            if (wanted.matches(platform)) {
                selected = true;
            } else {
                missing.add(wanted);
            }
        }
        List<ImageSize> sizes = selected ? List.of(size(image, null, manifest, platform)) : List.of();
        return new ResolveResult.Sized(image, sizes, missing, List.of(platform));
    }

    private ResolveResult sizeIndex(
            ImageRef image, Repository repository, Manifest.Index index, PlatformSelection selection)
            throws RegistryFailure {
        List<Manifest.Entry> entries =
                index.entries().stream().filter(entry -> !entry.isAttestation()).toList();
        // Platform of each entry; the variant comes from the image config only where the index is ambiguous or the
        // caller asks for a specific variant, since jib-core does not keep the index's variant field.
        Map<Manifest.Entry, Platform> platforms = new LinkedHashMap<>();
        for (Manifest.Entry entry : entries) {
            boolean ambiguous = entries.stream()
                            .filter(other -> sameOsAndArchitecture(other.platform(), entry.platform()))
                            .count()
                    > 1;
            boolean variantAsked = selection.platforms().stream()
                    .anyMatch(wanted -> sameOsAndArchitecture(wanted, entry.platform()) && !isDefaultVariant(wanted));
            platforms.put(
                    entry,
                    ambiguous || variantAsked || (selection.all() && hasVariants(entry.platform()))
                            ? configPlatform(repository, imageManifest(repository, entry))
                            : entry.platform());
        }

        List<ImageSize> sizes = new ArrayList<>();
        List<Platform> missing = new ArrayList<>();
        List<Manifest.Entry> chosen = new ArrayList<>();
        if (selection.all()) {
            chosen.addAll(entries);
        } else {
            for (Platform wanted : selection.platforms()) {
                Manifest.Entry match = platforms.entrySet().stream()
                        .filter(candidate -> wanted.matches(candidate.getValue()))
                        .map(Map.Entry::getKey)
                        .findFirst()
                        .orElse(null);
                if (match == null) {
                    missing.add(wanted);
                } else if (!chosen.contains(match)) {
                    chosen.add(match);
                }
            }
        }
        for (Manifest.Entry entry : chosen) {
            sizes.add(size(image, index.digest(), imageManifest(repository, entry), platforms.get(entry)));
        }
        return new ResolveResult.Sized(image, sizes, missing, List.copyOf(platforms.values()));
    }

    private Manifest.Image imageManifest(Repository repository, Manifest.Entry entry) throws RegistryFailure {
        Manifest child = manifest(repository, entry.digest());
        if (child instanceof Manifest.Image image) {
            return image;
        }
        throw new RegistryFailure(new ResolveError(
                Kind.UNSUPPORTED,
                "index entry " + entry.digest() + " of " + repository + " is itself an index; nested indexes are not"
                        + " measured"));
    }

    private static ImageSize size(ImageRef image, String indexDigest, Manifest.Image manifest, Platform platform) {
        return new ImageSize(
                image,
                indexDigest,
                manifest.digest(),
                platform,
                manifest.mediaType(),
                manifest.configSizeBytes(),
                manifest.layers());
    }

    /** A manifest by tag or digest: from the caches, else one shared registry round trip. */
    private Manifest manifest(Repository repository, String qualifier) throws RegistryFailure {
        boolean byDigest = qualifier.contains(":");
        String key = repositoryKey(repository) + (byDigest ? "@" : ":") + qualifier;
        Manifest cached = cached(repository, qualifier, byDigest);
        if (cached != null) {
            manifestCacheHits.incrementAndGet();
            return cached;
        }
        FailureEntry failure = failures.getIfPresent(key);
        if (failure != null && nanoTime.getAsLong() < failure.expiresAtNanos()) {
            throw new RegistryFailure(failure.error());
        }

        requireFetchAllowed();
        return manifestFetches.run(key, () -> {
            Manifest again = cached(repository, qualifier, byDigest); // another caller may have just finished
            return again != null ? again : fetch(repository, qualifier, byDigest, key);
        });
    }

    private Manifest fetch(Repository repository, String qualifier, boolean byDigest, String key)
            throws RegistryFailure {
        manifestFetchCount.incrementAndGet();
        try {
            Manifest fetched = source.fetchManifest(repository, qualifier);
            manifests.put(digestKey(repository, fetched.digest()), fetched);
            if (!byDigest) {
                tags.put(key, new TagEntry(fetched.digest(), nanoTime.getAsLong()));
            }
            failures.invalidate(key);
            return fetched;
        } catch (RegistryFailure e) {
            Duration remember = e.error().retryAfter() != null
                    ? min(e.error().retryAfter(), Duration.ofMinutes(5))
                    : config.failureTtl();
            failures.put(key, new FailureEntry(e.error(), nanoTime.getAsLong() + remember.toNanos()));
            throw e;
        }
    }

    private Manifest cached(Repository repository, String qualifier, boolean byDigest) {
        if (byDigest) {
            return manifests.getIfPresent(digestKey(repository, qualifier));
        }
        TagEntry tag = tags.getIfPresent(repositoryKey(repository) + ":" + qualifier);
        if (tag == null
                || nanoTime.getAsLong() - tag.fetchedAtNanos()
                        >= config.tagTtl().toNanos()) {
            return null;
        }
        return manifests.getIfPresent(digestKey(repository, tag.digest()));
    }

    private Platform configPlatform(Repository repository, Manifest.Image image) throws RegistryFailure {
        String key = repositoryKey(repository) + "@" + image.configDigest();
        Platform cached = configPlatforms.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        requireFetchAllowed();
        return configFetches.run(key, () -> {
            Platform again = configPlatforms.getIfPresent(key);
            if (again != null) {
                return again;
            }
            Platform platform = source.fetchConfigPlatform(repository, image);
            configPlatforms.put(key, platform);
            return platform;
        });
    }

    private static String digestKey(Repository repository, String digest) {
        return repositoryKey(repository) + "@" + digest;
    }

    /**
     * Cache keys include the credential: what one namespace's pull secret revealed is never served to a lookup made
     * with another credential or anonymously.
     */
    private static String repositoryKey(Repository repository) {
        String who = repository.credential() == null
                ? "anonymous"
                : repository.credential().fingerprint();
        return who + "|" + repository.registry() + "/" + repository.name();
    }

    private static boolean sameOsAndArchitecture(Platform a, Platform b) {
        if (a == null || b == null) {
            return false;
        }
        Platform x = a.normalized();
        Platform y = b.normalized();
        return x.os().equals(y.os()) && x.architecture().equals(y.architecture());
    }

    /** Architectures whose images differ by CPU variant (arm/v6, arm/v7, arm64/v8). */
    private static boolean hasVariants(Platform platform) {
        return platform != null && platform.normalized().architecture().startsWith("arm");
    }

    private static boolean isDefaultVariant(Platform wanted) {
        Platform normalized = wanted.normalized();
        return normalized.equals(new Platform(normalized.os(), normalized.architecture(), null).normalized());
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static ResolveError unexpected(ImageRef image, Throwable e) {
        return new ResolveError(
                Kind.REGISTRY_ERROR,
                "looking up " + image + " failed unexpectedly: " + e.getClass().getSimpleName() + ": "
                        + e.getMessage());
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
