package dev.imagesize.policy;

import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.InvalidImageReferenceException;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Decides, for one workload (or one CLI run), what every policy that governs it says about every container image.
 * Pure: sizes come in as {@link ResolveResult}s, findings go out; the webhook, the audit and the CLI share it through
 * {@code dev.imagesize.assessment.Assessments}.
 *
 * <p>Missing platforms: a platform a policy names explicitly ({@code platforms: [linux/arm64]}, or the CLI's
 * {@code --platform}) that the image lacks is an UNKNOWN finding of kind PLATFORM_MISSING, decided by the policy's
 * onResolveError, next to the findings for the platforms the image has: the policy asked for that platform and cannot
 * be told its size. Platforms that come from the cluster's Nodes are a description of the cluster, not a demand on
 * every image: only those the image has are measured, and an image with none of them is UNKNOWN.
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
    public static Map<ImageRef, PlatformSelection> imagesToSize(
            List<Rule> rules, List<Container> containers, PlatformScope scope) {
        Map<ImageRef, Set<Platform>> platforms = new LinkedHashMap<>();
        Set<ImageRef> everyPlatform = new LinkedHashSet<>();
        for (Container container : containers) {
            ImageRef ref;
            try {
                ref = ImageRef.parse(container.image());
            } catch (InvalidImageReferenceException e) {
                continue;
            }
            for (Rule rule : rules) {
                if (!rule.excludes(ref)) {
                    PlatformSelection selection = scope.selectionFor(rule);
                    Set<Platform> set = platforms.computeIfAbsent(ref, r -> new LinkedHashSet<>());
                    if (selection.all()) {
                        everyPlatform.add(ref);
                    } else {
                        set.addAll(selection.platforms());
                    }
                }
            }
        }
        Map<ImageRef, PlatformSelection> needs = new LinkedHashMap<>();
        platforms.forEach((ref, set) -> needs.put(
                ref,
                everyPlatform.contains(ref)
                        ? PlatformSelection.allPlatforms()
                        : PlatformSelection.of(List.copyOf(set))));
        return needs;
    }

    /**
     * Every finding of every rule on every container. {@code sizes} returns the resolver's answer for a parsed
     * image; it is only called for images {@link #imagesToSize} listed.
     */
    public static List<Finding> evaluate(
            List<Rule> rules,
            List<Container> containers,
            PlatformScope scope,
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
                findings.addAll(judge(rule, container, limits, sizes.apply(ref), scope));
            }
        }
        return findings;
    }

    private static List<Finding> judge(
            Rule rule, Container container, Limits limits, ResolveResult result, PlatformScope scope) {
        if (result instanceof ResolveResult.Failed failed) {
            return List.of(unknown(rule, container, limits, failed.error()));
        }
        ResolveResult.Sized sized = (ResolveResult.Sized) result;
        boolean explicit = !rule.platforms().isEmpty();
        List<Platform> wanted = explicit ? rule.platforms() : scope.every() ? null : scope.defaults();
        List<Finding> findings = new ArrayList<>();
        for (ImageSize size : sized.sizes()) {
            if (wanted != null && wanted.stream().noneMatch(platform -> platform.matches(size.platform()))) {
                continue; // measured for another policy's platforms
            }
            List<Limits.Breach> breaches = limits.check(size);
            Finding.Outcome outcome = breaches.isEmpty() ? Finding.Outcome.WITHIN : Finding.Outcome.OVER;
            findings.add(new Finding(rule, container, outcome, size, limits, breaches, null));
        }
        String available = sized.availablePlatforms().isEmpty()
                ? "none"
                : sized.availablePlatforms().stream().map(Platform::toString).collect(Collectors.joining(", "));
        if (explicit) {
            for (Platform platform : wanted) {
                boolean measured = sized.sizes().stream().anyMatch(size -> platform.matches(size.platform()));
                if (!measured) {
                    findings.add(unknown(
                            rule,
                            container,
                            limits,
                            new ResolveError(
                                    ResolveError.Kind.PLATFORM_MISSING,
                                    "image " + sized.image() + " has no " + platform + " image (it has: " + available
                                            + ")")));
                }
            }
        } else if (findings.isEmpty()) {
            findings.add(unknown(
                    rule,
                    container,
                    limits,
                    new ResolveError(
                            ResolveError.Kind.PLATFORM_MISSING,
                            "image " + sized.image() + " has none of the cluster's platforms "
                                    + (wanted == null
                                            ? ""
                                            : wanted.stream()
                                                    .map(Platform::toString)
                                                    .collect(Collectors.joining(", ")))
                                    + " (it has: " + available + ")")));
        }
        return findings;
    }

    private static Finding unknown(Rule rule, Container container, Limits limits, ResolveError error) {
        return new Finding(rule, container, Finding.Outcome.UNKNOWN, null, limits, List.of(), error);
    }
}
