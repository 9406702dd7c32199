package dev.imagesize.policy;

import dev.imagesize.image.ByteSize;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.regex.Pattern;

/**
 * How much larger an image may be than the image its container ran before: a percentage of the previous size
 * ({@code 20%}), a number of bytes ({@code 50Mi}), or both ({@code 20%, 50Mi}), in which case either breach counts. The
 * policies' CRD accepts exactly what {@link #parse} reads.
 *
 * @param percent the largest growth as a percentage of the previous size (0 to 1000), or null
 * @param bytes the largest growth in bytes (positive), or null
 */
public record MaxGrowth(BigDecimal percent, Long bytes) {

    /** The largest percentage a policy may give. */
    public static final BigDecimal MAX_PERCENT = BigDecimal.valueOf(1000);

    /** A percentage as policies write it: up to four digits and two decimals, then {@code %}. */
    static final String PERCENT_PATTERN = "[0-9]{1,4}([.][0-9]{1,2})?%";

    private static final Pattern PERCENT = Pattern.compile(PERCENT_PATTERN);
    /** A size must carry a unit or an exponent: a bare 20 would be 20 bytes, which someone meaning 20% never notices. */
    private static final Pattern UNIT = Pattern.compile(".*([KMGTPE]i|[kMGTPE]|[eE][+-]?[0-9]+)");

    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    public MaxGrowth {
        if (percent == null && bytes == null) {
            throw new IllegalArgumentException("maxGrowth needs a percentage, a size or both");
        }
    }

    /**
     * Reads {@code 20%}, {@code 50Mi} or both separated by a comma ({@code 20%, 50Mi}, in either order); a size needs its
     * unit (or an exponent). Throws IllegalArgumentException naming the text and what is wrong.
     */
    public static MaxGrowth parse(String text) {
        if (text == null || text.isBlank()) {
            throw invalid(text == null ? "" : text, "empty");
        }
        if (!text.equals(text.strip())) {
            throw invalid(text, "spaces before or after it");
        }
        String[] parts = text.split(",", -1);
        if (parts.length > 2) {
            throw invalid(text, "give at most one percentage and one size, separated by a comma");
        }
        BigDecimal percent = null;
        Long bytes = null;
        for (String raw : parts) {
            String part = withoutSpacesAround(raw);
            if (part.isEmpty()) {
                throw invalid(text, "a part is empty");
            }
            if (part.endsWith("%")) {
                if (percent != null) {
                    throw invalid(text, "two percentages; give at most one percentage and one size");
                }
                if (!PERCENT.matcher(part).matches()) {
                    throw invalid(text, "\"" + part + "\" is not a percentage such as 20% or 12.5%");
                }
                percent = new BigDecimal(part.substring(0, part.length() - 1));
                if (percent.compareTo(MAX_PERCENT) > 0) {
                    throw invalid(text, "the percentage must be from 0% to 1000%");
                }
            } else {
                if (bytes != null) {
                    throw invalid(text, "two sizes; give at most one percentage and one size");
                }
                if (part.chars().anyMatch(Character::isWhitespace)) {
                    throw invalid(text, "\"" + part + "\" holds white space; only spaces around the comma are allowed");
                }
                long parsed;
                try {
                    parsed = ByteSize.parse(part);
                    if (!UNIT.matcher(part).matches()) {
                        throw invalid(
                                text,
                                "the size \"" + part + "\" has no unit: write 20% for a percentage,"
                                        + " or a size such as " + part + "Mi");
                    }
                } catch (IllegalArgumentException e) {
                    if (e.getMessage().startsWith("invalid maxGrowth")) {
                        throw e;
                    }
                    throw invalid(text, e.getMessage());
                }
                if (parsed <= 0) {
                    throw invalid(text, "the size must be more than zero (0% allows no growth at all)");
                }
                bytes = parsed;
            }
        }
        return new MaxGrowth(percent, bytes);
    }

    /**
     * The largest size, in bytes, an image may have when it replaces one of {@code previousBytes}: the previous size
     * plus the smaller of the allowances.
     */
    public long allowedBytes(long previousBytes) {
        long allowance = Long.MAX_VALUE;
        if (percent != null) {
            BigDecimal byPercent =
                    BigDecimal.valueOf(previousBytes).multiply(percent).divide(HUNDRED, 0, RoundingMode.FLOOR);
            allowance = byPercent.min(BigDecimal.valueOf(Long.MAX_VALUE)).longValue();
        }
        if (bytes != null) {
            allowance = Math.min(allowance, bytes);
        }
        return previousBytes > Long.MAX_VALUE - allowance ? Long.MAX_VALUE : previousBytes + allowance;
    }

    /** The percentage as written in a message: {@code 20%}, {@code 12.5%}. */
    public String percentText() {
        return percent == null ? null : percent.stripTrailingZeros().toPlainString() + "%";
    }

    /** The part without the spaces (only spaces, as the CRD allows) around the comma. */
    private static String withoutSpacesAround(String part) {
        int start = 0;
        int end = part.length();
        while (start < end && part.charAt(start) == ' ') {
            start++;
        }
        while (end > start && part.charAt(end - 1) == ' ') {
            end--;
        }
        return part.substring(start, end);
    }

    private static IllegalArgumentException invalid(String text, String problem) {
        return new IllegalArgumentException("invalid maxGrowth \"" + text + "\": " + problem
                + "; expected a percentage such as 20%, a size such as 50Mi, or both: 20%, 50Mi");
    }
}
