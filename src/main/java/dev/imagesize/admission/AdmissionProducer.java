package dev.imagesize.admission;

import dev.imagesize.Config;
import dev.imagesize.operator.ClusterView;
import dev.imagesize.operator.PullSecrets;
import dev.imagesize.registry.ImageSizeResolver;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Wires the admission handler to the cluster view, the resolver and the pull secrets. */
public class AdmissionProducer {

    @Produces
    @Singleton
    AdmissionHandler admissionHandler(
            ClusterView cluster, ImageSizeResolver resolver, PullSecrets pullSecrets, Config config) {
        return new AdmissionHandler(
                cluster, resolver, pullSecrets::forWorkload, config.webhook().deadline());
    }
}
