package dev.imagesize.analysis;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** The finding rules in priority order (a path counts for the first rule that matches it), compiled. */
public final class FindingRules {
    private static final String RESOURCE = "/dev/imagesize/analysis/findings.yaml";

    private final List<FindingRule> rules;
    private final List<Predicate<String>> matchers;

    public FindingRules(List<FindingRule> rules) {
        this.rules = List.copyOf(rules);
        this.matchers = new ArrayList<>();
        for (FindingRule rule : this.rules) {
            List<Glob> include = rule.match().stream().map(Glob::compile).toList();
            List<Glob> exclude = rule.exclude().stream().map(Glob::compile).toList();
            matchers.add(path -> include.stream().anyMatch(g -> g.matches(path))
                    && exclude.stream().noneMatch(g -> g.matches(path)));
        }
    }

    /** The rules shipped with the analyzer. */
    public static FindingRules builtIn() {
        try (InputStream in = FindingRules.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            return parse(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    public static FindingRules parse(InputStream yaml) throws IOException {
        List<FindingRule> rules = new ObjectMapper(new YAMLFactory()).readValue(yaml, new TypeReference<>() {});
        return new FindingRules(rules);
    }

    public List<FindingRule> rules() {
        return rules;
    }

    /** Whether the {@code paths} rule at {@code index} matches {@code path}. */
    boolean pathMatches(int index, String path) {
        return matchers.get(index).test(path);
    }
}
