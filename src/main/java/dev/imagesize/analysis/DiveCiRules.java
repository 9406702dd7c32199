package dev.imagesize.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * dive's three CI rules with dive's names, defaults, comparisons and value parsing (dive v0.13.1
 * {@code runtime/ci/rule.go}): {@code lowestEfficiency} (0.9), {@code highestWastedBytes} (disabled),
 * {@code highestUserWastedPercent} (0.1). A {@code .dive-ci} file ({@code rules:} with the camelCase keys, or the
 * kebab-case keys of newer dive) replaces the values it names.
 */
public record DiveCiRules(String lowestEfficiency, String highestWastedBytes, String highestUserWastedPercent) {

    public static final String LOWEST_EFFICIENCY = "lowestEfficiency";
    public static final String HIGHEST_WASTED_BYTES = "highestWastedBytes";
    public static final String HIGHEST_USER_WASTED_PERCENT = "highestUserWastedPercent";

    public static DiveCiRules defaults() {
        return new DiveCiRules("0.9", "disabled", "0.1");
    }

    /** The figures the rules judge: dive's, or the overlay equivalents. */
    public record Figures(double efficiency, long wastedBytes, double userWastedPercent) {}

    /** One rule's outcome: PASS, FAIL, SKIP (disabled) or MISCONFIGURED. */
    public record Result(String rule, String status, String message) {}

    /** Applies a {@code .dive-ci} file's {@code rules:} over these values. */
    public DiveCiRules withFile(String yaml) {
        JsonNode rules;
        try {
            rules = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException("CI config is not valid YAML: " + firstLine(e.getMessage()));
        }
        if (rules == null || rules.isMissingNode() || rules.isNull()) {
            return this;
        }
        JsonNode section = rules.path("rules");
        return new DiveCiRules(
                value(section, LOWEST_EFFICIENCY, "lowest-efficiency", lowestEfficiency),
                value(section, HIGHEST_WASTED_BYTES, "highest-wasted-bytes", highestWastedBytes),
                value(section, HIGHEST_USER_WASTED_PERCENT, "highest-user-wasted-percent", highestUserWastedPercent));
    }

    private static String value(JsonNode section, String key, String kebab, String fallback) {
        JsonNode node = section.has(key) ? section.get(key) : section.get(kebab);
        return node == null || node.isNull() ? fallback : node.asText();
    }

    /** Every rule's outcome; the build fails when any is FAIL or MISCONFIGURED. */
    public List<Result> evaluate(Figures figures) {
        List<Result> results = new ArrayList<>();
        results.add(ratioRule(
                LOWEST_EFFICIENCY,
                lowestEfficiency,
                threshold -> threshold > figures.efficiency()
                        ? "image efficiency is too low (efficiency=" + figures.efficiency() + " < threshold="
                                + threshold + ")"
                        : null));
        if (disabled(highestWastedBytes)) {
            results.add(new Result(HIGHEST_WASTED_BYTES, "SKIP", "rule disabled"));
        } else {
            try {
                long threshold = parseBytes(highestWastedBytes);
                results.add(
                        Long.compareUnsigned(figures.wastedBytes(), threshold) > 0
                                ? new Result(
                                        HIGHEST_WASTED_BYTES,
                                        "FAIL",
                                        "too many bytes wasted (wasted-bytes=" + figures.wastedBytes() + " > threshold="
                                                + Long.toUnsignedString(threshold) + ")")
                                : new Result(HIGHEST_WASTED_BYTES, "PASS", ""));
            } catch (IllegalArgumentException e) {
                results.add(new Result(HIGHEST_WASTED_BYTES, "MISCONFIGURED", e.getMessage()));
            }
        }
        results.add(ratioRule(
                HIGHEST_USER_WASTED_PERCENT,
                highestUserWastedPercent,
                threshold -> threshold < figures.userWastedPercent()
                        ? "too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes="
                                + figures.userWastedPercent() + " > threshold=" + threshold + ")"
                        : null));
        return results;
    }

