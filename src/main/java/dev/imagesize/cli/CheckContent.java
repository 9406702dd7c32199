package dev.imagesize.cli;

import dev.imagesize.Deadline;
import dev.imagesize.analysis.AnalysisLimits;
import dev.imagesize.analysis.BaseCatalog;
import dev.imagesize.analysis.BlobSource;
import dev.imagesize.analysis.FindingRules;
import dev.imagesize.analysis.ImageAnalysis;
import dev.imagesize.analysis.ImageAnalyzer;
import dev.imagesize.analysis.ImageComposer;
import dev.imagesize.analysis.LayerIndexCache;
import dev.imagesize.analysis.LayerProblem;
import dev.imagesize.analysis.RegistryBlobSource;
import dev.imagesize.analysis.StatusBudget;
import dev.imagesize.api.v1alpha1.ImageAnalysisState;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.content.KnownAnalysis;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.policy.Analysed;
import dev.imagesize.policy.AnalysedImages;
import dev.imagesize.policy.Finding;
import dev.imagesize.registry.DockerCredentials;
import dev.imagesize.registry.RegistryClient;
import dev.imagesize.registry.RegistryCredential;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The content analysis {@code imagesize check} runs for its content limits ({@code --max-uncompressed},
 * {@code --min-efficiency}, {@code --max-wasted}): each platform image it measured is analysed once, with the same
 * bounded, streaming analyzer as {@code imagesize analyze}, and its figures are read as the cluster reads them.
 */
final class CheckContent implements AutoCloseable {
    private final ImageAnalyzer analyzer;
    private final ImageAnalyzer.Listener progress;
    private final Map<String, Outcome> outcomes = new LinkedHashMap<>();

    /**
     * What the analysis of one platform image gave: the figures the content limits check, or why there are none.
     *
     * @param figures the figures, null when the analysis failed
     * @param error why the image could not be analysed ({@code LAYER_TOO_LARGE: ...}), null when it was
     */
    record Outcome(Analysed figures, String error) {}

    /**
     * @param registries the client the check's resolver uses (not closed here)
     * @param progress told about each layer (a display on a terminal, or none)
     */
    CheckContent(RegistryClient registries, ImageAnalyzer.Listener progress) {
        AnalysisLimits limits = AnalysisLimits.defaults();
        BlobSource blobs = new RegistryBlobSource(registries, limits.maxLayers(), false);
        ImageComposer composer =
                new ImageComposer(FindingRules.builtIn(), BaseCatalog.builtIn(), StatusBudget.DEFAULT_BYTES);
        int layersAtOnce = Math.min(4, Runtime.getRuntime().availableProcessors());
        this.analyzer = new ImageAnalyzer(blobs, new LayerIndexCache(256L << 20), limits, composer, layersAtOnce);
        this.progress = progress;
    }

    /** Analyses every platform image measured in {@code assessed} (each once), read with {@code credentials}. */
    void analyseMeasured(List<Assessments.Assessed> assessed, DockerCredentials credentials, Deadline until) {
        for (Assessments.Assessed one : assessed) {
            for (Finding finding : one.findings()) {
                if (finding.size() != null) {
                    ImageRef ref = finding.size().image();
                    analyse(
                            ref.registry(),
                            ref.repository(),
                            credentials.credentialFor(ref).orElse(null),
                            finding.size(),
                            until);
                }
            }
        }
    }

    /** Analyses {@code size} (read from {@code registry}/{@code repository}) unless it was already, by {@code until}. */
    Outcome analyse(String registry, String repository, RegistryCredential credential, ImageSize size, Deadline until) {
        Outcome known = outcomes.get(size.manifestDigest());
        if (known != null) {
            return known;
        }
        ImageAnalyzer.Target target = new ImageAnalyzer.Target(
                new BlobSource.Location(registry, repository, credential),
                size.manifestDigest(),
                size.platform().toString());
        Outcome outcome;
        try {
            outcome = outcome(analyzer.analyze(target, until, progress));
        } catch (LayerProblem problem) {
            outcome = new Outcome(null, problem.kind() + ": " + problem.getMessage());
        }
        outcomes.put(size.manifestDigest(), outcome);
        return outcome;
    }

    /** The figures of the images analysed so far, by manifest digest, as the policy evaluator reads them. */
    AnalysedImages analysed() {
        return digest -> {
            Outcome outcome = outcomes.get(digest);
            return outcome == null ? null : outcome.figures();
        };
    }

    /** What the analysis of the platform image {@code manifestDigest} gave, or null when it was not analysed. */
    Outcome outcome(String manifestDigest) {
        return outcomes.get(manifestDigest);
    }

    /**
     * The figures of a finished analysis exactly as the cluster takes them: the analyzer's result as the analysis
     * worker stores it, projected as every operator replica keeps it for the audit and admission.
     */
    static Outcome outcome(ImageAnalysis analysis) {
        dev.imagesize.api.v1alpha1.ImageAnalysis stored = new dev.imagesize.api.v1alpha1.ImageAnalysis();
        stored.setMetadata(new ObjectMeta());
        stored.setStatus(ImageAnalysisState.of(analysis.status(), null, 1, null, null, null));
        return KnownAnalysis.of(stored)
                .analysed()
                .map(figures -> new Outcome(figures, null))
                .orElseGet(() -> new Outcome(null, incomplete(analysis)));
    }

    /** Why an analysis is not complete, from its conditions: {@code Malformed: layer 0 (sha256:...): ...}. */
    private static String incomplete(ImageAnalysis analysis) {
        if (analysis.status().conditions() == null) {
            return "a layer could not be analysed";
        }
        return analysis.status().conditions().stream()
                .filter(c -> !"True".equals(c.status()))
                .map(c -> c.reason() + ": " + c.message())
                .reduce((a, b) -> a + "; " + b)
                .orElse("a layer could not be analysed");
    }

    @Override
    public void close() {
        analyzer.close();
        if (progress instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // a progress line is all there is to clean up
            }
        }
    }
}
