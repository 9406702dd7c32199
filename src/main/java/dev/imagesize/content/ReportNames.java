package dev.imagesize.content;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The name of a workload's ImageSizeReport, and its labels' values: {@code <kind>-<name>} in lower case (a Deployment
 * "api" has the report "deployment-api"), so people and tools find it without a lookup. A name too long for an object
 * name (or a label value) keeps its start and ends in a hash of the whole.
 */
public final class ReportNames {
    private static final int MAX_NAME = 253;
    private static final int MAX_LABEL = 63;

    private ReportNames() {}

    /** The report name of workload {@code name} of {@code kind} (e.g. {@code Deployment}). */
    public static String of(String kind, String name) {
        return fit(kind.toLowerCase(Locale.ROOT) + "-" + name, MAX_NAME);
    }

    /** {@code value} as a label value: itself when it fits, else its start and a hash. */
    public static String labelValue(String value) {
        return fit(value, MAX_LABEL);
    }

    private static String fit(String value, int max) {
        if (value.length() <= max) {
            return value;
        }
        String hash = hash(value);
        String start = value.substring(0, max - hash.length() - 1);
        while (!start.isEmpty() && !Character.isLetterOrDigit(start.charAt(start.length() - 1))) {
            start = start.substring(0, start.length() - 1);
        }
        return start + "-" + hash;
    }

    private static String hash(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
