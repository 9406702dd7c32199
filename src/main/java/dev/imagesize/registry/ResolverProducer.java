package dev.imagesize.registry;

import dev.imagesize.Config;
import dev.imagesize.image.ResolveResult;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Makes the one {@link ImageSizeResolver} of the operator process, configured from {@link Config}. */
public class ResolverProducer {

    @Produces
    @Singleton
    ImageSizeResolver resolver(Config config, MeterRegistry meters) {
        Config.Registry registry = config.registry();
        ResolverConfig resolverConfig = new ResolverConfig(
                registry.tagTtl(),
                registry.failureTtl(),
                registry.maxCachedManifests(),
                registry.perRegistryConcurrency(),
                registry.httpTimeout(),
                ResolverConfig.FOUR_MIB,
                registry.threads(),
                registry.insecureRegistries().orElse(Set.of()));
        ImageSizeResolver resolver = ImageSizeResolver.forRegistries(
                resolverConfig, (host, what, outcome, nanos) -> Timer.builder("imagesize.registry.requests")
                        .description("Requests to registries (manifest or config blob), by registry and outcome")
                        .tag("registry", host)
                        .tag("call", what)
                        .tag("outcome", outcome)
                        .register(meters)
                        .record(nanos, TimeUnit.NANOSECONDS));
        resolver.onLookup((image, result, nanos) -> Timer.builder("imagesize.resolver.lookups")
                .description("Image size lookups by registry and outcome (sized, or the error kind)")
                .tag("registry", image.registry())
                .tag(
                        "outcome",
                        result instanceof ResolveResult.Failed failed
                                ? failed.error().kind().name()
                                : "SIZED")
                .register(meters)
                .record(nanos, TimeUnit.NANOSECONDS));
        FunctionCounter.builder("imagesize.resolver.manifest.fetches", resolver, r -> r.stats()
                        .manifestFetches())
                .description("Manifests fetched from registries (cache misses)")
                .register(meters);
        FunctionCounter.builder("imagesize.resolver.manifest.cache.hits", resolver, r -> r.stats()
                        .manifestCacheHits())
                .description("Manifest lookups answered from the cache")
                .register(meters);
        Gauge.builder("imagesize.resolver.manifest.cache.size", resolver, r -> r.stats()
                        .cachedManifests())
                .description("Manifests in the cache")
                .register(meters);
        return resolver;
    }

    void close(@Disposes ImageSizeResolver resolver) {
        resolver.close();
    }
}
