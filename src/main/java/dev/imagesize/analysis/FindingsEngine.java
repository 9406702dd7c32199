package dev.imagesize.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns the overlay result into named findings: every visible file and every hidden chunk counts for the first rule
 * that matches it, grouped by rule and by the layers that added (and removed) the bytes, ranked by the download a
 * fix saves.
 */
public final class FindingsEngine {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Integer> CONFIDENCE_RANK = Map.of("certain", 0, "likely", 1, "info", 2);

    private final FindingRules rules;

    public FindingsEngine(FindingRules rules) {
        this.rules = rules;
    }

    private record Key(int rule, int layer, int removedBy) {}

    private static final class Bucket {
        long bytes;
        final List<Sample> samples = new ArrayList<>();
    }

    private record Sample(String path, long bytes) {}

    public List<ImageAnalysisStatus.Finding> evaluate(
            OverlayResult overlay, List<LayerFacts> layers, Map<String, String> capturedFiles) {
        return evaluate(overlay, layers, capturedFiles, Map.of());
    }

    /**
     * @param capturedFiles small files read whole, by path (the last layer's copy)
     * @param capturedLayers for each captured path, the last layer that wrote it
     */
    public List<ImageAnalysisStatus.Finding> evaluate(
            OverlayResult overlay,
            List<LayerFacts> layers,
            Map<String, String> capturedFiles,
            Map<String, Integer> capturedLayers) {
        List<FindingRule> all = rules.rules();
        List<String> devPrefixes = devDependencyPrefixes(capturedFiles, overlay);
        Map<Key, Bucket> buckets = new LinkedHashMap<>();

        for (VisibleFile file : overlay.visible()) {
            for (int r = 0; r < all.size(); r++) {
                FindingRule rule = all.get(r);
                if (!rule.visible() || file.bytes() < rule.minFileBytes()) {
                    continue;
                }
                if (rule.copyLayersOnly() && !layer(layers, file.layer()).isCopyStep()) {
                    continue;
                }
                boolean matches =
                        switch (rule.kind()) {
                            case "paths" -> rules.pathMatches(r, file.path());
                            case "node-dev-deps" -> devPrefixes.stream().anyMatch(file.path()::startsWith);
                            default -> false;
                        };
                if (matches) {
                    add(buckets, new Key(r, file.layer(), -1), file.path(), file.bytes());
                    break;
                }
            }
        }

        for (HiddenChunk chunk : overlay.hidden()) {
            int chosen = -1;
            for (int r = 0; r < all.size() && chosen < 0; r++) {
                FindingRule rule = all.get(r);
                if (chunk.bytes() < rule.minFileBytes()) {
                    continue;
                }
                boolean matches =
                        switch (rule.kind()) {
                            case "paths" -> rule.hidden() && rules.pathMatches(r, chunk.path());
                            case "same-content" -> chunk.cause() == HiddenCause.SAME_CONTENT_REWRITTEN;
                            case "hidden" -> true;
                            default -> false;
                        };
                if (matches) {
                    chosen = r;
                }
            }
            if (chosen >= 0) {
                add(
                        buckets,
                        new Key(chosen, chunk.addedByLayer(), chunk.removedByLayer()),
                        chunk.path(),
                        chunk.bytes());
            }
        }

        for (int r = 0; r < all.size(); r++) {
            if (all.get(r).kind().equals("duplicates")) {
                addDuplicates(buckets, r, all.get(r), overlay.visible());
            }
            if (all.get(r).kind().equals("apt-recommends")
                    && capturedFiles.containsKey(AptRecommends.DPKG_STATUS)
                    && capturedFiles.containsKey(AptRecommends.EXTENDED_STATES)) {
                int layer = capturedLayers.getOrDefault(AptRecommends.EXTENDED_STATES, 0);
                for (AptRecommends.Package pkg : AptRecommends.find(
                        capturedFiles.get(AptRecommends.DPKG_STATUS),
                        capturedFiles.get(AptRecommends.EXTENDED_STATES))) {
                    add(buckets, new Key(r, layer, -1), pkg.name(), pkg.bytes());
                }
            }
        }

        List<ImageAnalysisStatus.Finding> findings = new ArrayList<>();
        for (Map.Entry<Key, Bucket> entry : buckets.entrySet()) {
            Key key = entry.getKey();
            Bucket bucket = entry.getValue();
            if (bucket.bytes <= 0) {
                continue;
            }
            FindingRule rule = all.get(key.rule());
            LayerFacts added = layer(layers, key.layer());
            LayerFacts removed = key.removedBy() < 0 ? null : layer(layers, key.removedBy());
            bucket.samples.sort(
                    Comparator.comparingLong(Sample::bytes).reversed().thenComparing(Sample::path));
            findings.add(new ImageAnalysisStatus.Finding(
                    rule.id(),
                    rule.title(),
                    rule.confidence(),
                    bucket.bytes,
                    Math.round(bucket.bytes * added.compressionRatio()),
                    bucket.samples.size(),
                    key.layer(),
                    added.createdBy(),
                    removed == null ? null : key.removedBy(),
                    removed == null ? null : removed.createdBy(),
                    bucket.samples.stream()
                            .limit(StatusBudget.MAX_SAMPLES)
                            .map(Sample::path)
                            .toList(),
                    fillIn(rule.fix(), added, removed)));
        }
        findings.sort(Comparator.comparingLong(ImageAnalysisStatus.Finding::estimatedPullSavings)
                .reversed()
                .thenComparing(Comparator.comparingLong(ImageAnalysisStatus.Finding::bytes)
                        .reversed())
                .thenComparing(f -> CONFIDENCE_RANK.get(f.confidence()))
                .thenComparing(ImageAnalysisStatus.Finding::id)
                .thenComparing(ImageAnalysisStatus.Finding::layer));
        return findings;
    }

