package dev.imagesize.content;

import dev.imagesize.analysis.ImageAnalysisStatus;
import dev.imagesize.api.v1alpha1.AnalysisPhase;
import dev.imagesize.api.v1alpha1.AnalysisRequester;
import dev.imagesize.api.v1alpha1.AnalysisSource;
import dev.imagesize.api.v1alpha1.ImageAnalysis;
import dev.imagesize.api.v1alpha1.ImageAnalysisState;
import dev.imagesize.policy.Analysed;
import dev.imagesize.policy.Messages;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What every operator replica keeps of one ImageAnalysis (a few hundred bytes, never the object itself): where it is,
 * the figures policies check, and the few hints an admission message shows.
 *
 * @param name the object's name
 * @param resourceVersion the object version this was read from
 * @param phase where the analysis is (PENDING while no analyzer has looked at it)
 * @param message why it failed or waits
 * @param uncompressedBytes the layers' file sizes (docker history), when complete
 * @param efficiency visible over shipped bytes (overlay), when complete
 * @param wastedBytes bytes shipped but hidden by later layers (overlay), when complete
 * @param hints the top findings (at most three) and the best base advice, largest pull saving first
 * @param sources where the image is read from (so the audit adds a namespace only once)
 * @param referencedAt when a running workload last referenced it, or null
 * @param platform the platform of the image, os/arch[/variant]
 * @param requestedBy who asked for it (admission misses are analysed first)
 * @param attempts analyses tried so far
 * @param nextAttemptAt when a failed analysis may be tried again, or null (never)
 * @param createdAt when the object was created, or null
 * @param ttl how long it is kept unreferenced ({@link #TTL} annotation), or null for the operator's default
 * @param analyzer the analyzer that claimed (Analyzing) or produced it, or null
 * @param claimedUntil while Analyzing: when the analyzer's claim expires unless renewed, or null (no claim recorded)
 */
public record KnownAnalysis(
        String name,
        String digest,
        String resourceVersion,
        AnalysisPhase phase,
        String message,
        Long uncompressedBytes,
        Double efficiency,
        Long wastedBytes,
        List<Hint> hints,
        List<AnalysisSource> sources,
        Instant referencedAt,
        String platform,
        AnalysisRequester requestedBy,
        int attempts,
        Instant nextAttemptAt,
        Instant createdAt,
        Duration ttl,
        String analyzer,
        Instant claimedUntil) {

    /** Annotation: when a running workload last referenced the analysis (RFC 3339); the sweeper reads it. */
    public static final String REFERENCED_AT = "imagesize.dev/last-referenced-at";
    /** Annotation: how long an unreferenced analysis is kept (a Kubernetes-style duration such as 168h). */
    public static final String TTL = "imagesize.dev/ttl";

    static final int MAX_FINDING_HINTS = 3;
    static final int MAX_HINT_LENGTH = 300;

    public KnownAnalysis {
        hints = List.copyOf(hints);
        sources = List.copyOf(sources);
    }

    public boolean complete() {
        return phase == AnalysisPhase.COMPLETE;
    }

    /** The figures the limits on the content analysis check, when the analysis is complete. */
    public Optional<Analysed> analysed() {
        return complete() && uncompressedBytes != null && efficiency != null && wastedBytes != null
                ? Optional.of(new Analysed(uncompressedBytes, efficiency, wastedBytes))
                : Optional.empty();
    }

    /** The projection of {@code analysis}. */
    public static KnownAnalysis of(ImageAnalysis analysis) {
        ImageAnalysisState state = analysis.getStatus();
        AnalysisPhase phase = state == null || state.phase() == null ? AnalysisPhase.PENDING : state.phase();
        boolean complete = phase == AnalysisPhase.COMPLETE && state.sizes() != null && state.overlay() != null;
        Map<String, String> annotations = analysis.getMetadata().getAnnotations();
        return new KnownAnalysis(
                analysis.getMetadata().getName(),
                analysis.getSpec() == null ? null : analysis.getSpec().digest(),
                analysis.getMetadata().getResourceVersion(),
                complete || phase != AnalysisPhase.COMPLETE ? phase : AnalysisPhase.FAILED,
                state == null ? null : Messages.bounded(state.message(), MAX_HINT_LENGTH),
                complete ? state.sizes().uncompressedBytes() : null,
                complete ? state.overlay().efficiency() : null,
                complete ? state.overlay().hiddenBytes() : null,
                complete ? hints(state) : List.of(),
                analysis.getSpec() == null ? List.of() : analysis.getSpec().sources(),
                annotations == null ? null : instant(annotations.get(REFERENCED_AT)),
                analysis.getSpec() == null ? null : analysis.getSpec().platform(),
                analysis.getSpec() == null ? null : analysis.getSpec().requestedBy(),
                state == null || state.attempts() == null ? 0 : state.attempts(),
                state == null ? null : instant(state.nextAttemptAt()),
                instant(analysis.getMetadata().getCreationTimestamp()),
                annotations == null ? null : duration(annotations.get(TTL)),
                state == null ? null : state.analyzer(),
                state == null ? null : instant(state.claimedUntil()));
    }

    /** The top findings and the best advice, each in one line, largest pull saving first. */
    static List<Hint> hints(ImageAnalysisState state) {
        List<Hint> hints = new ArrayList<>();
        if (state.findings() != null) {
            state.findings().stream()
                    .sorted(Comparator.comparingLong(ImageAnalysisStatus.Finding::estimatedPullSavings)
                            .reversed())
                    .limit(MAX_FINDING_HINTS)
                    .forEach(f -> hints.add(new Hint(Hint.Kind.FINDING, finding(f), f.estimatedPullSavings())));
        }
        if (state.advice() != null) {
            state.advice().stream()
                    .filter(a -> a.savesCompressedBytes() != null)
                    .max(Comparator.comparingLong(ImageAnalysisStatus.Advice::savesCompressedBytes))
                    .ifPresent(a -> hints.add(new Hint(Hint.Kind.BASE_IMAGE, advice(a), a.savesCompressedBytes())));
        }
        hints.sort(Comparator.comparingLong(Hint::pullSavings).reversed());
        return hints;
    }

    /** {@code apt package lists left in the image, layer 1 (RUN apt-get update ...): add rm -rf ... (saves ~1.2 MiB)}. */
    static String finding(ImageAnalysisStatus.Finding f) {
        String step = f.createdBy() == null || f.createdBy().isBlank()
                ? ""
                : " (" + Messages.bounded(f.createdBy().strip(), 80) + ")";
        String removed = f.removedBy() == null
                ? ""
                : ", hidden by layer " + f.removedByLayer() + " ("
                        + Messages.bounded(f.removedBy().strip(), 60) + ")";
        return Messages.bounded(
                f.title() + ", " + Messages.format(f.bytes(), 1) + " in layer " + f.layer() + step + removed + ": "
                        + f.fix() + " (saves ~" + Messages.format(f.estimatedPullSavings(), 1) + " to pull)",
                MAX_HINT_LENGTH);
    }

    static String advice(ImageAnalysisStatus.Advice a) {
        String text = a.text() != null && !a.text().isBlank()
                ? a.text()
                : "base " + a.replace() + ": " + a.with() + " is smaller";
        return Messages.bounded(
                "base image: " + text + " (saves ~" + Messages.format(a.savesCompressedBytes(), 1) + " to pull)",
                MAX_HINT_LENGTH);
    }

    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("^([0-9]{1,9})(h|m|s)$");

    /** {@code 168h}, {@code 90m} or {@code 30s}; null when absent or not of that form. */
    static Duration duration(String text) {
        if (text == null) {
            return null;
        }
        java.util.regex.Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            return null;
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "h" -> Duration.ofHours(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofSeconds(amount);
        };
    }

    private static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
