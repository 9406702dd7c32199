package dev.imagesize.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The series a PromQL expression (of an alerting rule or a Grafana panel) reads: each metric name and the label names
 * its selectors match on. Enough PromQL for the project's own expressions: string literals, label matchers, ranges,
 * grouping clauses, functions, keywords, numbers, durations and Grafana's {@code $variables}.
 */
public final class PromQl {
    private static final Pattern STRING = Pattern.compile("\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])*'|`[^`]*`");
    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)?\\s*\\{([^}]*)}");
    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)\\s*\"\"");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?\\w+}?");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![0-9.\\w])[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");
    private static final Set<String> KEYWORDS = Set.of(
            "and",
            "or",
            "unless",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "offset",
            "atan2",
            "inf",
            "nan",
            "Inf",
            "NaN");

    private PromQl() {}

    /**
     * Metric name to the label names its selectors in {@code expression} match on (empty when a metric is named
     * without matchers), in order of appearance. A Grafana {@code label_values(metric, label)} query names its metric.
     */
    public static Map<String, Set<String>> series(String expression) {
        Map<String, Set<String>> series = new LinkedHashMap<>();
        Matcher labelValues = LABEL_VALUES.matcher(expression);
        if (labelValues.find()) {
            series.put(labelValues.group(1), new LinkedHashSet<>());
            return series;
        }
        String text =
                VARIABLE.matcher(STRING.matcher(expression).replaceAll("\"\"")).replaceAll("");
        Matcher selector = SELECTOR.matcher(text);
        while (selector.find()) {
            if (selector.group(1) == null || KEYWORDS.contains(selector.group(1))) {
                continue;
            }
            Set<String> labels = series.computeIfAbsent(selector.group(1), name -> new LinkedHashSet<>());
            Matcher matcher = MATCHER.matcher(selector.group(2));
            while (matcher.find()) {
                labels.add(matcher.group(1));
            }
        }
        String bare = GROUPING.matcher(text.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " "))
                .replaceAll(" ");
        Matcher identifier = IDENTIFIER.matcher(bare);
        while (identifier.find()) {
            String name = identifier.group();
            if (KEYWORDS.contains(name)
                    || bare.substring(identifier.end()).stripLeading().startsWith("(")) {
                continue;
            }
            series.computeIfAbsent(name, n -> new LinkedHashSet<>());
        }
        return series;
    }

    /** The metric name and label names of one sample or series selector, e.g. {@code a_total{x="1",y="2"}}. */
    public static Map.Entry<String, Set<String>> sample(String selector) {
        int brace = selector.indexOf('{');
        String name = (brace < 0 ? selector : selector.substring(0, brace)).strip();
        Set<String> labels = new LinkedHashSet<>();
        if (brace >= 0) {
            Matcher matcher =
                    MATCHER.matcher(STRING.matcher(selector.substring(brace)).replaceAll("\"\""));
            while (matcher.find()) {
                labels.add(matcher.group(1));
            }
        }
        return Map.entry(name, labels);
    }

    /**
     * Every series of a Prometheus text exposition (as /q/metrics serves it): metric name to the union of its label
     * names.
     */
    public static Map<String, Set<String>> exposition(String text) {
        Map<String, Set<String>> series = new LinkedHashMap<>();
        for (String line : text.lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            String selector = brace >= 0 && (space < 0 || brace < space)
                    ? line.substring(0, line.lastIndexOf('}') + 1)
                    : line.substring(0, space < 0 ? line.length() : space);
            Map.Entry<String, Set<String>> sample = sample(selector);
            series.computeIfAbsent(sample.getKey(), name -> new LinkedHashSet<>())
                    .addAll(sample.getValue());
        }
        return series;
    }

    /** The metric names of {@code wanted} missing from {@code exported}, with where each is named. */
    public static List<String> missing(
            Map<String, Set<String>> wanted, Map<String, Set<String>> exported, String where) {
        List<String> missing = new ArrayList<>();
        wanted.keySet().stream()
                .filter(name -> !exported.containsKey(name))
                .forEach(name -> missing.add(name + " (" + where + ")"));
        return missing;
    }
}