    private static void add(Map<Key, Bucket> buckets, Key key, String path, long bytes) {
        Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket());
        bucket.bytes += bytes;
        bucket.samples.add(new Sample(path, bytes));
    }

    /** Identical content (size and CRC32C) at several paths: every copy after the first counts. */
    private static void addDuplicates(Map<Key, Bucket> buckets, int r, FindingRule rule, List<VisibleFile> visible) {
        Map<String, List<VisibleFile>> groups = new HashMap<>();
        for (VisibleFile file : visible) {
            if (file.bytes() >= Math.max(1, rule.minFileBytes())) {
                groups.computeIfAbsent(file.bytes() + ":" + file.crc32c(), k -> new ArrayList<>())
                        .add(file);
            }
        }
        for (List<VisibleFile> group : groups.values()) {
            for (int i = 1; i < group.size(); i++) {
                VisibleFile copy = group.get(i);
                add(buckets, new Key(r, copy.layer(), -1), copy.path(), copy.bytes());
            }
        }
    }

    /**
     * npm's hidden lockfile ({@code node_modules/.package-lock.json}) marks devDependencies with {@code "dev": true};
     * their directories are the paths of the {@code node-dev-deps} finding.
     */
    private static List<String> devDependencyPrefixes(Map<String, String> captured, OverlayResult overlay) {
        List<String> prefixes = new ArrayList<>();
        for (Map.Entry<String, String> lockfile : captured.entrySet()) {
            if (!lockfile.getKey().endsWith("/node_modules/.package-lock.json")) {
                continue;
            }
            String root = lockfile.getKey()
                    .substring(
                            0, lockfile.getKey().length() - ".package-lock.json".length() - "node_modules/".length());
            try {
                JsonNode packages = JSON.readTree(lockfile.getValue()).path("packages");
                packages.fields().forEachRemaining(e -> {
                    if (e.getValue().path("dev").asBoolean(false) && e.getKey().startsWith("node_modules/")) {
                        prefixes.add(root + e.getKey() + "/");
                    }
                });
            } catch (IOException e) {
                // an unreadable lockfile gives no finding, never a failure
            }
        }
        return prefixes;
    }

    private static LayerFacts layer(List<LayerFacts> layers, int index) {
        return index >= 0 && index < layers.size() ? layers.get(index) : new LayerFacts(index, "", 0, 0);
    }

    private static String fillIn(String fix, LayerFacts added, LayerFacts removed) {
        String text =
                fix.replace("{step}", quote(added.createdBy())).replace("{layer}", Integer.toString(added.index()));
        if (removed != null) {
            text = text.replace("{removedStep}", quote(removed.createdBy()))
                    .replace("{removedLayer}", Integer.toString(removed.index()));
        } else {
            text = text.replace("{removedStep}", "the later step").replace("{removedLayer}", "?");
        }
        return text;
    }

    /** A step as people read it in a Dockerfile: without the shell prefix, shortened, in backquotes. */
    static String quote(String createdBy) {
        String step = Objects.toString(createdBy, "").trim();
        if (step.startsWith("/bin/sh -c #(nop) ")) {
            step = step.substring("/bin/sh -c #(nop) ".length()).trim();
        } else if (step.startsWith("/bin/sh -c ")) {
            step = "RUN " + step.substring("/bin/sh -c ".length()).trim();
        }
        if (step.endsWith(" # buildkit")) {
            step = step.substring(0, step.length() - " # buildkit".length());
        }
        if (step.isEmpty()) {
            return "(no history)";
        }
        if (step.length() > 60) {
            step = step.substring(0, 57) + "...";
        }
        return "`" + step + "`";
    }
}
