package dev.imagesize.cli;

import dev.imagesize.image.ByteSize;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Layer;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Limits.Breach;
import dev.imagesize.policy.Messages;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The verdicts of one {@code imagesize check} run, printed as text for people or JSON for tools. */
final class CheckReport {

    /** The verdict for one image on one platform. */
    enum Status {
        WITHIN,
        OVER,
        ERROR
    }

    /**
     * One line of the report: either a measured size with the limits it breaks, or an error.
     *
     * @param input the reference as the user typed it
     * @param image the normalized reference
     * @param platform the platform measured (or missing), null when the lookup failed as a whole
     */
    record Entry(
            String input, String image, Platform platform, ImageSize size, List<Breach> breaches, ResolveError error) {
        Status status() {
            if (error != null) {
                return Status.ERROR;
            }
            return breaches.isEmpty() ? Status.WITHIN : Status.OVER;
        }
    }

    private final List<Entry> entries;

    CheckReport(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    static List<Entry> entries(String input, ResolveResult result, Limits limits) {
        List<Entry> entries = new ArrayList<>();
        if (result instanceof ResolveResult.Failed failed) {
            entries.add(new Entry(input, failed.image().toString(), null, null, List.of(), failed.error()));
            return entries;
        }
        ResolveResult.Sized sized = (ResolveResult.Sized) result;
        for (ImageSize size : sized.sizes()) {
            entries.add(new Entry(input, sized.image().toString(), size.platform(), size, limits.check(size), null));
        }
        for (Platform missing : sized.missingPlatforms()) {
            String available =
                    sized.availablePlatforms().stream().map(Platform::toString).collect(Collectors.joining(", "));
            entries.add(new Entry(
                    input,
                    sized.image().toString(),
                    missing,
                    null,
                    List.of(),
                    new ResolveError(
                            ResolveError.Kind.PLATFORM_MISSING,
                            sized.image() + " has no " + missing + " image (it has: " + available + ")")));
        }
        return entries;
    }

    int exitCode() {
        if (entries.stream().anyMatch(e -> e.status() == Status.ERROR)) {
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
                out.printf("%s %s%s%n", status, entry.image(), entry.platform() == null ? "" : "  " + entry.platform());
                out.printf(
                        "        %s: %s%n", entry.error().kind(), entry.error().message());
                continue;
            }
            ImageSize size = entry.size();
            out.printf(
                    "%s %s  %s  %s (%d bytes)  %d layers%n",
                    status,
                    entry.image(),
                    entry.platform(),
                    ByteSize.format(size.compressedSizeBytes()),
                    size.compressedSizeBytes(),
                    size.layers().size());
            out.printf(
                    "        manifest %s%s%n",
                    size.manifestDigest(), size.indexDigest() == null ? "" : "  index " + size.indexDigest());
            for (Breach breach : entry.breaches()) {
                out.printf("        %s%n", describe(breach));
            }
            out.printf("        %-11s %-12s %-20s %s%n", "SIZE", "BYTES", "DIGEST", "MEDIA TYPE");
            for (Layer layer : size.layersLargestFirst()) {
                out.printf(
                        "        %-11s %-12d %-20s %s%n",
                        ByteSize.format(layer.sizeBytes()),
                        layer.sizeBytes(),
                        Messages.digestPrefix(layer.digest()),
                        layer.mediaType());
            }
            out.printf(
                    "        %-11s %-12d %s%n",
                    ByteSize.format(size.configSizeBytes()), size.configSizeBytes(), "(config)");
        }
        Map<Status, Long> counts =
                entries.stream().collect(Collectors.groupingBy(Entry::status, Collectors.counting()));
        out.printf(
                "%n%d checked: %d within budget, %d over, %d unknown (limits: %s)%n",
                entries.size(),
                counts.getOrDefault(Status.WITHIN, 0L),
                counts.getOrDefault(Status.OVER, 0L),
                counts.getOrDefault(Status.ERROR, 0L),
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
                json.put("size", ByteSize.format(size.compressedSizeBytes()));
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
            if (entry.error() != null) {
                json.put(
                        "error",
                        Map.of(
                                "kind",
                                entry.error().kind().name(),
                                "message",
                                entry.error().message()));
            }
            results.add(json);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("results", results);
        root.put("exitCode", exitCode());
        return root;
    }

    private static String describe(Breach breach) {
        return switch (breach.limit()) {
            case MAX_IMAGE_SIZE ->
                "image size " + ByteSize.format(breach.actual()) + " is over --max " + ByteSize.format(breach.allowed())
                        + " by " + ByteSize.format(breach.excess());
            case MAX_LAYER_SIZE ->
                "layer " + Messages.digestPrefix(breach.layer().digest()) + " of " + ByteSize.format(breach.actual())
                        + " is over --max-layer-size " + ByteSize.format(breach.allowed());
            case MAX_LAYERS -> breach.actual() + " layers is over --max-layers " + breach.allowed();
        };
    }

    private static String describe(Limits limits) {
        List<String> parts = new ArrayList<>();
        if (limits.maxImageSizeBytes() != null) {
            parts.add("--max " + ByteSize.format(limits.maxImageSizeBytes()));
        }
        if (limits.maxLayerSizeBytes() != null) {
            parts.add("--max-layer-size " + ByteSize.format(limits.maxLayerSizeBytes()));
        }
        if (limits.maxLayers() != null) {
            parts.add("--max-layers " + limits.maxLayers());
        }
        return String.join(", ", parts);
    }
}
