package dev.imagesize.content;

import dev.imagesize.Config;
import dev.imagesize.analysis.AnalysisLimits;
import dev.imagesize.analysis.BaseCatalog;
import dev.imagesize.analysis.FindingRules;
import dev.imagesize.analysis.ImageAnalyzer;
import dev.imagesize.analysis.ImageComposer;
import dev.imagesize.analysis.LayerIndexCache;
import dev.imagesize.analysis.RegistryBlobSource;
import dev.imagesize.analysis.StatusBudget;
import dev.imagesize.cluster.PullSecrets;
import dev.imagesize.operator.Identity;
import dev.imagesize.operator.WorkloadAudit;
import dev.imagesize.registry.RegistryClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** Wires the content analysis: on with {@code imagesize.analysis.enabled}, else nothing is watched or analysed. */
public class ContentProducer {

    @Produces
    @Singleton
    AnalysisIndex analysisIndex(KubernetesClient client) {
        return new AnalysisIndex(client);
    }

    @Produces
    @Singleton
    AdmissionMisses admissionMisses(Config config) {
        return new AdmissionMisses(AnalysisSettings.of(config.analysis()).maxAdmissionMisses());
    }

    @Produces
    @Singleton
    AdmissionContent admissionContent(Config config, AnalysisIndex index, AdmissionMisses misses) {
        return config.analysis().enabled() ? new ContentNotes(index, misses) : AdmissionContent.NONE;
    }

    @Produces
    @Singleton
    ContentAnalysis contentAnalysis(
            Config config,
            KubernetesClient client,
            AnalysisIndex index,
            AdmissionMisses misses,
            RegistryClient registries,
            PullSecrets pullSecrets,
            WorkloadAudit audit,
            Identity identity,
            MeterRegistry meters) {
        if (!config.analysis().enabled()) {
            return ContentAnalysis.off();
        }
        AnalysisSettings settings = AnalysisSettings.of(config.analysis());
        AnalysisObjects objects = new AnalysisObjects(client, identity.fieldManager());
        AnalysisLimits limits = AnalysisLimits.defaults();
        ImageAnalyzer analyzer = new ImageAnalyzer(
                new RegistryBlobSource(registries, limits.maxLayers(), false),
                new LayerIndexCache(settings.cacheBytes()),
                limits,
                new ImageComposer(FindingRules.builtIn(), BaseCatalog.builtIn(), StatusBudget.DEFAULT_BYTES),
                settings.parallelLayers(),
                settings.maxImageBytes());
        AnalysisWorker worker = new AnalysisWorker(
                index, objects, analyzer, pullSecrets, settings, identity.name(), Clock.systemUTC(), meters);
        WorkloadReports reports =
                new WorkloadReports(client, index, objects, identity.fieldManager(), Clock.systemUTC());
        audit.observe(reports);
        AnalysisSweeper sweeper =
                new AnalysisSweeper(index, objects, reports::referencedDigests, settings, Clock.systemUTC());
        return ContentAnalysis.on(index, new MissPublisher(misses, index, objects), worker, reports, sweeper);
    }
}
