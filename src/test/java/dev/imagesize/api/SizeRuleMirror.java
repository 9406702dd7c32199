package dev.imagesize.api;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CRDs' size rule ({@code SizeLimits.SIZE_RULE}) evaluated in Java the way the API server evaluates it: the same
 * pattern, then resource.Quantity's value (rounded up to a nano; binary values capped at 2^63-1) compared with 0 and
 * 2^63-1. {@code QuantityAgreementIT} checks it against the real API server, so unit tests can use it for many more
 * samples than an API server round trip allows.
 */
final class SizeRuleMirror {
    private SizeRuleMirror() {}

    private static final Pattern GRAMMAR =
            Pattern.compile("^[+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([KMGTPE]i|[kMGTPE]|[eE][+-]?[0-9]{1,3})?$");
    private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final Map<String, Integer> BINARY =
            Map.of("Ki", 10, "Mi", 20, "Gi", 30, "Ti", 40, "Pi", 50, "Ei", 60);
    private static final Map<String, Integer> DECIMAL = Map.of("k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);

    static boolean accepts(String quantity) {
        if (quantity.length() > QuantityGrammar.MAX_LENGTH) {
            return false;
        }
        Matcher m = GRAMMAR.matcher(quantity);
        if (!m.matches()) {
            return false;
        }
        String number = m.group(1);
        String suffix = m.group(2) == null ? "" : m.group(2);
        BigDecimal value = new BigDecimal(number.endsWith(".") ? number + "0" : number);
        boolean binary = BINARY.containsKey(suffix);
        if (binary) {
            value = value.multiply(BigDecimal.valueOf(2).pow(BINARY.get(suffix)));
        } else if (DECIMAL.containsKey(suffix)) {
            value = value.scaleByPowerOfTen(DECIMAL.get(suffix));
        } else if (!suffix.isEmpty()) {
            value = value.scaleByPowerOfTen(Integer.parseInt(suffix.substring(1)));
        }
        if (value.signum() != 0 && value.scale() > 9) {
            value = value.setScale(9, RoundingMode.UP);
        }
        if (binary && value.compareTo(MAX) > 0) {
            value = MAX;
        }
        return value.signum() > 0 && value.compareTo(MAX) < 0;
    }
}
