package dev.imagesize.registry;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Knows the compressed size of images: resolves a reference to its manifests in the registry, picks the platforms
 * asked for, and remembers what it learned, in Caffeine caches:
 *
 * <ul>
 *   <li>manifests and image-config platforms by digest: immutable, kept until the weight bound evicts them;
 *   <li>tags: a digest trusted for the tag TTL, then revalidated with a {@code HEAD} of the manifest; while the
 *       registry cannot answer, the last known digest is used for up to the stale-if-error time, marked stale;
 *   <li>failures: for the failure TTL, or as long as a 429's Retry-After says.
 * </ul>
 *
 * <p>Concurrent lookups of one key share one registry round trip (the caches' futures); each caller waits only until
 * its own deadline, and work nobody waits for any more goes on, bounded by the lookup timeout, to fill the cache.
 * Answers the caches hold are given on the caller's thread. Admission and audit lookups have their own bounds
 * (lookups waiting, threads parsing, request slots per registry) and fail at once as OVERLOADED beyond them, so an
 * audit pass never delays an admission.
 */
public final class ImageSizeResolver implements AutoCloseable {

    /** One image to resolve: which platforms, with which credential (null for anonymous). */
    public record Lookup(ImageRef image, PlatformSelection platforms, RegistryCredential credential) {}

    /**
     * Who waits for a lookup. Admission answers a person (or a controller) now; the audit can wait. Lookups of one
     * priority never queue behind the other's.
     */
    public enum Priority {
        ADMISSION,
        AUDIT
    }

    /** Told about every finished lookup, for metrics. */
    @FunctionalInterface
    public interface LookupListener {
        void lookedUp(ImageRef image, ResolveResult result, long nanos);
    }

    /**
     * Counters for tests, benchmarks and metrics.
     *
     * @param manifestFetches manifests fetched with GET (tags and digests)
     * @param manifestCacheHits lookups answered from the caches at once, without any registry request
     * @param cachedManifests manifests in the cache
     * @param cacheWeight their weight (one per manifest, plus one per layer or index entry)
     * @param staleAnswers lookups answered with a tag's last known digest
     * @param overloaded lookups refused at once because too many of their priority were waiting
     * @param pendingAdmission admission lookups waiting for registries now
     * @param pendingAudit audit lookups waiting for registries now
     * @param revalidatedUnchanged tags whose HEAD showed the same digest
     * @param revalidatedChanged tags whose HEAD showed a new digest
     * @param revalidationFailures tags the registry could not revalidate
     */
    public record ResolverStats(
            long manifestFetches,
            long manifestCacheHits,
            long cachedManifests,
            long cacheWeight,
            long staleAnswers,
            long overloaded,
            int pendingAdmission,
            int pendingAudit,
            long revalidatedUnchanged,
            long revalidatedChanged,
            long revalidationFailures) {}

    private record Scope(String who, String registry, String repository) {}

    private record TagKey(Scope scope, String tag) {}

    private record DigestKey(Scope scope, String digest) {}

    /** A tag's digest and when (on the resolver's ticker) the registry last confirmed it. */
    private record TagState(String digest, long confirmedAt) {}

    private final RegistrySource source;
    private final RegistryClient ownClient;
    private final ResolverConfig config;
    private final Ticker ticker;
    private final ThreadPoolExecutor admissionThreads;
    private final ThreadPoolExecutor auditThreads;

    private final AsyncCache<TagKey, Outcome<TagState>> tags;
    private final Cache<TagKey, TagState> lastKnown;
    private final AsyncCache<DigestKey, Outcome<Manifest>> manifests;
    private final AsyncCache<DigestKey, Outcome<Platform>> configs;
    private final Cache<RegistryCredential, String> fingerprints =
            Caffeine.newBuilder().maximumSize(10_000).executor(Runnable::run).build();

    private final AtomicInteger pendingAdmission = new AtomicInteger();
    private final AtomicInteger pendingAudit = new AtomicInteger();
    private final AtomicLong manifestFetches = new AtomicLong();
    private final AtomicLong cacheHits = new AtomicLong();
    private final AtomicLong staleAnswers = new AtomicLong();
    private final AtomicLong overloaded = new AtomicLong();
    private final AtomicLong revalidatedUnchanged = new AtomicLong();
    private final AtomicLong revalidatedChanged = new AtomicLong();
    private final AtomicLong revalidationFailures = new AtomicLong();

    private volatile LookupListener listener = (image, result, nanos) -> {};

    /** A resolver over a blocking source (the fakes of unit tests), run on the resolver's own threads. */
    public ImageSizeResolver(ManifestSource source, ResolverConfig config) {
        this(new BlockingSource(source), null, config, Ticker.systemTicker());
    }

    /** With a ticker, so tests can move cache time past a TTL. */
    public ImageSizeResolver(ManifestSource source, ResolverConfig config, Ticker ticker) {
        this(new BlockingSource(source), null, config, ticker);
    }

    ImageSizeResolver(RegistrySource source, RegistryClient ownClient, ResolverConfig config, Ticker ticker) {
        this.source = source;
        this.ownClient = ownClient;
        this.config = config;
        this.ticker = ticker;
        this.admissionThreads = threads("imagesize-admission", config.admissionThreads(), config.maxPendingAdmission());
        this.auditThreads = threads("imagesize-audit", config.auditThreads(), config.maxPendingAudit());
        long maxTags = Math.max(1_000, config.cacheWeight() / 5);
        this.tags = Caffeine.newBuilder()
                .maximumSize(maxTags)
                .ticker(ticker)
                .executor(Runnable::run)
                .<TagKey, Outcome<TagState>>expireAfter(new OutcomeExpiry<TagKey, TagState>(this::tagLifetime))
                .buildAsync();
        this.lastKnown = Caffeine.newBuilder()
                .maximumSize(maxTags)
                .ticker(ticker)
                .executor(Runnable::run)
                .expireAfterWrite(config.staleIfError())
                .build();
        this.manifests = Caffeine.newBuilder()
                .maximumWeight(config.cacheWeight())
                .<DigestKey, Outcome<Manifest>>weigher((key, outcome) -> weight(outcome))
                .ticker(ticker)
                .executor(Runnable::run)
                .expireAfter(new OutcomeExpiry<DigestKey, Manifest>((key, manifest) -> Long.MAX_VALUE))
                .buildAsync();
        this.configs = Caffeine.newBuilder()
                .maximumSize(maxTags)
                .ticker(ticker)
                .executor(Runnable::run)
                .<DigestKey, Outcome<Platform>>expireAfter(
                        new OutcomeExpiry<DigestKey, Platform>((key, platform) -> Long.MAX_VALUE))
                .buildAsync();
    }

    /** A resolver speaking to real registries. */
    public static ImageSizeResolver forRegistries(ResolverConfig config) {
        return forRegistries(config, RequestListener.NONE);
    }

    /** A resolver speaking to real registries, telling {@code requests} about each registry request. */
    public static ImageSizeResolver forRegistries(ResolverConfig config, RequestListener requests) {
        return forRegistries(config, requests, Ticker.systemTicker());
    }

    static ImageSizeResolver forRegistries(ResolverConfig config, RequestListener requests, Ticker ticker) {
        RegistryClient client = RegistryClient.create(config, requests);
        return new ImageSizeResolver(client, client, config, ticker);
    }

    /** A resolver over a client that others share (and close); the operator's, whose client also streams blobs. */
    public static ImageSizeResolver over(RegistryClient client, ResolverConfig config) {
        return new ImageSizeResolver(client, null, config, Ticker.systemTicker());
    }

    /** Sets the one listener told about every lookup (the operator's metrics). */
    public void onLookup(LookupListener listener) {
        this.listener = listener;
    }

    public ResolverStats stats() {
        return new ResolverStats(
                manifestFetches.get(),
                cacheHits.get(),
                manifests.synchronous().estimatedSize(),
                manifests
                        .synchronous()
                        .policy()
                        .eviction()
                        .map(e -> e.weightedSize().orElse(0))
                        .orElse(0L),
                staleAnswers.get(),
                overloaded.get(),
                pendingAdmission.get(),
                pendingAudit.get(),
                revalidatedUnchanged.get(),
                revalidatedChanged.get(),
                revalidationFailures.get());
    }

    /**
     * Resolves {@code image} within {@code timeout}, with admission priority. Never throws for registry trouble: the
     * result says what went wrong. When the deadline passes, the lookup continues in the background (up to the lookup
     * timeout) and a later call finds it cached.
     */
    public ResolveResult resolve(
            ImageRef image, PlatformSelection platforms, RegistryCredential credential, Duration timeout) {
        return resolveAll(List.of(new Lookup(image, platforms, credential)), timeout)
                .get(0);
    }

    /** {@link #resolveAll(List, Deadline, Priority)} with admission priority and a deadline {@code timeout} from now. */
    public List<ResolveResult> resolveAll(List<Lookup> lookups, Duration timeout) {
        return resolveAll(lookups, Deadline.in(timeout), Priority.ADMISSION);
    }

    /**
     * Resolves several images at once, all within one deadline; results are in the order of {@code lookups}. What the
     * caches can answer is answered on the calling thread at once; the rest waits for registries until the deadline.
     * An admission request that needs the registry for more distinct images than {@link
     * ResolverConfig#maxImagesPerRequest()} gets OVERLOADED for the rest.
     */
    public List<ResolveResult> resolveAll(List<Lookup> lookups, Deadline until, Priority priority) {
        long start = System.nanoTime();
        // whole milliseconds, rounded up, so a 50 ms deadline reads "50ms" in messages
        long givenMillis = (until.remaining().toNanos() + 999_999) / 1_000_000;
        ResolveResult[] results = new ResolveResult[lookups.size()];
        CompletableFuture<?>[] running = null;
        Map<Lookup, CompletableFuture<ResolveResult>> started = null;
        for (int i = 0; i < lookups.size(); i++) {
            Lookup lookup = lookups.get(i);
            Scope scope = scope(lookup);
            ResolveResult cached = new Walk(lookup, scope, null).run();
            if (cached != null) {
                cacheHits.incrementAndGet();
                results[i] = answered(lookup, cached, start);
                continue;
            }
            if (started == null) {
                started = new HashMap<>();
                running = new CompletableFuture<?>[lookups.size()];
            }
            CompletableFuture<ResolveResult> future = started.get(lookup);
            if (future == null) {
                if (priority == Priority.ADMISSION && started.size() >= config.maxImagesPerRequest()) {
                    overloaded.incrementAndGet();
                    future = CompletableFuture.completedFuture(new ResolveResult.Failed(
                            lookup.image(),
                            new ResolveError(
                                    Kind.OVERLOADED,
                                    "this request names more than " + config.maxImagesPerRequest()
                                            + " distinct images that are not cached; the rest are not looked up")));
                } else {
                    future = start(lookup, scope, priority);
                }
                started.put(lookup, future);
            }
            running[i] = future;
        }
        for (int i = 0; i < lookups.size(); i++) {
            if (results[i] == null) {
                Lookup lookup = lookups.get(i);
                @SuppressWarnings("unchecked")
                CompletableFuture<ResolveResult> future = (CompletableFuture<ResolveResult>) running[i];
                results[i] = answered(lookup, await(lookup, future, until, givenMillis), start);
            }
        }
        return List.of(results);
    }

    /**
     * Resolves in the background with {@code priority}, bounded by the lookup timeout; the future never completes
     * exceptionally. Cached answers come back completed.
     */
    public CompletableFuture<ResolveResult> resolveAsync(Lookup lookup, Priority priority) {
        Scope scope = scope(lookup);
        ResolveResult cached = new Walk(lookup, scope, null).run();
        if (cached != null) {
            cacheHits.incrementAndGet();
            return CompletableFuture.completedFuture(cached);
        }
        return start(lookup, scope, priority);
    }

    private ResolveResult answered(Lookup lookup, ResolveResult result, long startNanos) {
        if (result instanceof ResolveResult.Sized sized && sized.isStale()) {
            staleAnswers.incrementAndGet();
        }
        listener.lookedUp(lookup.image(), result, System.nanoTime() - startNanos);
        return result;
    }

    /** Starts a lookup that needs the registry, unless too many of its priority already wait. */
    private CompletableFuture<ResolveResult> start(Lookup lookup, Scope scope, Priority priority) {
        AtomicInteger pending = priority == Priority.ADMISSION ? pendingAdmission : pendingAudit;
        int max = priority == Priority.ADMISSION ? config.maxPendingAdmission() : config.maxPendingAudit();
        if (pending.incrementAndGet() > max) {
            pending.decrementAndGet();
            overloaded.incrementAndGet();
            return CompletableFuture.completedFuture(new ResolveResult.Failed(
                    lookup.image(),
                    new ResolveError(
                            Kind.OVERLOADED,
                            "too many " + priority.name().toLowerCase() + " lookups already wait for registries (" + max
                                    + "); " + lookup.image() + " was not looked up")));
        }
        RequestContext context = new RequestContext(
                priority,
                Deadline.in(config.lookupTimeout()),
                priority == Priority.ADMISSION ? admissionThreads : auditThreads);
        CompletableFuture<ResolveResult> result;
        try {
            result = drive(lookup, scope, context, new HashMap<>());
        } catch (RuntimeException e) {
            result = CompletableFuture.completedFuture(new ResolveResult.Failed(lookup.image(), unexpected(lookup, e)));
        }
        return result.handle((resolved, error) -> {
            pending.decrementAndGet();
            return error == null ? resolved : new ResolveResult.Failed(lookup.image(), unexpected(lookup, error));
        });
    }

    /** Walks the caches, loads what is missing, and walks again, until the answer is complete. */
    private CompletableFuture<ResolveResult> drive(
            Lookup lookup, Scope scope, RequestContext context, Map<Object, Outcome<?>> loaded) {
        Walk walk = new Walk(lookup, scope, context);
        walk.loaded = loaded;
        ResolveResult result = walk.run();
        if (result != null) {
            return CompletableFuture.completedFuture(result);
        }
        if (walk.needs == null) {
            return CompletableFuture.completedFuture(new ResolveResult.Failed(
                    lookup.image(),
                    new ResolveError(Kind.REGISTRY_ERROR, "looking up " + lookup.image() + " made no progress")));
        }
        CompletableFuture<?>[] waiting = walk.needs.values().toArray(new CompletableFuture<?>[0]);
        return CompletableFuture.allOf(waiting).thenCompose(done -> {
            Map<Object, Outcome<?>> now = new HashMap<>(loaded);
            walk.needs.forEach((key, future) -> now.put(key, (Outcome<?>) future.join()));
            return drive(lookup, scope, context, now);
        });
    }

    /** Waits for a lookup until the deadline; then answers from the tag's last known digest, or TIMEOUT. */
    private ResolveResult await(
            Lookup lookup, CompletableFuture<ResolveResult> running, Deadline until, long givenMillis) {
        try {
            return running.get(until.remaining().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            ResolveError timeout = new ResolveError(
                    Kind.TIMEOUT,
                    "registry " + lookup.image().registry() + " did not answer for " + lookup.image() + " within "
                            + givenMillis + "ms");
            ResolveResult stale = new Walk(lookup, scope(lookup), null).staleOr(timeout);
            return stale != null ? stale : new ResolveResult.Failed(lookup.image(), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ResolveResult.Failed(
                    lookup.image(), new ResolveError(Kind.TIMEOUT, "lookup of " + lookup.image() + " interrupted"));
        } catch (ExecutionException e) {
            return new ResolveResult.Failed(lookup.image(), unexpected(lookup, e.getCause()));
        }
    }

    /**
     * One pass over the caches for one lookup. It answers when everything it needs is there; otherwise, when it may
     * load (a context is given), it starts (or joins) the loads of what is missing and collects them in {@link #needs},
     * and the lookup walks again once they are done. Values loaded for this lookup are kept in {@link #loaded}, so an
     * eviction between two passes cannot make it load forever.
     */
    private final class Walk {
        private final Lookup lookup;
        private final Scope scope;
        private final RequestContext context;
        /** Set after the caller's deadline: a tag still being loaded counts as this failure. */
        private ResolveError tagTimeout;
        /** Outcomes loaded for this lookup in earlier passes (null until there are some). */
        Map<Object, Outcome<?>> loaded;
        /** Loads this pass waits for (null until there are some). */
        Map<Object, CompletableFuture<?>> needs;

        /** @param context where loads run; null to only read the caches */
        Walk(Lookup lookup, Scope scope, RequestContext context) {
            this.lookup = lookup;
            this.scope = scope;
            this.context = context;
        }

        /** After the deadline: the answer from the tag's last known digest, if the caches hold everything for it. */
        ResolveResult staleOr(ResolveError timeout) {
            tagTimeout = timeout;
            ResolveResult result = run();
            return result instanceof ResolveResult.Sized sized && sized.isStale() ? result : null;
        }

        /** The answer, or null when something is missing (and being loaded, if this walk may load). */
        ResolveResult run() {
            ImageRef image = lookup.image();
            ResolveResult.Staleness stale = null;
            String digest = image.digest();
            if (digest == null) {
                TagKey key = new TagKey(scope, image.tag());
                Outcome<TagState> tag = get(tags, key, null);
                if (tag == null && tagTimeout != null) {
                    tag = Outcome.failed(tagTimeout);
                }
                if (tag == null) {
                    return null;
                }
                if (tag instanceof Outcome.Ok<TagState> ok) {
                    digest = ok.value().digest();
                } else {
                    ResolveError error = ((Outcome.Failed<TagState>) tag).error();
                    TagState prior = error.isTransient() ? lastKnown.getIfPresent(key) : null;
                    long age = prior == null ? 0 : ticker.read() - prior.confirmedAt();
                    if (prior == null || age > config.staleIfError().toNanos()) {
                        return new ResolveResult.Failed(image, error);
                    }
                    digest = prior.digest();
                    stale = new ResolveResult.Staleness(Duration.ofNanos(age), error);
                }
            }
            Outcome<Manifest> top = manifest(digest);
            if (top == null) {
                return null;
            }
            if (top instanceof Outcome.Failed<Manifest> failed) {
                return new ResolveResult.Failed(image, failed.error());
            }
            Manifest manifest = ((Outcome.Ok<Manifest>) top).value();
            if (manifest instanceof Manifest.Image single) {
                Outcome<Platform> platform = config(single);
                if (platform == null) {
                    return null;
                }
                if (platform instanceof Outcome.Failed<Platform> failed) {
                    return new ResolveResult.Failed(image, failed.error());
                }
                return sizeSingle(single, ((Outcome.Ok<Platform>) platform).value(), stale);
            }
            return sizeIndex((Manifest.Index) manifest, stale);
        }

        private ResolveResult sizeSingle(Manifest.Image manifest, Platform platform, ResolveResult.Staleness stale) {
            PlatformSelection selection = lookup.platforms();
            List<Platform> missing = new ArrayList<>();
            boolean selected = selection.all();
            for (Platform wanted : selection.platforms()) {
                if (wanted.matches(platform)) {
                    selected = true;
                } else {
                    missing.add(wanted);
                }
            }
            List<ImageSize> sizes = selected ? List.of(size(null, manifest, platform)) : List.of();
            return new ResolveResult.Sized(lookup.image(), sizes, missing, List.of(platform), stale);
        }

        private ResolveResult sizeIndex(Manifest.Index index, ResolveResult.Staleness stale) {
            ImageRef image = lookup.image();
            List<Manifest.Entry> entries = PlatformChooser.images(index);
            List<Manifest.Entry> needing = PlatformChooser.needingConfig(entries, lookup.platforms());
            if (2 * needing.size() > config.maxIndexChildren()) {
                return tooManyChildren(index, 2 * needing.size());
            }
            Map<String, Platform> fromConfig = new HashMap<>();
            boolean complete = true;
            for (Manifest.Entry entry : needing) {
                Outcome<Manifest.Image> child = child(index, entry);
                if (child == null) {
                    complete = false;
                    continue;
                }
                if (child instanceof Outcome.Failed<Manifest.Image> failed) {
                    return new ResolveResult.Failed(image, failed.error());
                }
                Outcome<Platform> platform = config(((Outcome.Ok<Manifest.Image>) child).value());
                if (platform == null) {
                    complete = false;
                } else if (platform instanceof Outcome.Failed<Platform> failed) {
                    return new ResolveResult.Failed(image, failed.error());
                } else {
                    fromConfig.put(entry.digest(), ((Outcome.Ok<Platform>) platform).value());
                }
            }
            if (!complete) {
                return null;
            }
            PlatformChooser.Choice choice = PlatformChooser.choose(entries, lookup.platforms(), fromConfig);
            long requests = 2L * needing.size()
                    + choice.chosen().stream()
                            .filter(chosen ->
                                    !fromConfig.containsKey(chosen.entry().digest()))
                            .count();
            if (requests > config.maxIndexChildren()) {
                return tooManyChildren(index, requests);
            }
            List<ImageSize> sizes = new ArrayList<>();
            for (PlatformChooser.Chosen chosen : choice.chosen()) {
                Outcome<Manifest.Image> child = child(index, chosen.entry());
                if (child == null) {
                    complete = false;
                } else if (child instanceof Outcome.Failed<Manifest.Image> failed) {
                    return new ResolveResult.Failed(image, failed.error());
                } else {
                    sizes.add(size(index.digest(), ((Outcome.Ok<Manifest.Image>) child).value(), chosen.platform()));
                }
            }
            if (!complete) {
                return null;
            }
            return new ResolveResult.Sized(image, sizes, choice.missing(), choice.available(), stale);
        }

        private ResolveResult tooManyChildren(Manifest.Index index, long requests) {
            return new ResolveResult.Failed(
                    lookup.image(),
                    new ResolveError(
                            Kind.UNSUPPORTED,
                            "index " + index.digest() + " of " + lookup.image() + " would need " + requests
                                    + " manifest and config requests to measure the platforms asked for, over the"
                                    + " limit of " + config.maxIndexChildren() + " per lookup"));
        }

        /** An index entry's manifest, which must be an image manifest. */
        private Outcome<Manifest.Image> child(Manifest.Index index, Manifest.Entry entry) {
            Outcome<Manifest> child = manifest(entry.digest());
            if (child == null) {
                return null;
            }
            if (child instanceof Outcome.Failed<Manifest> failed) {
                return Outcome.failed(failed.error());
            }
            Manifest manifest = ((Outcome.Ok<Manifest>) child).value();
            if (manifest instanceof Manifest.Image single) {
                return Outcome.ok(single);
            }
            return Outcome.failed(new ResolveError(
                    Kind.UNSUPPORTED,
                    "index entry " + entry.digest() + " of " + lookup.image()
                            + " is itself an index; nested indexes are not measured"));
        }

        private Outcome<Manifest> manifest(String digest) {
            return get(manifests, new DigestKey(scope, digest), null);
        }

        private Outcome<Platform> config(Manifest.Image image) {
            return get(configs, new DigestKey(scope, image.configDigest()), image);
        }

        /**
         * The cached outcome for {@code key}; else null, having started or joined its load when this walk may load.
         * (No lambda is made on the way to a cached answer: this is the warm path of every admission.)
         *
         * @param image the manifest whose config a config key names, else null
         */
        @SuppressWarnings("unchecked")
        private <K, V> Outcome<V> get(AsyncCache<K, Outcome<V>> cache, K key, Manifest.Image image) {
            Outcome<?> here = loaded == null ? null : loaded.get(key);
            if (here != null) {
                return (Outcome<V>) here;
            }
            CompletableFuture<Outcome<V>> future = cache.getIfPresent(key);
            if (future == null) {
                if (context == null) {
                    return null;
                }
                future = cache.get(
                        key, (k, executor) -> (CompletableFuture<Outcome<V>>) (CompletableFuture<?>) load(k, image));
            }
            if (future.isDone() && !future.isCompletedExceptionally()) {
                return future.join();
            }
            if (context != null) {
                if (needs == null) {
                    needs = new HashMap<>();
                }
                needs.put(key, future);
            }
            return null;
        }

        /** Starts the load of what {@code key} names. */
        private CompletableFuture<? extends Outcome<?>> load(Object key, Manifest.Image image) {
            if (key instanceof TagKey tag) {
                return loadTag(tag, lookup, context);
            }
            DigestKey digest = (DigestKey) key;
            return image == null ? loadManifest(digest, lookup, context) : loadConfig(digest, lookup, image, context);
        }

        private ImageSize size(String indexDigest, Manifest.Image manifest, Platform platform) {
            return new ImageSize(
                    lookup.image(),
                    indexDigest,
                    manifest.digest(),
                    platform,
                    manifest.mediaType(),
                    manifest.configSizeBytes(),
                    manifest.layers());
        }
    }

    // ---- loads: each ends with an outcome, never exceptionally, so that failures are cached too

    private CompletableFuture<Outcome<TagState>> loadTag(TagKey key, Lookup lookup, RequestContext context) {
        Repository repository = repository(lookup);
        String tag = key.tag();
        TagState prior = lastKnown.getIfPresent(key);
        CompletableFuture<Outcome<TagState>> loaded;
        if (prior == null) {
            loaded = getTag(key, repository, tag, context);
        } else {
            loaded = source.tagDigest(repository, tag, context).thenCompose(found -> {
                if (found.isEmpty()) {
                    return getTag(key, repository, tag, context);
                }
                (found.get().equals(prior.digest()) ? revalidatedUnchanged : revalidatedChanged).incrementAndGet();
                return CompletableFuture.completedFuture(Outcome.ok(new TagState(found.get(), ticker.read())));
            });
        }
        return settle(loaded).whenComplete((outcome, error) -> {
            if (outcome instanceof Outcome.Ok<TagState> ok) {
                lastKnown.put(key, ok.value());
            } else if (prior != null) {
                revalidationFailures.incrementAndGet();
            }
        });
    }

    private CompletableFuture<Outcome<TagState>> getTag(
            TagKey key, Repository repository, String tag, RequestContext context) {
        manifestFetches.incrementAndGet();
        return source.manifest(repository, tag, context).thenApply(manifest -> {
            manifests.put(
                    new DigestKey(key.scope(), manifest.digest()),
                    CompletableFuture.completedFuture(Outcome.ok(manifest)));
            return Outcome.ok(new TagState(manifest.digest(), ticker.read()));
        });
    }

    private CompletableFuture<Outcome<Manifest>> loadManifest(DigestKey key, Lookup lookup, RequestContext context) {
        manifestFetches.incrementAndGet();
        return settle(source.manifest(repository(lookup), key.digest(), context).thenApply(Outcome::ok));
    }

    private CompletableFuture<Outcome<Platform>> loadConfig(
            DigestKey key, Lookup lookup, Manifest.Image image, RequestContext context) {
        return settle(source.configPlatform(repository(lookup), image, context).thenApply(Outcome::ok));
    }

    /** Turns a failed load into a failed outcome (cached for the failure TTL), never an exceptional future. */
    private <T> CompletableFuture<Outcome<T>> settle(CompletableFuture<Outcome<T>> load) {
        return load.handle((outcome, error) -> {
            if (error == null) {
                return outcome;
            }
            Throwable cause = error;
            while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                    && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof RegistryFailure failure) {
                return Outcome.failed(failure.error());
            }
            return Outcome.failed(new ResolveError(
                    Kind.REGISTRY_ERROR,
                    "a registry call failed unexpectedly (" + cause.getClass().getSimpleName() + ")"));
        });
    }

    // ---- cache policy

    /** Lifetimes of cached outcomes: successes as {@code okLifetime} says, failures for the failure TTL or Retry-After. */
    private final class OutcomeExpiry<K, V> implements Expiry<K, Outcome<V>> {
        private final java.util.function.ToLongBiFunction<K, V> okLifetime;

        OutcomeExpiry(java.util.function.ToLongBiFunction<K, V> okLifetime) {
            this.okLifetime = okLifetime;
        }

        @Override
        public long expireAfterCreate(K key, Outcome<V> value, long currentTime) {
            if (value instanceof Outcome.Ok<V> ok) {
                return okLifetime.applyAsLong(key, ok.value());
            }
            Duration retryAfter = ((Outcome.Failed<V>) value).error().retryAfter();
            Duration remember = retryAfter != null ? min(retryAfter, Duration.ofMinutes(5)) : config.failureTtl();
            return remember.toNanos();
        }

        @Override
        public long expireAfterUpdate(K key, Outcome<V> value, long currentTime, long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
        }

        @Override
        public long expireAfterRead(K key, Outcome<V> value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }

    /** The tag TTL, shifted by up to 10% per tag (always the same for one tag) so that tags expire spread out. */
    private long tagLifetime(TagKey key, TagState state) {
        long ttl = config.tagTtl().toNanos();
        int spread = Math.floorMod(key.hashCode(), 21) - 10; // -10 .. +10 percent
        return ttl + ttl / 100 * spread;
    }

    private static int weight(Outcome<Manifest> outcome) {
        if (outcome instanceof Outcome.Ok<Manifest> ok) {
            Manifest manifest = ok.value();
            return 1
                    + (manifest instanceof Manifest.Image image
                            ? image.layers().size()
                            : ((Manifest.Index) manifest).entries().size());
        }
        return 1;
    }

    // ---- keys

    /**
     * Cache keys include the credential: what one namespace's pull secret revealed is never served to a lookup made
     * with another credential or anonymously.
     */
    private Scope scope(Lookup lookup) {
        RegistryCredential credential = lookup.credential();
        String who = credential == null ? "anonymous" : fingerprints.get(credential, RegistryCredential::fingerprint);
        return new Scope(who, lookup.image().registry(), lookup.image().repository());
    }

    private static Repository repository(Lookup lookup) {
        return new Repository(lookup.image().registry(), lookup.image().repository(), lookup.credential());
    }

    private static ThreadPoolExecutor threads(String prefix, int count, int queue) {
        AtomicInteger number = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                count, count, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(Math.max(1, queue)), task -> {
                    Thread thread = new Thread(task, prefix + "-" + number.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static ResolveError unexpected(Lookup lookup, Throwable e) {
        return new ResolveError(
                Kind.REGISTRY_ERROR,
                "looking up " + lookup.image() + " failed unexpectedly ("
                        + e.getClass().getSimpleName() + ")");
    }

    @Override
    public void close() {
        admissionThreads.shutdownNow();
        auditThreads.shutdownNow();
        if (ownClient != null) {
            ownClient.close();
        }
    }
}
