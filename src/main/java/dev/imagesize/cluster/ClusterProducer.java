package dev.imagesize.cluster;

import dev.imagesize.Config;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.policy.AnalysedImages;
import dev.imagesize.registry.ImageSizeResolver;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** Makes what every replica shares: the cluster view, the pull secrets, the assessment pipeline. */
public class ClusterProducer {
    private ExecutorService pullSecretReads;

    @Produces
    @Singleton
    ClusterView clusterView(KubernetesClient client, Config config, MeterRegistry meters) {
        ClusterView view = new ClusterView(client, config.policies().failClosed());
        Gauge.builder("imagesize.policies.unusable", view, ClusterView::unusableCount)
                .description("Policies that cannot be used (undecodable or out of range); each has a status saying why")
                .register(meters);
        return view;
    }

    @Produces
    @Singleton
    PullSecrets pullSecrets(KubernetesClient client, Config config) {
        Config.PullSecrets settings = config.pullSecrets();
        AtomicInteger threads = new AtomicInteger();
        pullSecretReads = Executors.newFixedThreadPool(settings.threads(), task -> {
            Thread thread = new Thread(task, "pull-secrets-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        return new PullSecrets(
                client,
                config.registry().pullSecrets().orElse(List.of()),
                settings.maxPerWorkload(),
                settings.ttl(),
                settings.negativeTtl(),
                pullSecretReads);
    }

    void closePullSecrets(@Disposes PullSecrets pullSecrets) {
        if (pullSecretReads != null) {
            pullSecretReads.shutdownNow();
        }
    }

    @Produces
    @Singleton
    Assessments assessments(ImageSizeResolver resolver, Config config, AnalysedImages analyses) {
        return new Assessments(resolver, config.assessment().maxContainers(), analyses);
    }
}
