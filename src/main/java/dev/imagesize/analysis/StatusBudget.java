package dev.imagesize.analysis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps an {@link ImageAnalysisStatus} within a byte budget (64 KiB, far below etcd's 1.5 MiB request limit): caps the
 * lists at their documented lengths, then shortens texts, then drops list tails, and says what it cut.
 */
public final class StatusBudget {
    public static final int DEFAULT_BYTES = 64 * 1024;
    public static final int MAX_FINDINGS = 25;
    public static final int MAX_TOP_FILES = 20;
    public static final int MAX_SAMPLES = 5;
    public static final int MAX_CREATED_BY = 256;

    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusBudget() {}

    public static int sizeOf(ImageAnalysisStatus status) {
        try {
            return JSON.writeValueAsBytes(status).length;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status does not serialize: " + e.getMessage(), e);
        }
    }

    public static ImageAnalysisStatus fit(ImageAnalysisStatus status, int budget) {
        boolean findingsCut = status.findings() != null && status.findings().size() > MAX_FINDINGS;
        boolean filesCut = status.dive() != null
                && status.dive().topFiles() != null
                && status.dive().topFiles().size() > MAX_TOP_FILES;
        boolean textCut = false;
        List<ImageAnalysisStatus.Finding> findings = status.findings() == null
                ? null
                : new ArrayList<>(status.findings()
                        .subList(0, Math.min(MAX_FINDINGS, status.findings().size())));
        ImageAnalysisStatus.Dive dive = status.dive();
        if (filesCut) {
            dive = withTopFiles(dive, dive.topFiles().subList(0, MAX_TOP_FILES));
        }
        List<ImageAnalysisStatus.LayerInfo> layers = status.layers() == null ? null : new ArrayList<>(status.layers());
        if (findings != null) {
            for (int i = 0; i < findings.size(); i++) {
                ImageAnalysisStatus.Finding f = findings.get(i);
                if (f.samples().size() > MAX_SAMPLES || isLong(f.createdBy()) || isLong(f.removedBy())) {
                    textCut |= isLong(f.createdBy()) || isLong(f.removedBy());
                    findings.set(i, shorten(f, MAX_SAMPLES, MAX_CREATED_BY));
                }
            }
        }
        if (layers != null) {
            for (int i = 0; i < layers.size(); i++) {
                if (isLong(layers.get(i).createdBy())) {
                    textCut = true;
                    layers.set(i, withCreatedBy(layers.get(i), cut(layers.get(i).createdBy(), MAX_CREATED_BY)));
                }
            }
        }
        boolean layersCut = false;
        ImageAnalysisStatus fitted = rebuild(status, dive, findings, layers, findingsCut, layersCut, filesCut, textCut);
        // Still too large: shorten texts further, then drop tails of findings, files and layers.
        int round = 0;
        while (sizeOf(fitted) > budget && round < 200) {
            round++;
            if (findings != null && round == 1) {
                findings.replaceAll(f -> shorten(f, 2, 96));
                layers.replaceAll(l -> withCreatedBy(l, cut(l.createdBy(), 96)));
                textCut = true;
            } else if (findings != null && findings.size() > 5) {
                findings.remove(findings.size() - 1);
                findingsCut = true;
            } else if (dive != null
                    && dive.topFiles() != null
                    && dive.topFiles().size() > 5) {
                dive = withTopFiles(
                        dive, dive.topFiles().subList(0, dive.topFiles().size() - 1));
                filesCut = true;
            } else if (layers != null && layers.size() > 1) {
                layers.remove(layers.size() - 1);
                layersCut = true;
            } else {
                break;
            }
            fitted = rebuild(status, dive, findings, layers, findingsCut, layersCut, filesCut, textCut);
        }
        return fitted;
    }

    private static boolean isLong(String text) {
        return text != null && text.length() > MAX_CREATED_BY;
    }

    private static String cut(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    private static ImageAnalysisStatus.Finding shorten(ImageAnalysisStatus.Finding f, int samples, int text) {
        return new ImageAnalysisStatus.Finding(
                f.id(),
                f.title(),
                f.confidence(),
                f.bytes(),
                f.estimatedPullSavings(),
                f.files(),
                f.layer(),
                cut(f.createdBy(), text),
                f.removedByLayer(),
                cut(f.removedBy(), text),
                f.samples().subList(0, Math.min(samples, f.samples().size())),
                f.fix());
    }

    private static ImageAnalysisStatus.LayerInfo withCreatedBy(ImageAnalysisStatus.LayerInfo l, String createdBy) {
        return new ImageAnalysisStatus.LayerInfo(
                l.index(),
                l.digest(),
                l.diffID(),
                l.mediaType(),
                l.compressedBytes(),
                l.sizeBytes(),
                l.tarBytes(),
                l.files(),
                createdBy,
                l.problem());
    }

    private static ImageAnalysisStatus.Dive withTopFiles(
            ImageAnalysisStatus.Dive d, List<DiveResult.InefficientFile> files) {
        return new ImageAnalysisStatus.Dive(
                d.efficiencyScore(),
                d.inefficientBytes(),
                d.sizeBytes(),
                d.userSizeBytes(),
                d.userWastedPercent(),
                d.reclaimableBytes(),
                d.wouldFail(),
                d.abortedLayers(),
                List.copyOf(files));
    }

    private static ImageAnalysisStatus rebuild(
            ImageAnalysisStatus s,
            ImageAnalysisStatus.Dive dive,
            List<ImageAnalysisStatus.Finding> findings,
            List<ImageAnalysisStatus.LayerInfo> layers,
            boolean findingsCut,
            boolean layersCut,
            boolean filesCut,
            boolean textCut) {
        return new ImageAnalysisStatus(
                s.phase(),
                s.analyzerVersion(),
                s.platform(),
                s.manifestDigest(),
                s.summary(),
                s.sizes(),
                dive,
                s.overlay(),
                s.base(),
                s.advice(),
                findings == null ? null : List.copyOf(findings),
                layers == null ? null : List.copyOf(layers),
                new ImageAnalysisStatus.Truncated(findingsCut, layersCut, filesCut, textCut),
                s.conditions());
    }
}
