package dev.imagesize.image;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte counts: Kubernetes quantities in ({@code 200Mi}, {@code 1G}), binary units out ({@code 812.3 MiB}).
 *
 * <p>{@link #parse} accepts exactly the quantities the policy CRDs accept (plus zero, which they refuse as a limit):
 * resource.Quantity's grammar without the fraction suffixes {@code m}, {@code u}, {@code n}, with exponents of at most
 * three digits, and values below {@link Long#MAX_VALUE} bytes once rounded up to a nano, as the API server rounds
 * them. {@code QuantityAgreementIT} checks the two against the real API server.
 */
public final class ByteSize {
    private ByteSize() {}

    /** resource.Quantity's grammar: a signed decimal number, then one suffix (binary, decimal or exponent). */
    private static final Pattern QUANTITY = Pattern.compile("([+-]?)([0-9]+\\.?[0-9]*|\\.[0-9]+)(.*)");

    private static final Pattern EXPONENT = Pattern.compile("[eE]([+-]?[0-9]+)");

    /** The most digits an exponent may have; the CRDs' rule allows no more (resource.Quantity wraps larger ones). */
    private static final int MAX_EXPONENT_DIGITS = 3;

    /** The API server rounds quantities up to a multiple of 10^-9 before comparing them. */
    private static final int NANO_SCALE = 9;

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

    /** Sizes must stay below this many bytes: the CRDs compare with it, and resource.Quantity caps binary values at it. */
    private static final BigDecimal LIMIT = BigDecimal.valueOf(Long.MAX_VALUE);

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
        String digits =
                exponentText.startsWith("+") || exponentText.startsWith("-") ? exponentText.substring(1) : exponentText;
        if (digits.length() > MAX_EXPONENT_DIGITS) {
            throw invalid(
                    quantity,
                    "the exponent \"" + exponentText + "\" has more than " + MAX_EXPONENT_DIGITS + " digits;"
                            + " write the size with a suffix such as Gi or G");
        }
        return number.scaleByPowerOfTen(Integer.parseInt(exponentText));
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
        BigDecimal nanos = bytes.scale() > NANO_SCALE ? bytes.setScale(NANO_SCALE, RoundingMode.CEILING) : bytes;
        if (nanos.compareTo(LIMIT) >= 0) {
            throw tooLarge(quantity);
        }
        return nanos.setScale(0, RoundingMode.CEILING).longValueExact();
    }

    private static IllegalArgumentException tooLarge(String quantity) {
        return invalid(quantity, "must be less than " + Long.MAX_VALUE + " bytes (8 EiB)");
    }

    private static IllegalArgumentException invalid(String quantity, String problem) {
        return new IllegalArgumentException("invalid size \"" + quantity + "\": " + problem);
    }
}
