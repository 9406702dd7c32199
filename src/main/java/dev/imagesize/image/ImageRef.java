package dev.imagesize.image;

/**
 * A normalized container image reference, as container runtimes read it: {@code nginx} is
 * {@code docker.io/library/nginx:latest}; when both a tag and a digest are given, the digest wins.
 *
 * @param registry the registry host, with port when given ({@code docker.io}, {@code localhost:5000})
 * @param repository the repository path ({@code library/nginx})
 * @param tag the tag, or null when the reference names only a digest
 * @param digest the digest ({@code sha256:...}), or null
 */
public record ImageRef(String registry, String repository, String tag, String digest) {

    /** Parses and normalizes a reference; throws {@link InvalidImageReferenceException} naming what is wrong. */
    public static ImageRef parse(String reference) {
        throw new UnsupportedOperationException("TODO(helper-image)");
    }

    /** The tag or digest to ask the registry for: the digest when there is one. */
    public String qualifier() {
        return digest != null ? digest : tag;
    }

    /** The normalized reference, e.g. {@code docker.io/library/nginx:latest} or {@code host:5000/a/b@sha256:...}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(registry).append('/').append(repository);
        if (tag != null) s.append(':').append(tag);
        if (digest != null) s.append('@').append(digest);
        return s.toString();
    }
}
