package dev.imagesize.image;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

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

    /** Docker Hub's canonical name; what runtimes use when a reference names no registry. */
    public static final String DOCKER_HUB = "docker.io";

    /** The longest name (registry and repository) the reference grammar allows. */
    public static final int MAX_NAME_LENGTH = 255;

    /** The longest tag the reference grammar allows. */
    public static final int MAX_TAG_LENGTH = 128;

    private static final String LEGACY_DOCKER_HUB = "index.docker.io";

    /** The longest digest: {@code sha512:} and 128 hex digits. */
    private static final int MAX_DIGEST_LENGTH = "sha512:".length() + 128;

    /**
     * The longest string that can be a valid reference: a name of {@link #MAX_NAME_LENGTH} once normalized (written
     * with the legacy {@code index.} prefix it is 6 characters longer), a tag and a digest. Anything longer is refused
     * before any other work, so no pattern (and no policy glob) ever runs over an unbounded pod-spec string.
     */
    public static final int MAX_REFERENCE_LENGTH =
            MAX_NAME_LENGTH + "index.".length() + 1 + MAX_TAG_LENGTH + 1 + MAX_DIGEST_LENGTH;

    /** How much of an over-long or unprintable image messages show. */
    private static final int SHOWN_PREFIX = 64;

    /** Marks the stand-in {@link #printable} makes for an over-long image, which parse reports as too long. */
    private static final String ABBREVIATION_MARK = "...(";

    private static final String ABBREVIATION_END = " characters)";

    private static final String OFFICIAL_REPOSITORY_PREFIX = "library/";
    private static final String DEFAULT_TAG = "latest";

    // The grammar of github.com/distribution/reference, which docker and containerd both use.
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DOMAIN_NAME = Pattern.compile("(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
            + "(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*");
    private static final Pattern IPV6_HOST = Pattern.compile("\\[[a-fA-F0-9:]+\\]");
    private static final Pattern PORT = Pattern.compile("[0-9]+");
    private static final Pattern HEX = Pattern.compile("[a-fA-F0-9]*");
    private static final Pattern IMAGE_ID = Pattern.compile("[a-f0-9]{64}");

    /** The digest algorithms runtimes can verify, with the length of their hex encoding. */
    private static final Map<String, Integer> DIGEST_HEX_LENGTHS = Map.of("sha256", 64, "sha384", 96, "sha512", 128);

    /**
     * Valid references parsed recently: every review and audit pass parses the same few hundred images, and the
     * grammar's patterns allocate on each match. Only valid references are kept, so hostile strings cannot fill it.
     */
    private static final Cache<String, ImageRef> PARSED =
            Caffeine.newBuilder().maximumSize(4_096).build();

    /** Parses and normalizes a reference; throws {@link InvalidImageReferenceException} naming what is wrong. */
    public static ImageRef parse(String reference) {
        ImageRef known = reference == null ? null : PARSED.getIfPresent(reference);
        if (known != null) {
            return known;
        }
        ImageRef parsed = parseUncached(reference);
        PARSED.put(reference, parsed);
        return parsed;
    }

    private static ImageRef parseUncached(String reference) {
        if (reference == null || reference.isEmpty()) {
            throw new InvalidImageReferenceException("invalid image reference \"\": the reference is empty");
        }
        if (reference.length() > MAX_REFERENCE_LENGTH
                || (reference.contains(ABBREVIATION_MARK) && reference.endsWith(ABBREVIATION_END))) {
            throw new InvalidImageReferenceException("invalid image reference \"" + printable(reference)
                    + "\": longer than any valid reference (at most " + MAX_REFERENCE_LENGTH + " characters)");
        }
        if (reference.chars().anyMatch(Character::isWhitespace)) {
            throw invalid(reference, "must not contain whitespace");
        }
        if (IMAGE_ID.matcher(reference).matches()) {
            throw invalid(reference, "a 64-character hex string is an image ID, not a reference");
        }

        String name = reference;
        String digest = null;
        int at = name.indexOf('@');
        if (at >= 0) {
            digest = validDigest(reference, name.substring(at + 1));
            name = name.substring(0, at);
        }

        String tag = null;
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            tag = name.substring(colon + 1);
            name = name.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(
                        reference,
                        "invalid tag \"" + tag + "\" (a tag is 1 to 128 letters, digits, '_', '.' or '-',"
                                + " and must not start with '.' or '-')");
            }
        }
        if (name.isEmpty()) {
            throw invalid(reference, "the repository name is empty");
        }

        String registry = DOCKER_HUB;
        String repository = name;
        int slash = name.indexOf('/');
        if (slash >= 0 && isRegistryHost(name.substring(0, slash))) {
            registry = validRegistry(reference, name.substring(0, slash));
            repository = name.substring(slash + 1);
        }
        if (registry.equals(LEGACY_DOCKER_HUB)) {
            registry = DOCKER_HUB;
        }
        validateRepository(reference, repository);
        if (registry.equals(DOCKER_HUB) && repository.indexOf('/') < 0) {
            repository = OFFICIAL_REPOSITORY_PREFIX + repository;
        }
        int nameLength = registry.length() + 1 + repository.length();
        if (nameLength > MAX_NAME_LENGTH) {
            throw invalid(
                    reference,
                    "the name " + registry + "/" + repository + " is " + nameLength + " characters long,"
                            + " more than the " + MAX_NAME_LENGTH + " allowed");
        }

        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageRef(registry, repository, tag, digest);
    }

    /**
     * The image as messages, annotations and logs may show it: unchanged when it is printable ASCII no longer than
     * {@link #MAX_REFERENCE_LENGTH}; otherwise every character outside printable ASCII becomes a {@code \\uXXXX}
     * escape (no terminal control sequence reaches a user) and an over-long image keeps its first characters and its
     * length, e.g. {@code aaaa...(1048576 characters)}. Only images that cannot be valid references change, and
     * {@link #parse} refuses the stand-in as too long.
     */
    public static String printable(String image) {
        if (image == null) {
            return null;
        }
        boolean tooLong = image.length() > MAX_REFERENCE_LENGTH;
        String shown = tooLong ? image.substring(0, SHOWN_PREFIX) : image;
        StringBuilder out = null;
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            boolean plain = c >= 0x20 && c < 0x7f;
            if (!plain && out == null) {
                out = new StringBuilder(shown.length() + 16).append(shown, 0, i);
            }
            if (out != null) {
                out.append(plain ? String.valueOf(c) : String.format(Locale.ROOT, "\\u%04x", (int) c));
            }
        }
        String escaped = out == null ? shown : out.toString();
        return tooLong ? escaped + ABBREVIATION_MARK + image.length() + ABBREVIATION_END : escaped;
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

    /** Runtimes read the first path component as a host only when it cannot be a Docker Hub user name. */
    private static boolean isRegistryHost(String component) {
        return component.contains(".") || component.contains(":") || component.equals("localhost");
    }

    private static String validRegistry(String reference, String registry) {
        String host = registry;
        int portColon = registry.startsWith("[") ? registry.indexOf(':', registry.indexOf(']')) : registry.indexOf(':');
        if (portColon >= 0) {
            host = registry.substring(0, portColon);
            String port = registry.substring(portColon + 1);
            if (!PORT.matcher(port).matches()) {
                throw invalid(reference, "invalid port \"" + port + "\" in registry \"" + registry + "\"");
            }
        }
        if (!DOMAIN_NAME.matcher(host).matches() && !IPV6_HOST.matcher(host).matches()) {
            throw invalid(reference, "invalid registry host \"" + host + "\"");
        }
        return registry;
    }

    private static void validateRepository(String reference, String repository) {
        for (String component : repository.split("/", -1)) {
            if (component.isEmpty()) {
                throw invalid(reference, "the repository path has an empty component");
            }
        }
        if (!repository.toLowerCase(Locale.ROOT).equals(repository)) {
            throw invalid(reference, "repository name must be lowercase");
        }
        for (String component : repository.split("/")) {
            if (!PATH_COMPONENT.matcher(component).matches()) {
                throw invalid(
                        reference,
                        "invalid repository path component \"" + component + "\" (use lowercase letters and digits,"
                                + " separated by '.', '_', '__' or '-')");
            }
        }
    }

    private static String validDigest(String reference, String digest) {
        int colon = digest.indexOf(':');
        if (colon < 0) {
            throw invalid(reference, "invalid digest \"" + digest + "\" (expected algorithm:hex, e.g. sha256:...)");
        }
        String algorithm = digest.substring(0, colon);
        String hex = digest.substring(colon + 1);
        if (!DIGEST_HEX_LENGTHS.containsKey(algorithm)) {
            throw invalid(
                    reference, "unsupported digest algorithm \"" + algorithm + "\" (use sha256, sha384 or sha512)");
        }
        if (!HEX.matcher(hex).matches()) {
            throw invalid(reference, "invalid digest: \"" + hex + "\" is not hex");
        }
        if (!hex.toLowerCase(Locale.ROOT).equals(hex)) {
            throw invalid(reference, "invalid digest: " + algorithm + " hex must be lowercase");
        }
        int expected = DIGEST_HEX_LENGTHS.get(algorithm);
        if (hex.length() != expected) {
            throw invalid(
                    reference,
                    "invalid digest: " + algorithm + " digest must be " + expected + " hex characters, not "
                            + hex.length());
        }
        return digest;
    }

    private static InvalidImageReferenceException invalid(String reference, String problem) {
        return new InvalidImageReferenceException(
                "invalid image reference \"" + printable(reference) + "\": " + printable(problem));
    }
}
