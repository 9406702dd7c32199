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

    public static final String DOCKER_HUB = "docker.io";

    private static final int MAX_NAME_LENGTH = 255;
    private static final java.util.regex.Pattern COMPONENT =
            java.util.regex.Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final java.util.regex.Pattern TAG = java.util.regex.Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final java.util.regex.Pattern HOST = java.util.regex.Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:.]+\\])"
                    + "(?::[0-9]+)?");
    private static final java.util.regex.Pattern SHA256 = java.util.regex.Pattern.compile("[a-f0-9]{64}");
    private static final java.util.regex.Pattern SHA512 = java.util.regex.Pattern.compile("[a-f0-9]{128}");

    /** Parses and normalizes a reference; throws {@link InvalidImageReferenceException} naming what is wrong. */
    public static ImageRef parse(String reference) {
        if (reference == null || reference.isEmpty()) {
            throw invalid(reference, "the reference is empty");
        }
        if (!reference.equals(reference.strip()) || reference.chars().anyMatch(Character::isWhitespace)) {
            throw invalid(reference, "it contains whitespace");
        }
        String rest = reference;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            checkDigest(reference, digest);
        }
        String tag = null;
        int lastSlash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > lastSlash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(
                        reference,
                        "invalid tag \"" + tag + "\" (letters, digits, _ . - only, at most 128, not"
                                + " starting with . or -)");
            }
        }
        if (rest.isEmpty()) {
            throw invalid(reference, "the repository name is empty");
        }
        if (rest.length() > MAX_NAME_LENGTH) {
            throw invalid(reference, "the name is longer than " + MAX_NAME_LENGTH + " characters");
        }
        String registry = DOCKER_HUB;
        String repository = rest;
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".")
                    || first.contains(":")
                    || first.equals("localhost")
                    || !first.equals(first.toLowerCase())) {
                if (!HOST.matcher(first).matches()) {
                    throw invalid(reference, "invalid registry host \"" + first + "\"");
                }
                registry = first;
                repository = rest.substring(slash + 1);
            }
        }
        if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
            registry = DOCKER_HUB;
        }
        if (repository.isEmpty()) {
            throw invalid(reference, "the repository name is empty");
        }
        for (String component : repository.split("/", -1)) {
            if (component.isEmpty()) {
                throw invalid(reference, "the repository has an empty path component");
            }
            if (!component.equals(component.toLowerCase())) {
                throw invalid(reference, "repository name must be lowercase (\"" + component + "\")");
            }
            if (!COMPONENT.matcher(component).matches()) {
                throw invalid(
                        reference,
                        "invalid repository path component \"" + component + "\" (lowercase letters,"
                                + " digits and single separators . _ __ - only)");
            }
        }
        if (registry.equals(DOCKER_HUB) && !repository.contains("/")) {
            repository = "library/" + repository;
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageRef(registry, repository, tag, digest);
    }

    private static void checkDigest(String reference, String digest) {
        int colon = digest.indexOf(':');
        if (colon < 0) {
            throw invalid(reference, "digest \"" + digest + "\" has no algorithm (expected sha256:<64 hex digits>)");
        }
        String algorithm = digest.substring(0, colon);
        String hex = digest.substring(colon + 1);
        switch (algorithm) {
            case "sha256" -> {
                if (!SHA256.matcher(hex).matches()) {
                    throw invalid(
                            reference,
                            "sha256 digest must be 64 lowercase hex digits, got " + hex.length() + " characters");
                }
            }
            case "sha512" -> {
                if (!SHA512.matcher(hex).matches()) {
                    throw invalid(reference, "sha512 digest must be 128 lowercase hex digits");
                }
            }
            default ->
                throw invalid(reference, "unsupported digest algorithm \"" + algorithm + "\" (sha256 or sha512)");
        }
    }

    private static InvalidImageReferenceException invalid(String reference, String why) {
        return new InvalidImageReferenceException(
                "invalid image reference \"" + (reference == null ? "" : reference) + "\": " + why);
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
