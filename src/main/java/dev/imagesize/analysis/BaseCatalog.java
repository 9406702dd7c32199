package dev.imagesize.analysis;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Known base images: their layers (to recognise them as a prefix of an image), their sizes per platform, and smaller
 * alternatives. Shipped as {@code base-catalog.yaml}; a file given by the user is searched first.
 */
public final class BaseCatalog {
    private static final String RESOURCE = "/dev/imagesize/analysis/base-catalog.yaml";

    private final String generated;
    private final List<Entry> images;

    /** The catalog file. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Document(String generated, List<Entry> images) {}

    /** One base image. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Entry(
            String ref,
            String family,
            String variant,
            Map<String, PlatformFacts> platforms,
            List<Alternative> alternatives) {
        public Entry {
            platforms = platforms == null ? Map.of() : Map.copyOf(platforms);
            alternatives = alternatives == null ? List.of() : List.copyOf(alternatives);
        }

        public Optional<PlatformFacts> platform(String platform) {
            return Optional.ofNullable(platforms.get(platform));
        }
    }

    /**
     * Facts of one platform image.
     *
     * @param compressed config + layers as the registry states them, if known
     * @param uncompressed Σ layer sizes unpacked, if known
     * @param diffIDs uncompressed layer digests
     * @param layers compressed layer digests
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PlatformFacts(Long compressed, Long uncompressed, List<String> diffIDs, List<String> layers) {
        public PlatformFacts {
            diffIDs = diffIDs == null ? List.of() : List.copyOf(diffIDs);
            layers = layers == null ? List.of() : List.copyOf(layers);
        }
    }

    /** A smaller image to use instead, and what changes for the user. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Alternative(String ref, String caveat) {}

    public BaseCatalog(String generated, List<Entry> images) {
        this.generated = generated;
        this.images = List.copyOf(images);
    }

    public static BaseCatalog builtIn() {
        try (InputStream in = BaseCatalog.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            return parse(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    public static BaseCatalog parse(InputStream yaml) throws IOException {
        Document document = new ObjectMapper(new YAMLFactory()).readValue(yaml, Document.class);
        if (document == null || document.images() == null) {
            throw new IOException("a base catalog needs an images: list");
        }
        for (Entry entry : document.images()) {
            if (entry.ref() == null || entry.ref().isBlank()) {
                throw new IOException("every base catalog entry needs a ref");
            }
        }
        return new BaseCatalog(document.generated(), document.images());
    }

    /** This catalog's entries first, then {@code fallback}'s. */
    public BaseCatalog before(BaseCatalog fallback) {
        List<Entry> all = new ArrayList<>(images);
        all.addAll(fallback.images);
        return new BaseCatalog(generated != null ? generated : fallback.generated, all);
    }

    public List<Entry> images() {
        return images;
    }

    public String generated() {
        return generated;
    }

    /** The entry for a reference, compared in normalized form ({@code python:3.11} = {@code docker.io/library/python:3.11}). */
    public Optional<Entry> find(String ref) {
        String wanted = normalize(ref);
        return images.stream().filter(e -> normalize(e.ref()).equals(wanted)).findFirst();
    }

    static String normalize(String ref) {
        String r = ref.trim();
        int at = r.indexOf('@');
        if (at >= 0) {
            r = r.substring(0, at);
        }
        int slash = r.indexOf('/');
        String first = slash < 0 ? "" : r.substring(0, slash);
        boolean hasRegistry = slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
        if (!hasRegistry) {
            r = "docker.io/" + (slash < 0 ? "library/" + r : r);
        }
        int lastSlash = r.lastIndexOf('/');
        if (r.indexOf(':', lastSlash) < 0) {
            r = r + ":latest";
        }
        return r;
    }
}
