package dev.imagesize.registry;

import dev.imagesize.registry.RegistryErrors.Audience;
import dev.imagesize.registry.http.AddressGuard;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How the resolver talks to registries, how long it remembers answers, and the bounds on its work.
 *
 * @param tagTtl how long a tag's digest is trusted before the registry is asked again (a HEAD of the manifest when
 *     the digest is already known); each tag's time varies by up to 10% so that tags cached together do not expire
 *     together
 * @param staleIfError how long after the registry last confirmed a tag its digest is still used, marked stale, while
 *     the registry cannot be asked (unreachable, timing out, rate limiting, failing)
 * @param failureTtl how long a failed lookup is remembered, so an outage is not hammered (429 uses Retry-After, up to
 *     5 minutes)
 * @param cacheWeight bound on cached manifests, counted as one per manifest plus one per layer or index entry; digest
 *     entries never expire, only this bound evicts them. Tags, their last known digests and image-config platforms
 *     are kept for up to a fifth as many each (at least 1,000)
 * @param perRegistryConcurrency requests in flight to one registry at most; audit requests hold at most half
 * @param httpTimeout connect timeout, and the total time of one HTTP request (body included) before its connection is
 *     closed
 * @param lookupTimeout the most a lookup may go on after its callers stopped waiting, to fill the cache
 * @param maxManifestBytes larger manifests are refused while they stream
 * @param maxLayers manifests with more layers are refused
 * @param maxIndexEntries indexes with more entries are refused
 * @param maxIndexChildren child requests (manifests and configs) one index lookup may make
 * @param maxImagesPerRequest distinct images one admission request may look up; more are answered "overloaded"
 * @param admissionThreads threads parsing registry answers for admission lookups (waiting takes no thread)
 * @param auditThreads threads parsing registry answers for audit lookups
 * @param maxPendingAdmission admission lookups waiting for registries at most; more are answered "overloaded" at once
 * @param maxPendingAudit audit lookups waiting for registries at most
 * @param insecureRegistries registries ({@code host[:port]}) reached with unverified TLS, or plain HTTP
 * @param plainHttpCredentials insecure registries to which credentials may be sent over plain HTTP
 * @param caFiles PEM files of CAs trusted for registries besides the JVM's own
 * @param blockedNetworks CIDR networks no registry host may resolve to
 * @param audience who reads the error messages (operator or command line)
 */
