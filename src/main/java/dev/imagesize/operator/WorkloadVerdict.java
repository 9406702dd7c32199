package dev.imagesize.operator;

import dev.imagesize.assessment.SizeHistory;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Messages;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The audit's verdict on one workload over every policy that governs it, and the {@code imagesize.dev/*}
 * annotations that carry it. Annotations change only when the verdict does, so writing them causes no watch loop;
 * their text is at most 1 KiB and carries no number that changes between passes. The size history
 * ({@link SizeHistory#ANNOTATION}) changes only when a container runs a new image, and is bounded on its own.
 *
 * @param history the size history's annotation text; empty for none
 */
public record WorkloadVerdict(
        String verdict, String largestImage, Long largestImageBytes, int violations, String summary, String history) {
    public static final String PREFIX = "imagesize.dev/";
    public static final String VERDICT = PREFIX + "verdict";
    public static final String LARGEST_IMAGE = PREFIX + "largest-image";
    public static final String LARGEST_IMAGE_BYTES = PREFIX + "largest-image-bytes";
    public static final String VIOLATIONS = PREFIX + "violations";
    public static final String CHECKED_AT = PREFIX + "checked-at";

    public static final String COMPLIANT = "Compliant";
    public static final String VIOLATION = "Violation";
    public static final String UNKNOWN = "Unknown";

    public static WorkloadVerdict of(List<Finding> findings) {
        List<Finding> over = findings.stream()
                .filter(f -> f.outcome() == Finding.Outcome.OVER)
                .sorted(Comparator.comparingLong(Finding::excessBytes).reversed())
                .toList();
        boolean unknown = findings.stream().anyMatch(f -> f.outcome() == Finding.Outcome.UNKNOWN);
        Optional<Finding> largest = findings.stream()
                .filter(f -> f.size() != null)
                .max(Comparator.comparingLong(f -> f.size().compressedSizeBytes()));
        String verdict = !over.isEmpty() ? VIOLATION : unknown ? UNKNOWN : COMPLIANT;
        String summary;
        if (!over.isEmpty()) {
            summary = Messages.over(over.get(0)) + (over.size() > 1 ? " (and " + (over.size() - 1) + " more)" : "");
        } else if (unknown) {
            summary = findings.stream()
                    .filter(f -> f.outcome() == Finding.Outcome.UNKNOWN)
                    .findFirst()
                    .map(Messages::unknown)
                    .orElse("");
        } else {
            summary = "";
        }
        return new WorkloadVerdict(
                verdict,
                largest.map(f -> Messages.bounded(
                                f.container().image() + " "
                                        + Messages.format(f.size().compressedSizeBytes(), 1) + " ("
                                        + f.size().platform() + ")",
                                PersistedText.MAX_LENGTH))
                        .orElse(null),
                largest.map(f -> f.size().compressedSizeBytes()).orElse(null),
                over.size(),
                PersistedText.stable(summary),
                "");
    }

    /** This verdict with the workload's size history ({@link SizeHistory#text()}). */
    public WorkloadVerdict withHistory(String historyText) {
        return new WorkloadVerdict(verdict, largestImage, largestImageBytes, violations, summary, historyText);
    }

    /** The annotations for this verdict, stamped with when it was reached. */
    public Map<String, String> annotations(Instant checkedAt) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(VERDICT, verdict);
        if (largestImage != null) {
            annotations.put(LARGEST_IMAGE, largestImage);
            annotations.put(LARGEST_IMAGE_BYTES, Long.toString(largestImageBytes));
        }
        if (!summary.isEmpty()) {
            annotations.put(VIOLATIONS, summary);
        }
        if (history != null && !history.isEmpty()) {
            annotations.put(SizeHistory.ANNOTATION, history);
        }
        annotations.put(CHECKED_AT, checkedAt.toString());
        return annotations;
    }

    /** Whether {@code current} annotations already say this (ignoring when it was checked). */
    public boolean isWrittenIn(Map<String, String> current) {
        Map<String, String> wanted = annotations(Instant.EPOCH);
        wanted.remove(CHECKED_AT);
        Map<String, String> ours = new LinkedHashMap<>();
        if (current != null) {
            current.forEach((key, value) -> {
                if (key.startsWith(PREFIX) && !key.equals(CHECKED_AT)) {
                    ours.put(key, value);
                }
            });
        }
        return ours.equals(wanted);
    }
}
