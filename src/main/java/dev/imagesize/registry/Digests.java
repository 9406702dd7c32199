package dev.imagesize.registry;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;

/** Content digests ({@code sha256:<hex>}): their form, and computing them with the algorithm a digest names. */
final class Digests {
    private static final Map<String, String> ALGORITHMS =
            Map.of("sha256", "SHA-256", "sha384", "SHA-384", "sha512", "SHA-512");
    private static final Pattern FORM = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{1,256}");

    private Digests() {}

    /** Whether {@code text} has the form of a digest ({@code algorithm:encoded}). */
    static boolean isDigest(String text) {
        return text != null && text.length() <= 300 && FORM.matcher(text).matches();
    }

    /** The algorithm part of a digest. */
    static String algorithm(String digest) {
        return digest.substring(0, digest.indexOf(':'));
    }

    static boolean isSupported(String algorithm) {
        return ALGORITHMS.containsKey(algorithm);
    }

    /** A new hasher for {@code algorithm} ({@code sha256}, {@code sha384}, {@code sha512}). */
    static MessageDigest hasher(String algorithm) {
        try {
            return MessageDigest.getInstance(ALGORITHMS.get(algorithm));
        } catch (NoSuchAlgorithmException | NullPointerException e) {
            throw new IllegalArgumentException("unsupported digest algorithm " + algorithm);
        }
    }

    /** The digest of {@code bytes} with {@code algorithm}. */
    static String of(String algorithm, byte[] bytes) {
        return algorithm + ":" + HexFormat.of().formatHex(hasher(algorithm).digest(bytes));
    }

    /** The digest in the same algorithm as {@code expected}, compared with it. */
    static boolean matches(String expected, byte[] bytes) {
        return expected.equals(of(algorithm(expected), bytes));
    }
}
