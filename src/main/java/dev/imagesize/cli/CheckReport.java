package dev.imagesize.cli;

import dev.imagesize.assessment.Assessments;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Layer;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveError;
import dev.imagesize.policy.Analysed;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Limits.Breach;
import dev.imagesize.policy.Messages;
import dev.imagesize.policy.Replaced;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The verdicts of one {@code imagesize check} run, printed as text for people or JSON for tools. Each line carries
 * the same sentence the webhook and the audit would write for the same image and limits.
 */
final class CheckReport {

    /** The verdict for one image on one platform. */
    enum Status {
        WITHIN,
        OVER,
        UNKNOWN
    }

    /**
     * One line of the report: a measured size with the limits it breaks, or why the size is unknown.
     *
     * @param input the reference as the user typed it
     * @param platform the platform measured, null when the size is unknown
     * @param message the sentence shared with the webhook and the audit (empty when within budget)
     * @param replaced with {@code --max-growth}: the baseline it was compared with (or why not), else null
     * @param note why the growth was not checked, in the webhook's words; empty otherwise
     * @param content with a content limit: the figures of the image's analysis, or why it could not be analysed;
     *     null without one
     */
    record Entry(
            String input,
            Platform platform,
            ImageSize size,
            List<Breach> breaches,
            ResolveError error,
            String message,
            Replaced replaced,
            String note,
            CheckContent.Outcome content) {
        Entry(
                String input,
                Platform platform,
                ImageSize size,
                List<Breach> breaches,
                ResolveError error,
                String message,
                Replaced replaced,
                String note) {
            this(input, platform, size, breaches, error, message, replaced, note, null);
        }

        Status status() {
            if (error != null || contentError() != null) {
                return Status.UNKNOWN;
            }
            return breaches.isEmpty() ? Status.WITHIN : Status.OVER;
        }

        /** Why the content limits could not be checked on a measured image, or null. */
        String contentError() {
            return content == null ? null : content.error();
        }

        String image() {
            return size != null ? size.image().toString() : input;
        }
    }

    private final List<Entry> entries;
    private final List<String> notes;

    CheckReport(List<Entry> entries, List<String> notes) {
        this.entries = List.copyOf(entries);
        this.notes = List.copyOf(notes);
    }

    /** The report of assessed images, one entry per finding. */
    static CheckReport of(List<Assessments.Assessed> assessed) {
        return of(assessed, List.of());
    }

    /** The report of assessed images, with notes about the run (images a baseline file has nothing for). */
    static CheckReport of(List<Assessments.Assessed> assessed, List<String> notes) {
        return of(assessed, notes, null);
    }

    /**
     * The report of assessed images whose limits include content limits: {@code content} tells, by manifest digest,
     * what the analysis of each measured image gave (null for one that was not analysed).
     */
    static CheckReport of(
            List<Assessments.Assessed> assessed, List<String> notes, Function<String, CheckContent.Outcome> content) {
        List<Entry> entries = new ArrayList<>();
        for (Assessments.Assessed one : assessed) {
            for (Finding finding : one.findings()) {
                Entry entry = entry(finding);
                if (content != null && entry.size() != null) {
                    entry = withContent(
                            entry, finding, content.apply(entry.size().manifestDigest()));
                }
                entries.add(entry);
            }
        }
        return new CheckReport(entries, notes);
    }

    /** {@code entry} with its analysis; one that failed (or is missing) makes the content limits unknown. */
    private static Entry withContent(Entry entry, Finding finding, CheckContent.Outcome outcome) {
        if (outcome == null) {
            outcome = new CheckContent.Outcome(
                    null, "NOT_ANALYSED: the image changed while the check ran (its tag moved); run the check again");
        }
        String message = entry.message();
        if (outcome.error() != null) {
            String unknown = contentUnknown(finding, outcome.error());
            message = message.isEmpty() ? unknown : message + "; " + unknown;
        }
        return new Entry(
                entry.input(),
                entry.platform(),
                entry.size(),
                entry.breaches(),
                entry.error(),
                message,
                entry.replaced(),
                entry.note(),
                outcome);
    }

    static Entry entry(Finding finding) {
        String input = finding.container().image();
        String note = finding.growthNotCompared() ? Messages.notCompared(finding) : "";
        return switch (finding.outcome()) {
            case UNKNOWN ->
                new Entry(
                        input,
                        null,
                        null,
                        List.of(),
                        finding.error(),
                        Messages.unknown(finding),
                        finding.replaced(),
                        "");
            case OVER ->
                new Entry(
                        input,
                        finding.size().platform(),
                        finding.size(),
                        finding.breaches(),
                        null,
                        Messages.over(finding),
                        finding.replaced(),
                        note);
            default ->
                new Entry(
                        input,
                        finding.size() == null ? null : finding.size().platform(),
                        finding.size(),
                        List.of(),
                        null,
                        "",
                        finding.replaced(),
                        note);
        };
    }

    List<Entry> entries() {
        return entries;
    }

