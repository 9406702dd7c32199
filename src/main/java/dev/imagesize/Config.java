package dev.imagesize;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The operator's configuration ({@code imagesize.*} in application.properties, or IMAGESIZE_* variables). */
@ConfigMapping(prefix = "imagesize")
public interface Config {

    Registry registry();

    Audit audit();

    /** How the resolver talks to registries. */
    interface Registry {
        /** How long a tag's digest is trusted before asking the registry again. */
        @WithDefault("5m")
        Duration tagTtl();

        /** How long a failed lookup is remembered (429 answers use their Retry-After). */
        @WithDefault("10s")
        Duration failureTtl();

        /** Bound on cached manifests. */
        @WithDefault("10000")
        long maxCachedManifests();

        /** Requests in flight to one registry at most. */
        @WithDefault("8")
        int perRegistryConcurrency();

        /** Connect and read timeout of one registry request. */
        @WithDefault("10s")
        Duration httpTimeout();

        /** Background lookup threads. */
        @WithDefault("32")
        int threads();

        /** Registries ({@code host:port}) reached over plain HTTP or unverified TLS. */
        Optional<Set<String>> insecureRegistries();

        /**
         * Operator-wide pull secrets ({@code namespace/name} of kubernetes.io/dockerconfigjson Secrets), used for
         * every workload after the workload's own.
         */
        Optional<List<String>> pullSecrets();
    }

    /** The audit of running workloads. */
    interface Audit {
        /** How often every policy is re-evaluated even without changes (tags move). */
        @WithDefault("5m")
        Duration interval();

        /** Deadline of one audit's registry lookups. */
        @WithDefault("60s")
        Duration lookupTimeout();
    }
}
