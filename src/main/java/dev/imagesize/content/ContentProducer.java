package dev.imagesize.content;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
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
import dev.imagesize.policy.AnalysedImages;
import dev.imagesize.registry.RegistryClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Wires the content analysis: on with {@code imagesize.analysis.enabled}, else nothing is watched or analysed; the
 * operator role queues, the analyzer role analyses.
 */
public class ContentProducer {
    private static final Logger LOG = Logger.getLogger(ContentProducer.class);

    @Produces
    @Singleton
    AnalysisIndex analysisIndex(KubernetesClient client) {
        return new AnalysisIndex(client);
    }

    @Produces
    @Singleton
    AnalysedImages analysedImages(Config config, AnalysisIndex index) {
        return config.analysis().enabled()
                ? digest ->
                        index.byDigest(digest).flatMap(KnownAnalysis::analysed).orElse(null)
                : AnalysedImages.NONE;
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

    /** The operator's side: queues analyses (admission misses, the audit's images), reports and sweeps; never analyses. */
    @Produces
    @Singleton
    ContentAnalysis contentAnalysis(
            Config config,
            KubernetesClient client,
            AnalysisIndex index,
            AdmissionMisses misses,
            WorkloadAudit audit,
            Identity identity) {
        if (!config.analysis().enabled()) {
            return ContentAnalysis.off();
        }
        AnalysisSettings settings = AnalysisSettings.of(config.analysis());
        AnalysisObjects objects = new AnalysisObjects(client, identity.fieldManager());
        WorkloadReports reports =
                new WorkloadReports(client, index, objects, identity.fieldManager(), Clock.systemUTC());
        audit.observe(reports);
        index.onSettled(known -> audit.analysisSettled(known.digest()));
        AnalysisSweeper sweeper =
                new AnalysisSweeper(index, objects, reports::referencedDigests, settings, Clock.systemUTC());
        return ContentAnalysis.on(index, new MissPublisher(misses, index, objects), reports, sweeper);
    }

    /** The analyzer's side: this replica's worker, claiming images beside any other analyzer replicas. */
    @Produces
    @Singleton
    AnalyzerRole analyzerRole(
            Config config,
            KubernetesClient client,
            AnalysisIndex index,
            RegistryClient registries,
            PullSecrets pullSecrets,
            Identity identity,
            MeterRegistry meters) {
        AnalysisSettings settings = AnalysisSettings.of(config.analysis());
        AnalysisObjects objects = new AnalysisObjects(client, identity.fieldManager());
        AnalysisLimits limits = AnalysisLimits.defaults();
        ImageAnalyzer analyzer = new ImageAnalyzer(
                new RegistryBlobSource(registries, limits.maxLayers(), false),
                new LayerIndexCache(settings.cacheBytes()),
                limits,
                new ImageComposer(
                        FindingRules.builtIn(), catalog(config.analysis().baseCatalog()), StatusBudget.DEFAULT_BYTES),
                settings.parallelLayers(),
                settings.maxImageBytes());
        AnalysisClaims claims = new AnalysisClaims(
                objects, identity.name(), settings.claimDuration(), settings.maxAttempts(), Clock.systemUTC(), meters);
        AnalysisWorker worker = new AnalysisWorker(
                index, claims, analyzer, pullSecrets, settings, identity.name(), Clock.systemUTC(), meters);
        return new AnalyzerRole(index, worker);
    }

    /** The configured catalog before the shipped one; the shipped one alone when none is configured or readable. */
    static BaseCatalog catalog(Optional<String> file) {
        BaseCatalog shipped = BaseCatalog.builtIn();
        if (file.isEmpty() || file.get().isBlank()) {
            return shipped;
        }
        String path = file.get();
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            BaseCatalog configured = BaseCatalog.parse(in);
            LOG.infof(
                    "base catalog %s: %d images, searched before the shipped catalog",
                    path, configured.images().size());
            return configured.before(shipped);
        } catch (IOException | RuntimeException e) {
            LOG.errorf(
                    "cannot read the base catalog %s (imagesize.analysis.base-catalog): %s; using the shipped catalog"
                            + " only",
                    path, reason(e));
            return shipped;
        }
    }

    /** Why a catalog file could not be read, in one line. */
    private static String reason(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof JsonProcessingException json) {
            String what = json.getOriginalMessage() == null
                    ? "not valid YAML"
                    : json.getOriginalMessage().lines().findFirst().orElse("not valid YAML");
            JsonLocation at = json.getLocation();
            return at == null ? what : what + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        }
        return e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getMessage().lines().findFirst().orElse("");
    }
}
