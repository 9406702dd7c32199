package dev.imagesize.policy;

import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.InvalidImageReferenceException;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides, for one workload, what every policy that governs it says about every container image. Pure: sizes come
 * in as {@link ResolveResult}s, findings go out; the webhook, the audit reconciler and the CLI share it.
 */
public final class PolicyEvaluator {
    private PolicyEvaluator() {}

    /** The policies among {@code rules} that govern a workload with these labels in this namespace. */
    public static List<Rule> applicable(
            List<Rule> rules,
            String namespace,
            Map<String, String> templateLabels,
            Map<String, String> namespaceLabels) {
        return rules.stream()
                .filter(rule -> rule.appliesTo(namespace, templateLabels, namespaceLabels))
                .toList();
    }

    /**
     * The images to size and, for each, the platforms the applicable policies measure; images every policy excludes
     * and invalid references are left out (they need no registry call).
     */
    public static Map<ImageRef, Set<Platform>> imagesToSize(
            List<Rule> rules, List<Container> containers, List<Platform> clusterPlatforms) {
        Map<ImageRef, Set<Platform>> needs = new LinkedHashMap<>();
        for (Container container : containers) {
            ImageRef ref;
            try {
                ref = ImageRef.parse(container.image());
            } catch (InvalidImageReferenceException e) {
                continue;
            }
            for (Rule rule : rules) {
                if (!rule.excludes(ref)) {
                    needs.computeIfAbsent(ref, r -> new LinkedHashSet<>()).addAll(platformsOf(rule, clusterPlatforms));
                }
            }
        }
        return needs;
    }

    /**
     * Every finding of every rule on every container. {@code sizes} returns the resolver's answer for a parsed
     * image; it is only called for images {@link #imagesToSize} listed.
     */
    public static List<Finding> evaluate(
            List<Rule> rules,
            List<Container> containers,
            List<Platform> clusterPlatforms,
            Function<ImageRef, ResolveResult> sizes) {
        List<Finding> findings = new ArrayList<>();
        for (Container container : containers) {
            ImageRef ref = null;
            ResolveError invalid = null;
            try {
                ref = ImageRef.parse(container.image());
            } catch (InvalidImageReferenceException e) {
                invalid = new ResolveError(ResolveError.Kind.INVALID_REFERENCE, e.getMessage());
            }
            for (Rule rule : rules) {
                if (rule.excludes(ref)) {
                    findings.add(new Finding(rule, container, Finding.Outcome.EXCLUDED, null, null, List.of(), null));
                    continue;
                }
                Limits limits = rule.limitsFor(ref);
                if (invalid != null) {
                    findings.add(unknown(rule, container, limits, invalid));
                    continue;
                }
                findings.addAll(judge(rule, container, limits, sizes.apply(ref), platformsOf(rule, clusterPlatforms)));
            }
        }
        return findings;
    }

    private static List<Finding> judge(
            Rule rule, Container container, Limits limits, ResolveResult result, List<Platform> platforms) {
        if (result instanceof ResolveResult.Failed failed) {
            return List.of(unknown(rule, container, limits, failed.error()));
        }
        ResolveResult.Sized sized = (ResolveResult.Sized) result;
        List<Finding> findings = new ArrayList<>();
        for (ImageSize size : sized.sizes()) {
            if (platforms.stream().noneMatch(platform -> platform.matches(size.platform()))) {
                continue; // measured for another policy's platforms
            }
            List<Limits.Breach> breaches = limits.check(size);
            Finding.Outcome outcome = breaches.isEmpty() ? Finding.Outcome.WITHIN : Finding.Outcome.OVER;
            findings.add(new Finding(rule, container, outcome, size, limits, breaches, null));
        }
        if (findings.isEmpty()) {
            findings.add(unknown(
                    rule,
                    container,
                    limits,
                    new ResolveError(
                            ResolveError.Kind.PLATFORM_MISSING,
                            "image " + sized.image() + " has none of the platforms " + platforms + " (it has "
                                    + sized.availablePlatforms() + ")")));
        }
        return findings;
    }

    private static Finding unknown(Rule rule, Container container, Limits limits, ResolveError error) {
        return new Finding(rule, container, Finding.Outcome.UNKNOWN, null, limits, List.of(), error);
    }

    private static List<Platform> platformsOf(Rule rule, List<Platform> clusterPlatforms) {
        if (!rule.platforms().isEmpty()) {
            return rule.platforms();
        }
        return clusterPlatforms.isEmpty() ? List.of(Platform.LINUX_AMD64) : clusterPlatforms;
    }
}
