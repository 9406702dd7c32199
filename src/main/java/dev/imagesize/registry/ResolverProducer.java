package dev.imagesize.registry;

import dev.imagesize.Config;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.monitoring.TimerFamily;
import dev.imagesize.registry.ImageSizeResolver.Priority;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Makes the operator's one {@link RegistryClient} (shared with whoever streams blobs) and the one
 * {@link ImageSizeResolver} over it, configured from {@link Config}, with their metrics.
 */
public class ResolverProducer {
    /** Registry names become metric labels; past this many distinct ones, the rest are counted as "other". */
    private static final int MAX_REGISTRY_LABELS = 100;

    private final Set<String> registryLabels = ConcurrentHashMap.newKeySet();

    @Produces
    @Singleton
    ResolverConfig resolverConfig(Config config) {
        return of(config.registry());
    }

    /** The resolver settings of the operator's configuration. */
    static ResolverConfig of(Config.Registry registry) {
        List<String> blocked = registry.blockedNetworks();
        return ResolverConfig.defaults().toBuilder()
                .tagTtl(registry.tagTtl())
                .staleIfError(registry.staleIfError())
                .failureTtl(registry.failureTtl())
                .cacheWeight(registry.cacheWeight())
                .perRegistryConcurrency(registry.perRegistryConcurrency())
                .httpTimeout(registry.httpTimeout())
                .lookupTimeout(registry.lookupTimeout())
                .maxImagesPerRequest(registry.maxImagesPerRequest())
                .maxIndexChildren(registry.maxIndexChildren())
                .admissionThreads(registry.admissionThreads())
                .auditThreads(registry.auditThreads())
                .maxPendingAdmission(registry.maxPendingAdmission())
                .maxPendingAudit(registry.maxPendingAudit())
                .insecureRegistries(registry.insecureRegistries().orElse(Set.of()))
                .plainHttpCredentials(registry.plainHttpCredentials().orElse(Set.of()))
                .caFiles(registry.caFiles().orElse(List.of()).stream()
                        .map(Path::of)
                        .toList())
                .blockedNetworks(blocked.size() == 1 && blocked.get(0).equals("none") ? List.of() : blocked)
                .build();
    }

    @Produces
    @Singleton
    RegistryClient registryClient(ResolverConfig config, MeterRegistry meters) {
        TimerFamily requests = new TimerFamily(
                meters,
                "imagesize.registry.requests",
                "Requests to registries (ping, token, manifest, manifest-head, blob), by registry, call and outcome",
                TimerFamily.NO_BUCKETS,
                "registry",
                "call",
                "outcome");
        return RegistryClient.create(
                config, (registry, call, outcome, nanos) -> requests.record(nanos, label(registry), call, outcome));
    }

    @Produces
    @Singleton
    ImageSizeResolver resolver(RegistryClient client, ResolverConfig config, MeterRegistry meters) {
        ImageSizeResolver resolver = ImageSizeResolver.over(client, config);
        TimerFamily lookups = new TimerFamily(
                meters,
                "imagesize.resolver.lookups",
                "Image size lookups by registry and outcome: SIZED, STALE (the last known digest of a tag whose"
                        + " registry could not answer), or the error kind",
                TimerFamily.NO_BUCKETS,
                "registry",
                "outcome");
        resolver.onLookup((image, result, nanos) -> lookups.record(nanos, label(image.registry()), outcome(result)));
        counter(
                meters,
                resolver,
                "imagesize.resolver.manifest.fetches",
                "Manifests fetched with GET",
                s -> s.manifestFetches());
        counter(
                meters,
                resolver,
                "imagesize.resolver.manifest.cache.hits",
                "Lookups answered from the caches at once, without a registry request",
                s -> s.manifestCacheHits());
        counter(
                meters,
                resolver,
                "imagesize.resolver.stale.answers",
                "Lookups answered with a tag's last known digest because its registry could not answer",
                s -> s.staleAnswers());
        counter(
                meters,
                resolver,
                "imagesize.resolver.overloaded",
                "Lookups refused at once because too many of their priority were waiting",
                s -> s.overloaded());
        for (String result : List.of("unchanged", "changed", "failed")) {
            FunctionCounter.builder("imagesize.resolver.tag.revalidations", resolver, r -> switch (result) {
                        case "unchanged" -> r.stats().revalidatedUnchanged();
                        case "changed" -> r.stats().revalidatedChanged();
                        default -> r.stats().revalidationFailures();
                    })
                    .description("Expired tags asked again (a HEAD of the manifest), by result")
                    .tag("result", result)
                    .register(meters);
        }
        gauge(
                meters,
                resolver,
                "imagesize.resolver.manifest.cache.size",
                "Manifests in the cache",
                s -> s.cachedManifests());
        gauge(
                meters,
                resolver,
                "imagesize.resolver.manifest.cache.weight",
                "Weight of the cached manifests (one per manifest plus one per layer or index entry)",
                s -> s.cacheWeight());
        for (Priority priority : Priority.values()) {
            Gauge.builder(
                            "imagesize.resolver.queue.depth",
                            resolver,
                            r -> priority == Priority.ADMISSION
                                    ? r.stats().pendingAdmission()
                                    : r.stats().pendingAudit())
                    .description("Lookups waiting for registries, by priority")
                    .tag("priority", priority.name().toLowerCase())
                    .register(meters);
        }
        return resolver;
    }

    private static void counter(
            MeterRegistry meters,
            ImageSizeResolver resolver,
            String name,
            String description,
            ToDoubleFunction<ImageSizeResolver.ResolverStats> value) {
        FunctionCounter.builder(name, resolver, r -> value.applyAsDouble(r.stats()))
                .description(description)
                .register(meters);
    }

    private static void gauge(
            MeterRegistry meters,
            ImageSizeResolver resolver,
            String name,
            String description,
            ToDoubleFunction<ImageSizeResolver.ResolverStats> value) {
        Gauge.builder(name, resolver, r -> value.applyAsDouble(r.stats()))
                .description(description)
                .register(meters);
    }

    private static String outcome(ResolveResult result) {
        if (result instanceof ResolveResult.Failed failed) {
            return failed.error().kind().name();
        }
        return ((ResolveResult.Sized) result).isStale() ? "STALE" : "SIZED";
    }

    /** Registry names come from pod specs: bound the label values a cluster's users can create. */
    private String label(String registry) {
        if (registryLabels.contains(registry)) {
            return registry;
        }
        if (registryLabels.size() < MAX_REGISTRY_LABELS) {
            registryLabels.add(registry);
            return registry;
        }
        return "other";
    }

    void close(@Disposes ImageSizeResolver resolver) {
        resolver.close();
    }

    void close(@Disposes RegistryClient client) {
        client.close();
    }
}
