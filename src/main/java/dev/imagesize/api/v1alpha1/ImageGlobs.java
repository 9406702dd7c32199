package dev.imagesize.api.v1alpha1;

/** The bounds and the CEL rule shared by every list of image globs, so each list says the same thing. */
final class ImageGlobs {
    private ImageGlobs() {}

    /** Longest glob accepted: an image reference is at most a 253-character host plus path, tag and digest. */
    static final int MAX_LENGTH = 512;

    private static final String REGEX = "'^[A-Za-z0-9._:/@*?-]+$'";

    static final String RULE = "self.all(g, g.matches(" + REGEX + "))";

    static final String MESSAGE = "image globs must be non-empty and use only the characters of an image reference"
            + " (letters, digits, . _ - : / @) and the wildcards * and ?, without spaces";

    /** The message plus the first glob that broke it, so a long list needs no search. */
    static final String MESSAGE_EXPRESSION =
            "'" + MESSAGE + "; not valid: \"' + self.filter(g, !g.matches(" + REGEX + "))[0] + '\"'";

    static final String DESCRIPTION_SUFFIX = " Each glob is matched against the image as written in the pod spec and"
            + " against its normalized form (docker.io/library/nginx:latest for nginx): * matches any run of"
            + " characters including /, ? matches one character.";
}
