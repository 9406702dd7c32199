package dev.imagesize.registry;

import java.time.Duration;
import java.util.Set;

/**
 * How the resolver talks to registries and how long it remembers answers.
 *
 * @param tagTtl how long a tag's digest is trusted before the registry is asked again (tags move)
 * @param failureTtl how long a failed lookup is remembered, so an outage is not hammered (429 uses Retry-After)
 * @param maxCachedManifests bound on cached manifests (immutable by digest, so only size evicts them)
 * @param perRegistryConcurrency at most this many requests in flight to one registry
 * @param httpTimeout connect and read timeout of one HTTP request
 * @param maxManifestBytes larger manifests are refused
 * @param threads lookups running at once in the background (callers wait with their own deadline)
 * @param insecureRegistries registries ({@code host:port}) reached over plain HTTP or unverified TLS
 */
public record ResolverConfig(
        Duration tagTtl,
        Duration failureTtl,
        long maxCachedManifests,
        int perRegistryConcurrency,
        Duration httpTimeout,
        long maxManifestBytes,
        int threads,
        Set<String> insecureRegistries) {

    public static final long FOUR_MIB = 4L * 1024 * 1024;

    public ResolverConfig {
        insecureRegistries = Set.copyOf(insecureRegistries);
    }

    public static ResolverConfig defaults() {
        return new ResolverConfig(
                Duration.ofMinutes(5),
                Duration.ofSeconds(10),
                10_000,
                8,
                Duration.ofSeconds(10),
                FOUR_MIB,
                32,
                Set.of());
    }

    public ResolverConfig withInsecureRegistries(Set<String> registries) {
        return new ResolverConfig(
                tagTtl,
                failureTtl,
                maxCachedManifests,
                perRegistryConcurrency,
                httpTimeout,
                maxManifestBytes,
                threads,
                registries);
    }

    public ResolverConfig withTagTtl(Duration ttl) {
        return new ResolverConfig(
                ttl,
                failureTtl,
                maxCachedManifests,
                perRegistryConcurrency,
                httpTimeout,
                maxManifestBytes,
                threads,
                insecureRegistries);
    }

    public boolean isInsecure(String registry) {
        return insecureRegistries.contains(registry);
    }
}
