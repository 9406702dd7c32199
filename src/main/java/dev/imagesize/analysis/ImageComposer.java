package dev.imagesize.analysis;

import dev.imagesize.image.ByteSize;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Composes an image's analysis from its facts and its layer indexes, in memory and without I/O: dive's figures, the
 * overlay figures, named findings, base image and advice, per-layer sizes, all in the bounded status shape.
 */
public final class ImageComposer {
    private final FindingsEngine findings;
    private final BaseDetector bases;
    private final int budgetBytes;

    public ImageComposer(FindingRules rules, BaseCatalog catalog, int budgetBytes) {
        this.findings = new FindingsEngine(rules);
        this.bases = new BaseDetector(catalog);
        this.budgetBytes = budgetBytes;
    }

    /**
     * @param indexes one per layer in manifest order; null where the layer could not be analysed
     * @param problems for each null index, why (same positions)
     */
    public ImageAnalysis compose(ImageFacts facts, List<LayerIndex> indexes, List<LayerProblem> problems) {
        List<String> steps = facts.config().layerSteps();
        List<LayerFacts> layerFacts = new ArrayList<>();
        List<ImageAnalysisStatus.LayerInfo> layerInfos = new ArrayList<>();
        boolean complete = true;
        long uncompressed = 0;
        long tar = 0;
        List<ImageAnalysisStatus.Condition> conditions = new ArrayList<>();
        for (int i = 0; i < facts.layers().size(); i++) {
            ImageFacts.Descriptor descriptor = facts.layers().get(i);
            LayerIndex index = indexes.get(i);
            String step = i < steps.size() ? steps.get(i) : "";
            String diffId = i < facts.config().diffIds().size()
                    ? facts.config().diffIds().get(i)
                    : null;
            LayerProblem problem = index == null ? problems.get(i) : null;
            if (index == null) {
                complete = false;
                conditions.add(new ImageAnalysisStatus.Condition(
                        "LayerAnalysed",
                        "False",
                        problem == null ? "Unknown" : camel(problem.kind().name()),
                        "layer " + i + " (" + descriptor.digest() + "): "
                                + (problem == null ? "not analysed" : problem.getMessage())));
            } else {
                uncompressed += index.diveSizeBytes();
                tar += index.tarBytes();
            }
            layerFacts.add(new LayerFacts(i, step, descriptor.size(), index == null ? 0 : index.tarBytes()));
            layerInfos.add(new ImageAnalysisStatus.LayerInfo(
                    i,
                    descriptor.digest(),
                    diffId,
                    descriptor.mediaType(),
                    descriptor.size(),
                    index == null ? null : index.diveSizeBytes(),
                    index == null ? null : index.tarBytes(),
                    index == null ? null : index.entries().size(),
                    step,
                    problem == null ? null : problem.getMessage()));
        }

        Map<String, String> captured = new HashMap<>();
        Map<String, Integer> capturedLayers = new HashMap<>();
        for (int i = 0; i < indexes.size(); i++) {
            LayerIndex index = indexes.get(i);
            if (index != null) {
                captured.putAll(index.capturedFiles());
                for (String path : index.capturedFiles().keySet()) {
                    capturedLayers.put(path, i);
                }
            }
        }
        Map<String, String> osRelease = BaseDetector.parseOsRelease(
                captured.getOrDefault("/etc/os-release", captured.get("/usr/lib/os-release")));
        var detection = bases.detect(
                facts.platform(),
                facts.annotations(),
                facts.config().labels(),
                facts.config().diffIds(),
                facts.layers().stream().map(ImageFacts.Descriptor::digest).toList(),
                osRelease,
                facts.config().env(),
                path -> anyEntryUnder(indexes, path));
        ImageAnalysisStatus.Base base =
                detection.map(d -> withShares(d.base(), facts, indexes)).orElse(null);
        List<ImageAnalysisStatus.Advice> advice =
                detection.map(d -> bases.advise(d, facts.platform())).orElse(List.of());

        DiveResult dive = null;
        ImageAnalysisStatus.Dive diveBlock = null;
        ImageAnalysisStatus.Overlay overlayBlock = null;
        List<ImageAnalysisStatus.Finding> found = null;
        Long visible = null;
        Long hidden = null;
        if (complete) {
            dive = DiveComposer.compose(indexes);
            diveBlock = new ImageAnalysisStatus.Dive(
                    dive.efficiencyScore(),
                    dive.inefficientBytes(),
                    dive.sizeBytes(),
                    dive.userSizeBytes(),
                    finite(dive.userWastedPercent()),
                    dive.reclaimableBytes(),
                    dive.wouldFail(),
                    dive.abortedLayers().isEmpty() ? null : dive.abortedLayers(),
                    dive.inefficientFiles());
            OverlayResult overlay = OverlayComposer.compose(indexes);
            int baseLayers = base != null && base.layers() != null ? base.layers() : 1;
            long appSize = 0;
            for (int i = Math.min(baseLayers, indexes.size()); i < indexes.size(); i++) {
                appSize += indexes.get(i).diveSizeBytes();
            }
            overlayBlock = new ImageAnalysisStatus.Overlay(
                    overlay.shippedBytes(),
                    overlay.visibleBytes(),
                    overlay.hiddenBytes(),
                    overlay.efficiency(),
                    appSize == 0 ? null : (double) overlay.hiddenBytes() / appSize,
                    overlay.hiddenByCause().get(HiddenCause.DELETED_BY_WHITEOUT),
                    overlay.hiddenByCause().get(HiddenCause.HIDDEN_BY_OPAQUE_DIRECTORY),
                    overlay.hiddenByCause().get(HiddenCause.OVERWRITTEN),
                    overlay.hiddenByCause().get(HiddenCause.SAME_CONTENT_REWRITTEN));
            found = findings.evaluate(overlay, layerFacts, captured, capturedLayers);
            visible = overlay.visibleBytes();
            hidden = overlay.hiddenBytes();
        }
        String platform = facts.platform();
        ImageAnalysisStatus.Summary summary = new ImageAnalysisStatus.Summary(
                complete ? ByteSize.format(uncompressed) : ByteSize.format(facts.compressedBytes()) + " compressed",
                diveBlock == null ? "" : String.format(Locale.ROOT, "%.1f%%", diveBlock.efficiencyScore() * 100),
                diveBlock == null ? "" : ByteSize.format(diveBlock.inefficientBytes()),
                base == null ? "" : BaseDetector.shortRef(base.name()),
                platform);
        if (complete) {
            conditions.add(
                    0, new ImageAnalysisStatus.Condition("Complete", "True", "Analysed", "every layer analysed"));
        }
        ImageAnalysisStatus status = new ImageAnalysisStatus(
                complete ? "Complete" : "Failed",
                ImageAnalysisStatus.ANALYZER_VERSION,
                platform,
                facts.manifestDigest(),
                summary,
                new ImageAnalysisStatus.Sizes(facts.compressedBytes(), uncompressed, tar, visible, hidden),
                diveBlock,
                overlayBlock,
                base,
                advice.isEmpty() ? null : advice,
                found,
                layerInfos,
                null,
                conditions);
        return new ImageAnalysis(StatusBudget.fit(status, budgetBytes), dive, layerFacts);
    }

