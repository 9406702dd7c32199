package dev.imagesize.analysis;

import dev.imagesize.image.ByteSize;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Names the base image, most trusted signal first: OCI base annotations (manifest or config labels), then the longest
 * catalog image whose layers are a prefix of this image's, then {@code /etc/os-release} (low confidence). Advice
 * compares the base with its catalog alternatives, compressed with compressed and uncompressed with uncompressed.
 */
public final class BaseDetector {
    static final String BASE_NAME = "org.opencontainers.image.base.name";
    static final String BASE_DIGEST = "org.opencontainers.image.base.digest";

    private final BaseCatalog catalog;

    public BaseDetector(BaseCatalog catalog) {
        this.catalog = catalog;
    }

    /** A detected base: the status block, and its catalog entry when there is one (for advice). */
    public record Detection(ImageAnalysisStatus.Base base, BaseCatalog.Entry entry) {}

    public Optional<Detection> detect(
            String platform,
            Map<String, String> annotations,
            Map<String, String> labels,
            List<String> diffIds,
            List<String> layerDigests,
            Map<String, String> osRelease) {
        return detect(platform, annotations, labels, diffIds, layerDigests, osRelease, List.of(), path -> false);
    }

    /**
     * As above, with the config's environment and a test for paths present in the image, for the
     * docker-library heuristic ({@code PYTHON_VERSION=3.11.9} and a compiler present: the full {@code python:3.11}).
     */
    public Optional<Detection> detect(
            String platform,
            Map<String, String> annotations,
            Map<String, String> labels,
            List<String> diffIds,
            List<String> layerDigests,
            Map<String, String> osRelease,
            List<String> env,
            java.util.function.Predicate<String> pathPresent) {
        List<Match> matches = layerMatches(platform, diffIds, layerDigests);
        String annotated = annotations.getOrDefault(BASE_NAME, labels.get(BASE_NAME));
        String annotatedDigest = annotations.getOrDefault(BASE_DIGEST, labels.get(BASE_DIGEST));
        if (annotated != null && !annotated.isBlank()) {
            Optional<BaseCatalog.Entry> entry = catalog.find(annotated);
            Integer layers = entry.flatMap(
                            e -> matches.stream().filter(m -> m.entry == e).findFirst())
                    .map(m -> m.layers)
                    .orElse(null);
            return Optional.of(new Detection(
                    new ImageAnalysisStatus.Base(
                            annotated,
                            annotatedDigest,
                            layers,
                            "Annotation",
                            "high",
                            ancestry(matches, entry.orElse(null)),
                            null,
                            null),
                    entry.orElse(null)));
        }
        if (!matches.isEmpty()) {
            Match best = matches.get(0);
            return Optional.of(new Detection(
                    new ImageAnalysisStatus.Base(
                            best.entry.ref(),
                            null,
                            best.layers,
                            "LayerMatch",
                            "high",
                            ancestry(matches, best.entry),
                            null,
                            null),
                    best.entry));
        }
        Optional<Detection> fromEnv = fromEnvironment(platform, env, pathPresent);
        if (fromEnv.isPresent()) {
            return fromEnv;
        }
        if (osRelease.containsKey("ID")) {
            String name = osRelease.get("ID")
                    + (osRelease.containsKey("VERSION_ID") ? ":" + osRelease.get("VERSION_ID") : "");
            return Optional.of(new Detection(
                    new ImageAnalysisStatus.Base(name, null, null, "Heuristic", "low", List.of(), null, null), null));
        }
        return Optional.empty();
    }

    private record Match(BaseCatalog.Entry entry, int layers) {}

    /** docker-library images announce themselves in ENV; the variant shows in the files (a compiler, javac). */
    private record Family(String variable, String family, String fullVariant, String signature) {}

    private static final List<Family> FAMILIES = List.of(
            new Family("PYTHON_VERSION", "python", "full", "/usr/lib/gcc/"),
            new Family("NODE_VERSION", "node", "full", "/usr/lib/gcc/"),
            new Family("JAVA_VERSION", "eclipse-temurin", "jdk", "/opt/java/openjdk/bin/javac"));

    private Optional<Detection> fromEnvironment(
            String platform, List<String> env, java.util.function.Predicate<String> pathPresent) {
        for (Family family : FAMILIES) {
            String version = env.stream()
                    .filter(e -> e.startsWith(family.variable() + "="))
                    .map(e -> e.substring(family.variable().length() + 1))
                    .findFirst()
                    .orElse(null);
            if (version == null) {
                continue;
            }
            boolean full = pathPresent.test(family.signature());
            String digits = version.replaceAll("^[^0-9]*", "");
            for (BaseCatalog.Entry entry : catalog.images()) {
                String tag = entry.ref().substring(entry.ref().lastIndexOf(':') + 1);
                String tagVersion = tag.split("-")[0];
                boolean sameVersion =
                        !tagVersion.isEmpty() && (digits.equals(tagVersion) || digits.startsWith(tagVersion + "."));
                if (family.family().equals(entry.family())
                        && sameVersion
                        && full == family.fullVariant().equals(entry.variant())
                        && entry.platform(platform).isPresent()) {
                    return Optional.of(new Detection(
                            new ImageAnalysisStatus.Base(
                                    entry.ref(), null, null, "Heuristic", "low", List.of(), null, null),
                            entry));
                }
            }
        }
        return Optional.empty();
    }

