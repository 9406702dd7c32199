package dev.imagesize.content;

import dev.imagesize.image.ImageSize;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Messages;
import dev.imagesize.workload.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The admission notes of the content analysis: for an image whose analysis is complete, one line of figures and the
 * hints to fix first (largest pull saving first, base advice among them); otherwise where its analysis is, and an
 * image never seen before is remembered as an admission miss (not for dry runs).
 */
public final class ContentNotes implements AdmissionContent {
    /** Hints shown under a finding: enough to act on, few enough to read in a kubectl error. */
    static final int MAX_HINTS = 3;

    private final AnalysisIndex index;
    private final AdmissionMisses misses;

    public ContentNotes(AnalysisIndex index, AdmissionMisses misses) {
        this.index = index;
        this.misses = misses;
    }

    @Override
    public List<String> notesFor(Finding finding, Workload workload, boolean dryRun) {
        ImageSize size = finding.size();
        if (size == null) {
            return List.of();
        }
        Optional<KnownAnalysis> known = index.byDigest(size.manifestDigest());
        if (known.isEmpty()) {
            if (!dryRun) {
                remember(finding, workload);
            }
            return List.of("content analysis: queued; the next attempt names what to fix first (or run: imagesize"
                    + " analyze " + Messages.bounded(finding.container().image(), 200) + ")");
        }
        misses.forget(size.manifestDigest());
        return lines(known.get());
    }

    @Override
    public boolean queueUnchecked(Finding finding, Workload workload, boolean dryRun) {
        if (finding.size() == null
                || finding.limits() == null
                || !finding.limits().hasContentLimits()) {
            return false;
        }
        Optional<KnownAnalysis> known = index.byDigest(finding.size().manifestDigest());
        if (known.isEmpty() && !dryRun) {
            remember(finding, workload);
        }
        return known.isEmpty() || !known.get().complete();
    }

    private void remember(Finding finding, Workload workload) {
        ImageSize size = finding.size();
        misses.record(new AdmissionMisses.Miss(
                size.manifestDigest(),
                size.platform().toString(),
                size.image().registry(),
                size.image().repository(),
                workload.namespace(),
                workload.serviceAccountName(),
                workload.imagePullSecrets(),
                finding.container().image()));
    }

    /** The notes for an analysis as it is. */
    static List<String> lines(KnownAnalysis known) {
        return switch (known.phase()) {
            case COMPLETE -> complete(known);
            case FAILED ->
                List.of("content analysis failed: "
                        + (known.message() == null ? "see its ImageAnalysis " + known.name() : known.message()));
            default ->
                List.of("content analysis: " + known.phase().apiName().toLowerCase(Locale.ROOT)
                        + "; the next attempt names what to fix first");
        };
    }

    /** The base advice (when there is one) and the top findings, at most {@link #MAX_HINTS}, largest saving first. */
    static List<Hint> shown(List<Hint> hints) {
        List<Hint> bases = hints.stream()
                .filter(h -> h.kind() == Hint.Kind.BASE_IMAGE)
                .limit(1)
                .toList();
        List<Hint> shown = new ArrayList<>(bases);
        hints.stream()
                .filter(h -> h.kind() == Hint.Kind.FINDING)
                .limit(MAX_HINTS - bases.size())
                .forEach(shown::add);
        shown.sort(java.util.Comparator.comparingLong(Hint::pullSavings).reversed());
        return shown;
    }

    private static List<String> complete(KnownAnalysis known) {
        List<String> lines = new ArrayList<>();
        lines.add("content analysis: " + Messages.format(known.uncompressedBytes(), 1) + " uncompressed, "
                + String.format(Locale.ROOT, "%.1f%%", known.efficiency() * 100) + " efficient, "
                + Messages.format(known.wastedBytes(), 1) + " hidden by later layers"
                + (known.hints().isEmpty() ? "; nothing to fix found" : "; fix first:"));
        lines.addAll(
                shown(known.hints()).stream().map(hint -> "- " + hint.text()).toList());
        return lines;
    }
}
