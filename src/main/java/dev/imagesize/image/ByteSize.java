package dev.imagesize.image;

/** Byte counts: Kubernetes quantities in ({@code 200Mi}, {@code 1G}), binary units out ({@code 812.3 MiB}). */
public final class ByteSize {
    private ByteSize() {}

    /**
     * Parses a Kubernetes quantity into bytes, rounding fractions of a byte up. Throws IllegalArgumentException
     * naming the text and what is wrong (negative, unknown suffix, not a number).
     */
    public static long parse(String quantity) {
        throw new UnsupportedOperationException("TODO(helper-image)");
    }

    /** Formats bytes in binary units with one decimal: {@code 512 B}, {@code 1.5 KiB}, {@code 812.3 MiB}. */
    public static String format(long bytes) {
        throw new UnsupportedOperationException("TODO(helper-image)");
    }
}