    int exitCode() {
        if (entries.stream().anyMatch(e -> e.status() == Status.UNKNOWN)) {
            return CheckCommand.EXIT_UNKNOWN;
        }
        return entries.stream().anyMatch(e -> e.status() == Status.OVER)
                ? CheckCommand.EXIT_OVER
                : CheckCommand.EXIT_WITHIN;
    }

    void printText(PrintWriter out, Limits limits) {
        for (Entry entry : entries) {
            String status = String.format("%-7s", entry.status());
            if (entry.error() != null) {
                out.printf("%s %s%n", status, entry.image());
                out.printf("        %s: %s%n", entry.error().kind(), entry.message());
                continue;
            }
            ImageSize size = entry.size();
            out.printf(
                    "%s %s  %s  %s (%d bytes)  %d layers%n",
                    status,
                    entry.image(),
                    entry.platform(),
                    Messages.format(size.compressedSizeBytes(), 1),
                    size.compressedSizeBytes(),
                    size.layers().size());
            out.printf(
                    "        manifest %s%s%n",
                    size.manifestDigest(), size.indexDigest() == null ? "" : "  index " + size.indexDigest());
            Replaced replaced = entry.replaced();
            if (replaced != null && replaced.isCompared()) {
                out.printf(
                        "        replaces \"%s\" (%s%s): %s%s (%s)%n",
                        replaced.image(),
                        replaced.digest() == null ? "" : replaced.digest() + ", ",
                        Messages.format(replaced.sizeBytes(), 1),
                        size.compressedSizeBytes() >= replaced.sizeBytes() ? "+" : "-",
                        Messages.format(Math.abs(size.compressedSizeBytes() - replaced.sizeBytes()), 1),
                        signed(Messages.growthPercent(size.compressedSizeBytes(), replaced.sizeBytes())));
            }
            if (entry.content() != null && entry.content().figures() != null) {
                Analysed figures = entry.content().figures();
                out.printf(
                        "        content: %s uncompressed (%d bytes), efficiency %s, %s hidden by later layers"
                                + " (%d bytes)%n",
                        Messages.format(figures.uncompressedBytes(), 1),
                        figures.uncompressedBytes(),
                        efficiency(figures.efficiency()),
                        Messages.format(figures.wastedBytes(), 1),
                        figures.wastedBytes());
            }
            if (!entry.note().isEmpty()) {
                out.printf("        %s%n", entry.note());
            }
            if (!entry.message().isEmpty()) {
                out.printf("        %s%n", entry.message());
            }
            out.printf("        %-11s %-12s %-20s %s%n", "SIZE", "BYTES", "DIGEST", "MEDIA TYPE");
            for (Layer layer : size.layersLargestFirst()) {
                out.printf(
                        "        %-11s %-12d %-20s %s%n",
                        Messages.format(layer.sizeBytes(), 1),
                        layer.sizeBytes(),
                        Messages.digestPrefix(layer.digest()),
                        layer.mediaType());
            }
            out.printf(
                    "        %-11s %-12d %s%n",
                    Messages.format(size.configSizeBytes(), 1), size.configSizeBytes(), "(config)");
        }
        for (String note : notes) {
            out.printf("note: %s%n", note);
        }
        Map<Status, Long> counts =
                entries.stream().collect(Collectors.groupingBy(Entry::status, Collectors.counting()));
        out.printf(
                "%n%d checked: %d within budget, %d over, %d unknown (limits: %s)%n",
                entries.size(),
                counts.getOrDefault(Status.WITHIN, 0L),
                counts.getOrDefault(Status.OVER, 0L),
                counts.getOrDefault(Status.UNKNOWN, 0L),
                describe(limits));
    }

    Map<String, Object> toJson() {
        List<Map<String, Object>> results = new ArrayList<>();
        for (Entry entry : entries) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("input", entry.input());
            json.put("image", entry.image());
            json.put(
                    "platform",
                    entry.platform() == null ? null : entry.platform().toString());
            json.put("status", entry.status().name().toLowerCase());
            ImageSize size = entry.size();
            if (size != null) {
                json.put("sizeBytes", size.compressedSizeBytes());
                json.put("size", Messages.format(size.compressedSizeBytes(), 1));
                json.put("manifestDigest", size.manifestDigest());
                json.put("indexDigest", size.indexDigest());
                json.put("mediaType", size.mediaType());
                json.put("configSizeBytes", size.configSizeBytes());
                json.put("layerCount", size.layers().size());
                json.put(
                        "layers",
                        size.layers().stream()
                                .map(layer -> Map.of(
                                        "digest",
                                        layer.digest(),
                                        "sizeBytes",
                                        layer.sizeBytes(),
                                        "mediaType",
                                        layer.mediaType()))
                                .toList());
                json.put(
                        "violations",
                        entry.breaches().stream()
                                .map(breach -> {
                                    Map<String, Object> v = new LinkedHashMap<>();
                                    v.put("limit", breach.limit().fieldName());
                                    v.put("actual", breach.actual());
                                    v.put("allowed", breach.allowed());
                                    v.put("excess", breach.excess());
                                    if (breach.layer() != null) {
                                        v.put("layerDigest", breach.layer().digest());
                                    }
                                    return v;
                                })
                                .toList());
            }
            Replaced replaced = entry.replaced();
            if (replaced != null) {
                Map<String, Object> baseline = new LinkedHashMap<>();
                baseline.put("image", replaced.image());
                if (replaced.isCompared()) {
                    baseline.put("digest", replaced.digest());
                    baseline.put("sizeBytes", replaced.sizeBytes());
                    if (size != null) {
                        baseline.put("growthBytes", size.compressedSizeBytes() - replaced.sizeBytes());
                        baseline.put(
                                "growthPercent",
                                Messages.growthPercent(size.compressedSizeBytes(), replaced.sizeBytes()));
                    }
                } else if (replaced.notCompared() != null) {
                    baseline.put("notCompared", replaced.notCompared());
                }
                json.put("baseline", baseline);
            }
            if (entry.content() != null) {
                json.put("content", contentJson(entry.content()));
            }
            if (!entry.note().isEmpty()) {
                json.put("note", entry.note());
            }
            if (entry.error() != null) {
                json.put(
                        "error",
                        Map.of(
                                "kind",
                                entry.error().kind().name(),
                                "message",
                                entry.error().message()));
            }
            if (!entry.message().isEmpty()) {
                json.put("message", entry.message());
            }
            results.add(json);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("results", results);
        if (!notes.isEmpty()) {
            root.put("notes", notes);
        }
        root.put("exitCode", exitCode());
        return root;
    }

