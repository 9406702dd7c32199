package dev.imagesize.policy;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Kubernetes label selector as a value: {@code matchLabels} and {@code matchExpressions}, all of which must hold.
 * An empty selector matches everything.
 */
public record Selector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {

    public static final Selector EVERYTHING = new Selector(Map.of(), List.of());

    public Selector {
        matchLabels = matchLabels == null ? Map.of() : Map.copyOf(matchLabels);
        matchExpressions = matchExpressions == null ? List.of() : List.copyOf(matchExpressions);
    }

    /** One {@code matchExpressions} entry; operators In, NotIn, Exists, DoesNotExist. */
    public record Requirement(String key, String operator, Set<String> values) {
        public Requirement {
            values = values == null ? Set.of() : Set.copyOf(values);
        }

        boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            return switch (operator) {
                case "In" -> value != null && values.contains(value);
                case "NotIn" -> value == null || !values.contains(value);
                case "Exists" -> labels.containsKey(key);
                case "DoesNotExist" -> !labels.containsKey(key);
                default -> false; // the API server refuses unknown operators; never match what we do not understand
            };
        }
    }

    public boolean matches(Map<String, String> labels) {
        Map<String, String> actual = labels == null ? Map.of() : labels;
        return matchLabels.entrySet().stream().allMatch(e -> e.getValue().equals(actual.get(e.getKey())))
                && matchExpressions.stream().allMatch(r -> r.matches(actual));
    }
}