    private static ImageAnalysisStatus.Base withShares(
            ImageAnalysisStatus.Base base, ImageFacts facts, List<LayerIndex> indexes) {
        if (base.layers() == null || base.layers() <= 0) {
            return base;
        }
        int k = Math.min(base.layers(), facts.layers().size());
        long compressedBase = 0;
        long compressedAll = 0;
        long sizeBase = 0;
        long sizeAll = 0;
        boolean sizesKnown = indexes.stream().allMatch(java.util.Objects::nonNull);
        for (int i = 0; i < facts.layers().size(); i++) {
            long c = facts.layers().get(i).size();
            compressedAll += c;
            long s = sizesKnown ? indexes.get(i).diveSizeBytes() : 0;
            sizeAll += s;
            if (i < k) {
                compressedBase += c;
                sizeBase += s;
            }
        }
        return new ImageAnalysisStatus.Base(
                base.name(),
                base.digest(),
                base.layers(),
                base.method(),
                base.confidence(),
                base.ancestry(),
                compressedAll == 0 ? null : (double) compressedBase / compressedAll,
                !sizesKnown || sizeAll == 0 ? null : (double) sizeBase / sizeAll);
    }

    /** Whether any layer has an entry at or below {@code rootedPath} (a signature of a toolchain, say). */
    private static boolean anyEntryUnder(List<LayerIndex> indexes, String rootedPath) {
        for (LayerIndex index : indexes) {
            if (index == null) {
                continue;
            }
            for (LayerEntry entry : index.entries()) {
                if (!entry.isWhiteoutFamily() && entry.rootedPath().startsWith(rootedPath)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static String camel(String kind) {
        StringBuilder out = new StringBuilder();
        for (String part : kind.toLowerCase(Locale.ROOT).split("_")) {
            out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return out.toString();
    }
}
