package dev.imagesize.policy;

import dev.imagesize.image.ImageRef;
import java.util.ArrayList;
import java.util.List;

/**
 * An image pattern from a policy ({@code registry.k8s.io/*}, {@code ghcr.io/acme/ml-*}): {@code *} matches any run of
 * characters including {@code /}, {@code ?} one character. It is matched against the <em>normalized</em> reference
 * only ({@code docker.io/library/nginx:1.27} for {@code nginx:1.27}), never against the image as written, so the host
 * of an image is always the host its pull goes to.
 *
 * <p>The glob is read the way container runtimes read an image name: its first {@code /}-separated component is a
 * registry host when it contains {@code .} or {@code :} or is {@code localhost}; otherwise the glob names no host and
 * stands for Docker Hub ({@code nginx*} is {@code docker.io/library/nginx*}, {@code acme/*} is
 * {@code docker.io/acme/*}), so {@code nginx*} never matches {@code nginx.attacker.example/huge:1}. A glob that
 * starts with a wildcard ({@code *} or {@code ?}) matches any registry on purpose: {@code *}{@code /acme/app:*}, or
 * {@code *.dkr.ecr.*.amazonaws.com/*}.
 *
 * <p>Matching is a two-pointer wildcard match that only ever backtracks to the last {@code *}: at most
 * {@code pattern length × subject length} steps, whatever the pattern, so no glob can stall a webhook worker.
 */
public final class ImageGlob {

    private static final String DOCKER_HUB = ImageRef.DOCKER_HUB;
    private static final String LEGACY_DOCKER_HUB = "index.docker.io";
    private static final String OFFICIAL_REPOSITORY_PREFIX = "library/";

    private final String pattern;
    private final String normalized;

    private ImageGlob(String pattern) {
        this.pattern = pattern;
        this.normalized = normalize(pattern);
    }

    /** Reads a glob as a policy writes it. */
    public static ImageGlob of(String pattern) {
        return new ImageGlob(pattern);
    }

    /** The glob as the policy wrote it. */
    public String pattern() {
        return pattern;
    }

    /**
     * The glob the matcher uses: as written when it names a host or starts with a wildcard, else with
     * {@code docker.io/} (and {@code library/} for a single component) in front, as for a reference.
     */
    public String normalized() {
        return normalized;
    }

    /** Whether the normalized reference {@code image} matches this glob. */
    public boolean matches(ImageRef image) {
        return image != null && matches(normalized, image.toString());
    }

    /**
     * True when the glob names no registry host and starts with no wildcard, so it is read as a Docker Hub name
     * ({@code nginx*} stands for {@code docker.io/library/nginx*}). Policy status shows {@link #warnings} for these:
     * the author may have meant another registry, or every registry.
     */
    public boolean hasNoHost() {
        return !startsWithWildcard(pattern) && host(pattern) == null;
    }

    /**
     * True when no normalized reference can match: every normalized reference ends in {@code :tag} or
     * {@code @digest}, so a glob without a wildcard, tag or digest after its last {@code /} matches nothing.
     */
    public boolean matchesNothing() {
        String lastComponent = normalized.substring(normalized.lastIndexOf('/') + 1);
        return lastComponent.indexOf('*') < 0 && lastComponent.indexOf(':') < 0 && lastComponent.indexOf('@') < 0;
    }

    /**
     * What a policy author should know about these globs, one sentence each, for the policy's status (empty when
     * every glob says what it matches): globs with no registry host, and globs that match no image.
     *
     * @param field where the globs are in the policy, e.g. {@code exclude.images} or {@code overrides[2].images}
     */
    public static List<String> warnings(String field, List<ImageGlob> globs) {
        List<String> warnings = new ArrayList<>();
        for (ImageGlob glob : globs) {
            if (glob.hasNoHost()) {
                warnings.add(field + ": \"" + glob.pattern + "\" names no registry, so it is read as \""
                        + glob.normalized + "\" (Docker Hub), as container runtimes read image names; write the"
                        + " registry (\"" + glob.normalized + "\"), or start the glob with */ to match every"
                        + " registry");
            }
            if (glob.matchesNothing()) {
                warnings.add(field + ": \"" + glob.pattern + "\" matches no image: images are matched in their"
                        + " normalized form, which always ends in :tag or @digest; end the glob with :* or *");
            }
        }
        return warnings;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ImageGlob glob && glob.pattern.equals(pattern);
    }

    @Override
    public int hashCode() {
        return pattern.hashCode();
    }

    @Override
    public String toString() {
        return pattern;
    }

    /**
     * Wildcard match of a whole subject: {@code *} any run, {@code ?} one character. On a mismatch after a star, the
     * star takes one more character and matching resumes there; earlier stars are never revisited (the last star
     * can absorb whatever they could), which bounds the work by {@code pattern.length() * subject.length()}.
     */
    static boolean matches(String pattern, String subject) {
        int p = 0;
        int s = 0;
        int star = -1;
        int starSubject = 0;
        while (s < subject.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == subject.charAt(s))) {
                p++;
                s++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                starSubject = s;
            } else if (star >= 0) {
                p = star + 1;
                s = ++starSubject;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    private static String normalize(String pattern) {
        if (startsWithWildcard(pattern)) {
            return pattern;
        }
        String host = host(pattern);
        if (host == null) {
            return DOCKER_HUB + "/" + (pattern.indexOf('/') < 0 ? OFFICIAL_REPOSITORY_PREFIX : "") + pattern;
        }
        String path = pattern.substring(host.length() + 1);
        if (host.equals(LEGACY_DOCKER_HUB)) {
            host = DOCKER_HUB;
        }
        if (host.equals(DOCKER_HUB) && path.indexOf('/') < 0 && !startsWithWildcard(path)) {
            path = OFFICIAL_REPOSITORY_PREFIX + path;
        }
        return host + "/" + path;
    }

    /** The first component when runtimes would read it as a registry host (as {@link ImageRef} does), else null. */
    private static String host(String pattern) {
        int slash = pattern.indexOf('/');
        if (slash < 0) {
            return null;
        }
        String first = pattern.substring(0, slash);
        return first.contains(".") || first.contains(":") || first.equals("localhost") ? first : null;
    }

    private static boolean startsWithWildcard(String text) {
        return !text.isEmpty() && (text.charAt(0) == '*' || text.charAt(0) == '?');
    }
}