    /** Catalog images whose whole layer list is a prefix of this image's, longest first. */
    private List<Match> layerMatches(String platform, List<String> diffIds, List<String> layerDigests) {
        List<Match> matches = new ArrayList<>();
        for (BaseCatalog.Entry entry : catalog.images()) {
            entry.platform(platform).ifPresent(facts -> {
                int n = prefix(facts.diffIDs(), diffIds);
                if (n == 0) {
                    n = prefix(facts.layers(), layerDigests);
                }
                if (n > 0) {
                    matches.add(new Match(entry, n));
                }
            });
        }
        matches.sort(Comparator.comparingInt(Match::layers).reversed());
        return matches;
    }

    private static int prefix(List<String> base, List<String> image) {
        if (base.isEmpty() || base.size() > image.size()) {
            return 0;
        }
        for (int i = 0; i < base.size(); i++) {
            if (!base.get(i).equals(image.get(i))) {
                return 0;
            }
        }
        return base.size();
    }

    private static List<String> ancestry(List<Match> matches, BaseCatalog.Entry chosen) {
        return matches.stream()
                .filter(m -> m.entry != chosen)
                .map(m -> m.entry.ref())
                .toList();
    }

    /** Smaller alternatives of the detected base, largest saving first. */
    public List<ImageAnalysisStatus.Advice> advise(Detection detection, String platform) {
        if (detection.entry() == null) {
            return List.of();
        }
        BaseCatalog.PlatformFacts base = detection.entry().platform(platform).orElse(null);
        if (base == null) {
            return List.of();
        }
        List<ImageAnalysisStatus.Advice> advice = new ArrayList<>();
        for (BaseCatalog.Alternative alternative : detection.entry().alternatives()) {
            BaseCatalog.PlatformFacts alt = catalog.find(alternative.ref())
                    .flatMap(e -> e.platform(platform))
                    .orElse(null);
            if (alt == null) {
                continue;
            }
            Long savesCompressed = difference(base.compressed(), alt.compressed());
            Long savesUncompressed = difference(base.uncompressed(), alt.uncompressed());
            if ((savesCompressed == null || savesCompressed <= 0)
                    && (savesUncompressed == null || savesUncompressed <= 0)) {
                continue;
            }
            advice.add(new ImageAnalysisStatus.Advice(
                    shortRef(detection.entry().ref()),
                    shortRef(alternative.ref()),
                    base.compressed(),
                    alt.compressed(),
                    savesCompressed,
                    base.uncompressed(),
                    alt.uncompressed(),
                    savesUncompressed,
                    alternative.caveat(),
                    text(
                            shortRef(detection.entry().ref()),
                            shortRef(alternative.ref()),
                            base,
                            alt,
                            alternative.caveat())));
        }
        advice.sort(Comparator.comparing((ImageAnalysisStatus.Advice a) ->
                        a.savesCompressedBytes() == null ? 0 : a.savesCompressedBytes())
                .reversed());
        return advice;
    }

    private static Long difference(Long a, Long b) {
        return a == null || b == null ? null : a - b;
    }

    /** "python:3.11, 390.2 MiB compressed (1.0 GiB uncompressed); python:3.11-slim is 43.4 MiB compressed (...)". */
    private static String text(
            String base, String with, BaseCatalog.PlatformFacts b, BaseCatalog.PlatformFacts a, String caveat) {
        StringBuilder text =
                new StringBuilder(base).append(", ").append(sizes(b)).append("; ");
        text.append(with).append(" is ").append(sizes(a));
        if (caveat != null && !caveat.isBlank()) {
            text.append(" (").append(caveat).append(')');
        }
        return text.toString();
    }

    private static String sizes(BaseCatalog.PlatformFacts facts) {
        List<String> parts = new ArrayList<>();
        if (facts.compressed() != null) {
            parts.add(ByteSize.format(facts.compressed()) + " compressed");
        }
        if (facts.uncompressed() != null) {
            parts.add(ByteSize.format(facts.uncompressed()) + " uncompressed");
        }
        return parts.isEmpty() ? "size unknown" : String.join(", ", parts);
    }

    static String shortRef(String ref) {
        String r = ref;
        if (r.startsWith("docker.io/library/")) {
            r = r.substring("docker.io/library/".length());
        } else if (r.startsWith("docker.io/")) {
            r = r.substring("docker.io/".length());
        }
        return r;
    }

    /** {@code KEY=value} lines of an os-release file, quotes removed. */
    public static Map<String, String> parseOsRelease(String text) {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        if (text == null) {
            return values;
        }
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#")) {
                String value = line.substring(eq + 1).trim();
                if (value.length() >= 2 && (value.startsWith("\"") || value.startsWith("'"))) {
                    value = value.substring(1, value.length() - 1);
                }
                values.put(line.substring(0, eq).trim(), value);
            }
        }
        return values;
    }
}
