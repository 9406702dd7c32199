package dev.imagesize.image;

/** Byte counts: Kubernetes quantities in ({@code 200Mi}, {@code 1G}), binary units out ({@code 812.3 MiB}). */
public final class ByteSize {
    private ByteSize() {}

    private static final java.util.regex.Pattern QUANTITY = java.util.regex.Pattern.compile(
            "([+-]?)([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m|[eE][+-]?[0-9]+)?");
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    /**
     * Parses a Kubernetes quantity into bytes, rounding fractions of a byte up. Throws IllegalArgumentException
     * naming the text and what is wrong (negative, unknown suffix, not a number).
     */
    public static long parse(String quantity) {
        if (quantity == null || quantity.isBlank()) {
            throw new IllegalArgumentException("invalid size \"\": expected a quantity such as 200Mi or 1G");
        }
        java.util.regex.Matcher m = QUANTITY.matcher(quantity.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "invalid size \"" + quantity + "\": expected a number with an optional"
                            + " suffix Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024) or k, M, G, T, P, E (powers of 1000), e.g. 200Mi");
        }
        if (m.group(1).equals("-")) {
            throw new IllegalArgumentException("invalid size \"" + quantity + "\": must not be negative");
        }
        String suffix = m.group(3) == null ? "" : m.group(3);
        if (suffix.equals("m")) {
            throw new IllegalArgumentException(
                    "invalid size \"" + quantity + "\": m means milli (1/1000); for" + " megabytes write M or Mi");
        }
        java.math.BigDecimal number = new java.math.BigDecimal(m.group(2));
        java.math.BigDecimal bytes =
                switch (suffix) {
                    case "" -> number;
                    case "Ki" -> number.multiply(java.math.BigDecimal.valueOf(1L << 10));
                    case "Mi" -> number.multiply(java.math.BigDecimal.valueOf(1L << 20));
                    case "Gi" -> number.multiply(java.math.BigDecimal.valueOf(1L << 30));
                    case "Ti" -> number.multiply(java.math.BigDecimal.valueOf(1L << 40));
                    case "Pi" -> number.multiply(java.math.BigDecimal.valueOf(1L << 50));
                    case "Ei" -> number.multiply(java.math.BigDecimal.valueOf(1L << 60));
                    case "k" -> number.scaleByPowerOfTen(3);
                    case "M" -> number.scaleByPowerOfTen(6);
                    case "G" -> number.scaleByPowerOfTen(9);
                    case "T" -> number.scaleByPowerOfTen(12);
                    case "P" -> number.scaleByPowerOfTen(15);
                    case "E" -> number.scaleByPowerOfTen(18);
                    default -> number.scaleByPowerOfTen(Integer.parseInt(suffix.substring(1)));
                };
        java.math.BigDecimal rounded = bytes.setScale(0, java.math.RoundingMode.CEILING);
        if (rounded.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("invalid size \"" + quantity + "\": too large");
        }
        return rounded.longValueExact();
    }

    /** Formats bytes in binary units with one decimal: {@code 512 B}, {@code 1.5 KiB}, {@code 812.3 MiB}. */
    public static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }
}
