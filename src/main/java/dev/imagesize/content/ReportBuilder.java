package dev.imagesize.content;

import dev.imagesize.analysis.ImageAnalysisStatus;
import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.api.v1alpha1.ContainerReport;
import dev.imagesize.api.v1alpha1.ImageAnalysis;
import dev.imagesize.api.v1alpha1.ImageAnalysisState;
import dev.imagesize.api.v1alpha1.ImageReport;
import dev.imagesize.api.v1alpha1.PolicyVerdict;
import dev.imagesize.api.v1alpha1.ReportFinding;
import dev.imagesize.api.v1alpha1.ReportSummary;
import dev.imagesize.api.v1alpha1.WorkloadReport;
import dev.imagesize.image.ImageSize;
import dev.imagesize.policy.Container;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Messages;
import dev.imagesize.workload.Workload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Builds the body of a workload's ImageSizeReport from the audit's findings and the analyses of the images they
 * measured (pure: the analyses are handed in). Only what the workload's namespace may see is copied.
 */
public final class ReportBuilder {

    private ReportBuilder() {}

    /** One image of a container, as the report tells it, with the saving of its top finding. */
    private record Built(Container container, ImageReport image, long topSaving, String topFinding) {}

    /**
     * @param analyses the ImageAnalysis of a platform digest, when one exists
     */
    public static WorkloadReport build(
            Workload workload, List<Finding> findings, Function<String, Optional<ImageAnalysis>> analyses) {
        List<ContainerReport> containers = new ArrayList<>();
        List<Built> built = new ArrayList<>();
        Map<String, Long> savingsByDigest = new LinkedHashMap<>();
        boolean truncated = workload.containers().size() > WorkloadReport.MAX_CONTAINERS;
        for (Container container : workload.containers().stream()
                .limit(WorkloadReport.MAX_CONTAINERS)
                .toList()) {
            List<Finding> own = findings.stream()
                    .filter(f -> f.container().equals(container))
                    .toList();
            Map<String, ImageSize> sizes = new LinkedHashMap<>();
            own.stream()
                    .map(Finding::size)
                    .filter(s -> s != null)
                    .forEach(s -> sizes.putIfAbsent(s.manifestDigest(), s));
            truncated |= sizes.size() > ContainerReport.MAX_IMAGES;
            List<ImageReport> images = new ArrayList<>();
            for (ImageSize size :
                    sizes.values().stream().limit(ContainerReport.MAX_IMAGES).toList()) {
                ImageReport image = image(size, analyses.apply(size.manifestDigest()));
                images.add(image);
                long saving = image.findings().stream()
                        .mapToLong(f -> f.estimatedPullSavings() == null ? 0 : f.estimatedPullSavings())
                        .sum();
                savingsByDigest.put(size.manifestDigest(), saving);
                built.add(new Built(container, image, topSaving(image), topFinding(image)));
            }
            List<PolicyVerdict> verdicts = own.stream()
                    .limit(ContainerReport.MAX_VERDICTS)
                    .map(ReportBuilder::verdict)
                    .toList();
            truncated |= own.size() > ContainerReport.MAX_VERDICTS;
            containers.add(new ContainerReport(
                    container.name(),
                    container.type().label(),
                    Messages.bounded(container.image(), 600),
                    images,
                    verdicts));
        }
        ReportSummary summary = built.stream()
                .max(Comparator.comparingLong(Built::topSaving))
                .map(ReportBuilder::summary)
                .orElse(null);
        long savings =
                savingsByDigest.values().stream().mapToLong(Long::longValue).sum();
        return new WorkloadReport(
                workload.kind(), workload.name(), summary, savings, containers, truncated ? Boolean.TRUE : null);
    }

    static ImageReport image(ImageSize size, Optional<ImageAnalysis> found) {
        String digest = size.manifestDigest();
        String name = ImageAnalysis.nameFor(digest);
        ImageAnalysisState state = found.map(ImageAnalysis::getStatus).orElse(null);
        if (found.isEmpty() || state == null || state.phase() != AnalysisPhase.COMPLETE || state.sizes() == null) {
            AnalysisPhase phase = state == null || state.phase() == null ? AnalysisPhase.PENDING : state.phase();
            return ImageReport.waiting(
                    size.platform().toString(),
                    digest,
                    name,
                    phase,
                    state == null ? null : Messages.bounded(state.message(), 1000),
                    size.compressedSizeBytes());
        }
        List<ReportFinding> findings = state.findings() == null
                ? List.of()
                : state.findings().stream()
                        .sorted(Comparator.comparingLong(ImageAnalysisStatus.Finding::estimatedPullSavings)
                                .reversed())
                        .limit(ImageReport.MAX_FINDINGS)
                        .map(f -> new ReportFinding(
                                f.id(),
                                Messages.bounded(f.title(), 256),
                                f.bytes(),
                                f.estimatedPullSavings(),
                                f.layer(),
                                f.createdBy() == null ? null : Messages.bounded(f.createdBy(), 256),
                                Messages.bounded(f.fix(), 512)))
                        .toList();
        List<String> advice = state.advice() == null
                ? List.of()
                : state.advice().stream()
                        .limit(2)
                        .map(a -> Messages.bounded(KnownAnalysis.advice(a), 512))
                        .toList();
        return new ImageReport(
                size.platform().toString(),
                digest,
                name,
                AnalysisPhase.COMPLETE,
                null,
                state.sizes().compressedBytes(),
                state.sizes().uncompressedBytes(),
                state.overlay() == null ? null : state.overlay().efficiency(),
                state.overlay() == null ? null : state.overlay().hiddenBytes(),
                state.dive() == null ? null : state.dive().efficiencyScore(),
                state.dive() == null ? null : state.dive().inefficientBytes(),
                state.base() == null ? null : Messages.bounded(state.base().name(), 512),
                advice,
                findings);
    }

    private static long topSaving(ImageReport image) {
        return image.findings().isEmpty() || image.findings().get(0).estimatedPullSavings() == null
                ? -1
                : image.findings().get(0).estimatedPullSavings();
    }

    private static String topFinding(ImageReport image) {
        if (image.phase() != AnalysisPhase.COMPLETE) {
            return "analysis " + image.phase().apiName();
        }
        if (image.findings().isEmpty()) {
            return "none";
        }
        ReportFinding top = image.findings().get(0);
        return Messages.bounded(
                top.id() + " in layer " + top.layer() + " (saves ~" + Messages.format(top.estimatedPullSavings(), 1)
                        + ")",
                256);
    }

    private static ReportSummary summary(Built built) {
        ImageReport image = built.image();
        boolean complete = image.phase() == AnalysisPhase.COMPLETE;
        return new ReportSummary(
                Messages.bounded(
                        built.container().name() + "=" + built.container().image(), 600),
                complete
                        ? Messages.format(image.uncompressedBytes(), 1)
                        : Messages.format(image.compressedBytes(), 1) + " compressed",
                built.topFinding(),
                image.wastedBytes() == null ? null : Messages.format(image.wastedBytes(), 1),
                image.efficiency() == null ? null : String.format(Locale.ROOT, "%.1f%%", image.efficiency() * 100));
    }

    private static PolicyVerdict verdict(Finding finding) {
        String message =
                switch (finding.outcome()) {
                    case OVER -> Messages.over(finding);
                    case UNKNOWN -> Messages.unknown(finding);
                    default -> null;
                };
        return new PolicyVerdict(
                Messages.bounded(finding.rule().displayName(), 300),
                Messages.capitalized(finding.outcome().name()),
                message == null ? null : Messages.bounded(message, 1024));
    }
}