    public static boolean passed(List<Result> results) {
        return results.stream()
                .noneMatch(r -> r.status().equals("FAIL") || r.status().equals("MISCONFIGURED"));
    }

    private static Result ratioRule(String key, String value, java.util.function.DoubleFunction<String> failure) {
        if (disabled(value)) {
            return new Result(key, "SKIP", "rule disabled");
        }
        double threshold;
        try {
            threshold = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            return new Result(key, "MISCONFIGURED", "invalid config value ('" + value + "')");
        }
        if (threshold < 0 || threshold > 1) {
            return new Result(
                    key, "MISCONFIGURED", key + " config value is outside allowed range (0-1), given '" + value + "'");
        }
        String message = failure.apply(threshold);
        return message == null ? new Result(key, "PASS", "") : new Result(key, "FAIL", message);
    }

    /** dive v0.13.1 disables a rule with {@code disabled}; newer dive also with "", {@code off} and {@code false}. */
    static boolean disabled(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return v.isEmpty() || v.equals("disabled") || v.equals("off") || v.equals("false");
    }

    private static final Map<String, Long> UNITS = Map.ofEntries(
            Map.entry("", 1L),
            Map.entry("b", 1L),
            Map.entry("kib", 1L << 10),
            Map.entry("ki", 1L << 10),
            Map.entry("kb", 1000L),
            Map.entry("k", 1000L),
            Map.entry("mib", 1L << 20),
            Map.entry("mi", 1L << 20),
            Map.entry("mb", 1000_000L),
            Map.entry("m", 1000_000L),
            Map.entry("gib", 1L << 30),
            Map.entry("gi", 1L << 30),
            Map.entry("gb", 1000_000_000L),
            Map.entry("g", 1000_000_000L),
            Map.entry("tib", 1L << 40),
            Map.entry("ti", 1L << 40),
            Map.entry("tb", 1000_000_000_000L),
            Map.entry("t", 1000_000_000_000L),
            Map.entry("pib", 1L << 50),
            Map.entry("pi", 1L << 50),
            Map.entry("pb", 1000_000_000_000_000L),
            Map.entry("p", 1000_000_000_000_000L),
            Map.entry("eib", 1L << 60),
            Map.entry("ei", 1L << 60),
            Map.entry("eb", 1000_000_000_000_000_000L),
            Map.entry("e", 1000_000_000_000_000_000L));

    /**
     * go-humanize's {@code ParseBytes}: digits, dots and commas, then a unit read case-insensitively ({@code 20MB} =
     * {@code 20M} = 20,000,000; {@code 20MiB} = {@code 20Mi} = 20,971,520), fractions truncated.
     */
    public static long parseBytes(String text) {
        String s = text == null ? "" : text;
        int digits = 0;
        boolean comma = false;
        while (digits < s.length()) {
            char c = s.charAt(digits);
            if (!(Character.isDigit(c) || c == '.' || c == ',')) {
                break;
            }
            comma |= c == ',';
            digits++;
        }
        String number = s.substring(0, digits);
        if (comma) {
            number = number.replace(",", "");
        }
        BigDecimal value;
        try {
            value = new BigDecimal(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "invalid config value ('" + text + "'): not a size such as 20MB or 20MiB");
        }
        String unit = s.substring(digits).trim().toLowerCase(Locale.ROOT);
        Long multiplier = UNITS.get(unit);
        if (multiplier == null) {
            throw new IllegalArgumentException("invalid config value ('" + text + "'): unhandled size name: " + unit);
        }
        BigDecimal bytes = value.multiply(BigDecimal.valueOf(multiplier));
        if (bytes.compareTo(new BigDecimal("18446744073709551615")) >= 0) {
            throw new IllegalArgumentException("invalid config value ('" + text + "'): too large");
        }
        return bytes.toBigInteger().longValue(); // unsigned, as Go's uint64
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
