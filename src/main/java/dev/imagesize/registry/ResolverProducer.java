package dev.imagesize.registry;

import dev.imagesize.Config;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Set;

/** Makes the one {@link ImageSizeResolver} of the operator process, configured from {@link Config}. */
public class ResolverProducer {

    @Produces
    @Singleton
    ImageSizeResolver resolver(Config config) {
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
        return ImageSizeResolver.forRegistries(resolverConfig);
    }

    void close(@Disposes ImageSizeResolver resolver) {
        resolver.close();
    }
}