public record ResolverConfig(
        Duration tagTtl,
        Duration staleIfError,
        Duration failureTtl,
        long cacheWeight,
        int perRegistryConcurrency,
        Duration httpTimeout,
        Duration lookupTimeout,
        long maxManifestBytes,
        int maxLayers,
        int maxIndexEntries,
        int maxIndexChildren,
        int maxImagesPerRequest,
        int admissionThreads,
        int auditThreads,
        int maxPendingAdmission,
        int maxPendingAudit,
        Set<String> insecureRegistries,
        Set<String> plainHttpCredentials,
        List<Path> caFiles,
        List<String> blockedNetworks,
        Audience audience) {

    public static final long FOUR_MIB = 4L * 1024 * 1024;

    public ResolverConfig {
        insecureRegistries = Set.copyOf(insecureRegistries);
        plainHttpCredentials = Set.copyOf(plainHttpCredentials);
        caFiles = List.copyOf(caFiles);
        blockedNetworks = List.copyOf(blockedNetworks);
        for (String registry : plainHttpCredentials) {
            if (!insecureRegistries.contains(registry)) {
                throw new IllegalArgumentException("credentials over plain HTTP are allowed only for a registry that is"
                        + " also listed as insecure; " + registry + " is not");
            }
        }
    }

    public static ResolverConfig defaults() {
        return new Builder().build();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public ResolverConfig withInsecureRegistries(Set<String> registries) {
        return toBuilder().insecureRegistries(registries).build();
    }

    public ResolverConfig withTagTtl(Duration ttl) {
        return toBuilder().tagTtl(ttl).build();
    }

    public boolean isInsecure(String registry) {
        return insecureRegistries.contains(registry);
    }

    /** Builds a {@link ResolverConfig}; starts from the defaults. */
    public static final class Builder {
        private Duration tagTtl = Duration.ofMinutes(10);
        private Duration staleIfError = Duration.ofHours(24);
        private Duration failureTtl = Duration.ofSeconds(10);
        private long cacheWeight = 50_000;
        private int perRegistryConcurrency = 8;
        private Duration httpTimeout = Duration.ofSeconds(10);
        private Duration lookupTimeout = Duration.ofSeconds(30);
        private long maxManifestBytes = FOUR_MIB;
        private int maxLayers = 1_000;
        private int maxIndexEntries = 1_000;
        private int maxIndexChildren = 32;
        private int maxImagesPerRequest = 64;
        private int admissionThreads = 4;
        private int auditThreads = 2;
        private int maxPendingAdmission = 1_000;
        private int maxPendingAudit = 10_000;
        private Set<String> insecureRegistries = Set.of();
        private Set<String> plainHttpCredentials = Set.of();
        private List<Path> caFiles = List.of();
        private List<String> blockedNetworks = AddressGuard.DEFAULT_BLOCKED_NETWORKS;
        private Audience audience = Audience.CLUSTER;

        Builder() {}

        Builder(ResolverConfig config) {
            tagTtl = config.tagTtl;
            staleIfError = config.staleIfError;
            failureTtl = config.failureTtl;
            cacheWeight = config.cacheWeight;
            perRegistryConcurrency = config.perRegistryConcurrency;
            httpTimeout = config.httpTimeout;
            lookupTimeout = config.lookupTimeout;
            maxManifestBytes = config.maxManifestBytes;
            maxLayers = config.maxLayers;
            maxIndexEntries = config.maxIndexEntries;
            maxIndexChildren = config.maxIndexChildren;
            maxImagesPerRequest = config.maxImagesPerRequest;
            admissionThreads = config.admissionThreads;
            auditThreads = config.auditThreads;
            maxPendingAdmission = config.maxPendingAdmission;
            maxPendingAudit = config.maxPendingAudit;
            insecureRegistries = config.insecureRegistries;
            plainHttpCredentials = config.plainHttpCredentials;
            caFiles = config.caFiles;
            blockedNetworks = config.blockedNetworks;
            audience = config.audience;
        }

        public Builder tagTtl(Duration value) {
            tagTtl = value;
            return this;
        }

        public Builder staleIfError(Duration value) {
            staleIfError = value;
            return this;
        }

        public Builder failureTtl(Duration value) {
            failureTtl = value;
            return this;
        }

        public Builder cacheWeight(long value) {
            cacheWeight = value;
            return this;
        }

        public Builder perRegistryConcurrency(int value) {
            perRegistryConcurrency = value;
            return this;
        }

        public Builder httpTimeout(Duration value) {
            httpTimeout = value;
            return this;
        }

        public Builder lookupTimeout(Duration value) {
            lookupTimeout = value;
            return this;
        }

        public Builder maxManifestBytes(long value) {
            maxManifestBytes = value;
            return this;
        }

        public Builder maxLayers(int value) {
            maxLayers = value;
            return this;
        }

        public Builder maxIndexEntries(int value) {
            maxIndexEntries = value;
            return this;
        }

        public Builder maxIndexChildren(int value) {
            maxIndexChildren = value;
            return this;
        }

        public Builder maxImagesPerRequest(int value) {
            maxImagesPerRequest = value;
            return this;
        }

        public Builder admissionThreads(int value) {
            admissionThreads = value;
            return this;
        }

        public Builder auditThreads(int value) {
            auditThreads = value;
            return this;
        }

        public Builder maxPendingAdmission(int value) {
            maxPendingAdmission = value;
            return this;
        }

        public Builder maxPendingAudit(int value) {
            maxPendingAudit = value;
            return this;
        }

        public Builder insecureRegistries(Set<String> value) {
            insecureRegistries = value;
            return this;
        }

        public Builder plainHttpCredentials(Set<String> value) {
            plainHttpCredentials = value;
            return this;
        }

        public Builder caFiles(List<Path> value) {
            caFiles = value;
            return this;
        }

        public Builder blockedNetworks(List<String> value) {
            blockedNetworks = value;
            return this;
        }

        public Builder audience(Audience value) {
            audience = value;
            return this;
        }

        public ResolverConfig build() {
            return new ResolverConfig(
                    tagTtl,
                    staleIfError,
                    failureTtl,
                    cacheWeight,
                    perRegistryConcurrency,
                    httpTimeout,
                    lookupTimeout,
                    maxManifestBytes,
                    maxLayers,
                    maxIndexEntries,
                    maxIndexChildren,
                    maxImagesPerRequest,
                    admissionThreads,
                    auditThreads,
                    maxPendingAdmission,
                    maxPendingAudit,
                    insecureRegistries,
                    plainHttpCredentials,
                    caFiles,
                    blockedNetworks,
                    audience);
        }
    }
}
