package dev.imagesize.api.v1alpha1;

/** The bounds and the CEL rules shared by every list of image globs, so each list says the same thing. */
final class ImageGlobs {
    private ImageGlobs() {}

    /** Longest glob accepted: an image reference is at most a 253-character host plus path, tag and digest. */
    static final int MAX_LENGTH = 512;

    /** Most {@code *} in one glob. Matching is linear in any case; this keeps every review's glob work small. */
    static final int MAX_STARS = 8;

    private static final String REGEX = "'^[A-Za-z0-9._:/@*?-]+$'";

    static final String RULE = "self.all(g, g.matches(" + REGEX + "))";

    static final String MESSAGE = "image globs must be non-empty and use only the characters of an image reference"
            + " (letters, digits, . _ - : / @) and the wildcards * and ?, without spaces";

    /** The message plus the first glob that broke it, so a long list needs no search. */
    static final String MESSAGE_EXPRESSION =
            "'" + MESSAGE + "; not valid: \"' + self.filter(g, !g.matches(" + REGEX + "))[0] + '\"'";

    private static final String STARS_REGEX = "'^[^*]*([*][^*]*){0," + MAX_STARS + "}$'";

    static final String STARS_RULE = "self.all(g, g.matches(" + STARS_REGEX + "))";

    static final String STARS_MESSAGE = "an image glob may contain at most " + MAX_STARS + " wildcards *";

    static final String STARS_MESSAGE_EXPRESSION =
            "'" + STARS_MESSAGE + "; too many: \"' + self.filter(g, !g.matches(" + STARS_REGEX + "))[0] + '\"'";

    static final String DESCRIPTION_SUFFIX = " Each glob is matched against the image's normalized reference"
            + " (docker.io/library/nginx:1.27 for nginx:1.27), never against the image as written: * matches any run"
            + " of characters including /, ? matches one character, and a glob has at most " + MAX_STARS + " *."
            + " A glob is read as runtimes read an image name: when its first /-separated component is not a"
            + " registry host (it has no . or : and is not localhost), it names a Docker Hub image, so nginx* means"
            + " docker.io/library/nginx* and never matches nginx.example.com/...; the operator lists such globs as"
            + " warnings. To match images on every registry on purpose, start the glob with a wildcard:"
            + " */acme/app:* or *.dkr.ecr.*.amazonaws.com/*.";
}