    /**
     * Why the content limits of an image are unknown: {@code image "reg/app:1" (sha256:..., linux/amd64): content not
     * analysed (UNCOMPRESSED_TOO_LARGE: ...), so the maxWastedBytes of imagesize check --max-wasted 20Mi is not checked}.
     */
    static String contentUnknown(Finding finding, String why) {
        Limits limits = finding.limits();
        List<String> names = new ArrayList<>();
        if (limits.maxUncompressedSizeBytes() != null) {
            names.add("maxUncompressedSize");
        }
        if (limits.minEfficiency() != null) {
            names.add("minEfficiency");
        }
        if (limits.maxWastedBytes() != null) {
            names.add("maxWastedBytes");
        }
        String image = finding.container().image();
        return "image \"" + image + "\" (" + finding.size().manifestDigest() + ", "
                + finding.size().platform()
                + "): content not analysed (" + why + "), so the " + String.join(" and ", names) + " of "
                + finding.rule().displayName() + (names.size() == 1 ? " is" : " are") + " not checked";
    }

    /** An efficiency as a percentage with one decimal, rounded down as the limits compare it: {@code 68.7%}. */
    static String efficiency(double share) {
        return BigDecimal.valueOf(share)
                        .multiply(BigDecimal.valueOf(100))
                        .setScale(1, RoundingMode.DOWN)
                        .toPlainString()
                + "%";
    }

    /** The figures the content limits check, as the cluster's ImageAnalysis status names them, or why none. */
    private static Map<String, Object> contentJson(CheckContent.Outcome outcome) {
        Map<String, Object> json = new LinkedHashMap<>();
        Analysed figures = outcome.figures();
        if (figures != null) {
            json.put("uncompressedBytes", figures.uncompressedBytes());
            json.put("uncompressedSize", Messages.format(figures.uncompressedBytes(), 1));
            json.put("efficiency", figures.efficiency());
            json.put("wastedBytes", figures.wastedBytes());
            json.put("wasted", Messages.format(figures.wastedBytes(), 1));
        }
        if (outcome.error() != null) {
            json.put("error", outcome.error());
        }
        return json;
    }

    private static String describe(Limits limits) {
        List<String> parts = new ArrayList<>();
        if (limits.maxImageSizeBytes() != null) {
            parts.add("--max " + Messages.format(limits.maxImageSizeBytes(), 1));
        }
        if (limits.maxLayerSizeBytes() != null) {
            parts.add("--max-layer-size " + Messages.format(limits.maxLayerSizeBytes(), 1));
        }
        if (limits.maxLayers() != null) {
            parts.add("--max-layers " + limits.maxLayers());
        }
        if (limits.maxGrowth() != null) {
            List<String> growth = new ArrayList<>();
            if (limits.maxGrowth().percent() != null) {
                growth.add(limits.maxGrowth().percentText());
            }
            if (limits.maxGrowth().bytes() != null) {
                growth.add(Messages.format(limits.maxGrowth().bytes(), 1));
            }
            parts.add("--max-growth " + String.join(", ", growth));
        }
        if (limits.maxUncompressedSizeBytes() != null) {
            parts.add("--max-uncompressed " + Messages.format(limits.maxUncompressedSizeBytes(), 1));
        }
        if (limits.minEfficiency() != null) {
            parts.add("--min-efficiency " + limits.minEfficiency());
        }
        if (limits.maxWastedBytes() != null) {
            parts.add("--max-wasted " + Messages.format(limits.maxWastedBytes(), 1));
        }
        return String.join(", ", parts);
    }

    /** {@code +40.0%} for a growth, {@code -12.5%} for a shrink. */
    private static String signed(String percent) {
        return percent.startsWith("-") || percent.equals("n/a") ? percent : "+" + percent;
    }
}
