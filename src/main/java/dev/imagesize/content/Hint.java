package dev.imagesize.content;

/**
 * One thing to do about an image, in one line, with the compressed bytes nodes would no longer pull: a named finding
 * with its fix, or a smaller base image.
 */
public record Hint(Kind kind, String text, long pullSavings) {

    /** What the hint is about. */
    public enum Kind {
        FINDING,
        BASE_IMAGE
    }
}
