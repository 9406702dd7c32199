package dev.imagesize.image;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte counts: Kubernetes quantities in ({@code 200Mi}, {@code 1G}), binary units out ({@code 812.3 MiB}). */
public final class ByteSize {
    private ByteSize() {}

    /** resource.Quantity's grammar: a signed decimal number, then one suffix (binary, decimal or exponent). */
    private static final Pattern QUANTITY = Pattern.compile("([+-]?)([0-9]+\\.?[0-9]*|\\.[0-9]+)(.*)");

    private static final Pattern EXPONENT = Pattern.compile("[eE]([+-]?[0-9]+)");

    /** Exponents beyond this are either zero times it, or far past Long.MAX_VALUE, or far below one byte. */
    private static final int MAX_EXPONENT = 1000;

    private static final Map<String, BigInteger> MULTIPLIERS = Map.ofEntries(
            Map.entry("", BigInteger.ONE),
            Map.entry("Ki", BigInteger.TWO.pow(10)),
            Map.entry("Mi", BigInteger.TWO.pow(20)),
            Map.entry("Gi", BigInteger.TWO.pow(30)),
            Map.entry("Ti", BigInteger.TWO.pow(40)),
            Map.entry("Pi", BigInteger.TWO.pow(50)),
            Map.entry("Ei", BigInteger.TWO.pow(60)),
            Map.entry("k", BigInteger.TEN.pow(3)),
            Map.entry("M", BigInteger.TEN.pow(6)),
            Map.entry("G", BigInteger.TEN.pow(9)),
            Map.entry("T", BigInteger.TEN.pow(12)),
            Map.entry("P", BigInteger.TEN.pow(15)),
            Map.entry("E", BigInteger.TEN.pow(18)));

    private static final BigDecimal MAX_BYTES = BigDecimal.valueOf(Long.MAX_VALUE);

    private static final String[] BINARY_UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    /**
     * Parses a Kubernetes quantity into bytes, rounding fractions of a byte up. Throws IllegalArgumentException
     * naming the text and what is wrong (negative, unknown suffix, not a number).
     */
    public static long parse(String quantity) {
        if (quantity == null || quantity.isEmpty()) {
            throw invalid("", "empty; expected a quantity such as 512Mi, 2Gi or 1G");
        }
        if (quantity.chars().anyMatch(Character::isWhitespace)) {
            throw invalid(
                    quantity, "whitespace is not allowed; write the number and suffix together, e.g. 20M or 20Mi");
        }
        Matcher m = QUANTITY.matcher(quantity);
        if (!m.matches()) {
            throw invalid(quantity, "not a number; expected a quantity such as 512Mi, 2Gi or 1G");
        }
        BigDecimal number = new BigDecimal(m.group(2));
        if (m.group(1).equals("-") && number.signum() != 0) {
            throw invalid(quantity, "must not be negative");
        }
        String suffix = m.group(3);

        BigDecimal bytes;
        Matcher exponent = EXPONENT.matcher(suffix);
        if (exponent.matches()) {
            bytes = scaleByExponent(quantity, number, exponent.group(1));
        } else if (MULTIPLIERS.containsKey(suffix)) {
            bytes = number.multiply(new BigDecimal(MULTIPLIERS.get(suffix)));
        } else if (suffix.equals("m")) {
            throw invalid(
                    quantity,
                    "the suffix \"m\" means milli (1/1000), which makes no sense for bytes;"
                            + " use M (10^6 bytes) or Mi (2^20 bytes)");
        } else {
            throw invalid(
                    quantity,
                    "unknown suffix \"" + suffix + "\"; use Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024),"
                            + " k, M, G, T, P, E (powers of 1000) or an exponent such as 1e9");
        }
        return toLongRoundingUp(quantity, bytes);
    }

    /** Formats bytes in binary units with one decimal: {@code 512 B}, {@code 1.5 KiB}, {@code 812.3 MiB}. */
    public static String format(long bytes) {
        if (bytes > -1024 && bytes < 1024) {
            return bytes + " B";
        }
        BigDecimal value = BigDecimal.valueOf(bytes);
        BigDecimal divisor = BigDecimal.valueOf(1024);
        BigDecimal rounded;
        int unit = -1;
        // Move up a unit while the rounded value would still read 1024.0 or more, so 1048575 is 1.0 MiB.
        do {
            unit++;
            value = value.divide(divisor);
            rounded = value.setScale(1, RoundingMode.HALF_UP);
        } while (rounded.abs().compareTo(divisor) >= 0 && unit < BINARY_UNITS.length - 1);
        return String.format(Locale.ROOT, "%s %s", rounded.toPlainString(), BINARY_UNITS[unit]);
    }

    private static BigDecimal scaleByExponent(String quantity, BigDecimal number, String exponentText) {
        int exponent;
        try {
            exponent = Integer.parseInt(exponentText);
        } catch (NumberFormatException e) {
            exponent = exponentText.startsWith("-") ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        }
        if (number.signum() == 0) {
            return BigDecimal.ZERO;
        }
        if (exponent > MAX_EXPONENT) {
            throw tooLarge(quantity);
        }
        if (exponent < -MAX_EXPONENT) {
            return BigDecimal.ONE; // a positive fraction of a byte, rounded up
        }
        return number.scaleByPowerOfTen(exponent);
    }

    private static long toLongRoundingUp(String quantity, BigDecimal bytes) {
        if (bytes.signum() == 0) {
            return 0;
        }
        // Digits before the decimal point; checked first so that rounding never works on a huge number.
        int integerDigits = bytes.precision() - bytes.scale();
        if (integerDigits > 19) {
            throw tooLarge(quantity);
        }
        if (integerDigits <= 0) {
            return 1;
        }
        BigDecimal whole = bytes.setScale(0, RoundingMode.CEILING);
        if (whole.compareTo(MAX_BYTES) > 0) {
            throw tooLarge(quantity);
        }
        return whole.longValueExact();
    }

    private static IllegalArgumentException tooLarge(String quantity) {
        return invalid(quantity, "more than the maximum of " + Long.MAX_VALUE + " bytes (about 8 EiB)");
    }

    private static IllegalArgumentException invalid(String quantity, String problem) {
        return new IllegalArgumentException("invalid size \"" + quantity + "\": " + problem);
    }
}
