package dev.imagesize.policy;

/** What the content analysis knows of platform images, by manifest digest, as the limits on it need it. */
@FunctionalInterface
public interface AnalysedImages {
    /** No analysis (content analysis off): the limits on it are never checked. */
    AnalysedImages NONE = digest -> null;

    /** The figures of the complete analysis of the platform image {@code manifestDigest}, or null when none is known. */
    Analysed of(String manifestDigest);
}
