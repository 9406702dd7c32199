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
 *
 * <p>Growth ({@code maxGrowth}): each platform's size is compared with the same platform's size of the image the same
 * container ran before (its {@link Baseline}), measured now or, when its registry cannot say, as the audit recorded it.
 * Nothing ran before (a new workload or container, an unchanged image): growth is not checked. The image it replaces
 * is gone from its registry, or has no image for the platform, and no record of it is left: not compared, and the
 * finding says why. Its size is unknown for another reason (unreachable, timeout, unauthorized): an UNKNOWN finding
 * that onResolveError decides, as for any unknown size.
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
     * The platforms on which the image a container ran before must be measured for the growth limits of
     * {@code rules}, or null when no rule checks the growth of this container's image (no maxGrowth, excluded, or an
     * invalid reference).
     */
    public static PlatformSelection growthSelection(List<Rule> rules, Container container, PlatformScope scope) {
        ImageRef ref;
        try {
            ref = ImageRef.parse(container.image());
        } catch (InvalidImageReferenceException e) {
            return null;
        }
        Set<Platform> platforms = new LinkedHashSet<>();
        boolean every = false;
        boolean any = false;
        for (Rule rule : rules) {
            if (rule.excludes(ref) || rule.limitsFor(ref).maxGrowth() == null) {
                continue;
            }
            any = true;
            PlatformSelection selection = scope.selectionFor(rule);
            if (selection.all()) {
                every = true;
            } else {
                platforms.addAll(selection.platforms());
            }
        }
        if (!any) {
            return null;
        }
        return every ? PlatformSelection.allPlatforms() : PlatformSelection.of(List.copyOf(platforms));
    }

    /**
     * Every finding of every rule on every container, without growth checks. {@code sizes} returns the resolver's
     * answer for a parsed image; it is only called for images {@link #imagesToSize} listed.
     */
    public static List<Finding> evaluate(
            List<Rule> rules,
            List<Container> containers,
            PlatformScope scope,
            Function<ImageRef, ResolveResult> sizes) {
        return evaluate(rules, containers, scope, sizes, container -> null);
    }

    /**
     * Every finding of every rule on every container. {@code sizes} returns the resolver's answer for a parsed image;
     * it is only called for images {@link #imagesToSize} listed. {@code baselines} returns the image a container ran
     * before, or null when there is none; it is only called for containers whose growth some rule checks.
     */
    public static List<Finding> evaluate(
            List<Rule> rules,
            List<Container> containers,
            PlatformScope scope,
            Function<ImageRef, ResolveResult> sizes,
            Function<Container, Baseline> baselines) {
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
                Baseline baseline = limits.maxGrowth() == null ? null : baselines.apply(container);
                findings.addAll(judge(rule, container, limits, sizes.apply(ref), scope, baseline));
            }
        }
        return findings;
    }

    private static List<Finding> judge(
            Rule rule,
            Container container,
            Limits limits,
            ResolveResult result,
            PlatformScope scope,
            Baseline baseline) {
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
            List<Limits.Breach> breaches = new ArrayList<>(limits.check(size));
            Replaced replaced = null;
            if (baseline != null) {
                Comparison comparison = compare(baseline, size);
                replaced = comparison.replaced();
                if (comparison.unknown() != null) {
                    findings.add(new Finding(
                            rule,
                            container,
                            Finding.Outcome.UNKNOWN,
                            null,
                            limits,
                            List.of(),
                            comparison.unknown(),
                            replaced));
                    replaced = null;
                } else if (replaced.isCompared()) {
                    limits.checkGrowth(size, replaced.sizeBytes()).ifPresent(breaches::add);
                }
            }
            Finding.Outcome outcome = breaches.isEmpty() ? Finding.Outcome.WITHIN : Finding.Outcome.OVER;
            findings.add(new Finding(rule, container, outcome, size, limits, breaches, null, replaced));
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

    /** What the image a container ran before is, on the platform of {@code size}: compared, not, or unknown. */
    private record Comparison(Replaced replaced, ResolveError unknown) {}

    private static Comparison compare(Baseline baseline, ImageSize size) {
        Platform platform = size.platform();
        if (baseline.measured() instanceof ResolveResult.Sized sized) {
            for (ImageSize before : sized.sizes()) {
                if (platform.matches(before.platform())) {
                    return new Comparison(
                            Replaced.measured(
                                    baseline.image(),
                                    before.manifestDigest(),
                                    before.compressedSizeBytes(),
                                    before.layers()),
                            null);
                }
            }
        }
        Long recorded = baseline.recordedSize(platform).orElse(null);
        if (recorded != null) {
            return new Comparison(Replaced.recorded(baseline.image(), baseline.recordedDigest(), recorded), null);
        }
        if (baseline.measured() instanceof ResolveResult.Sized sized) {
            String has = sized.availablePlatforms().isEmpty()
                    ? "none"
                    : sized.availablePlatforms().stream()
                            .map(Platform::toString)
                            .collect(Collectors.joining(", "));
            return new Comparison(
                    Replaced.notCompared(
                            baseline.image(), "has no " + platform + " image to compare with (it has: " + has + ")"),
                    null);
        }
        ResolveError error = baseline.measured() instanceof ResolveResult.Failed failed
                ? failed.error()
                : new ResolveError(ResolveError.Kind.TIMEOUT, "it was not measured in time");
        return switch (error.kind()) {
            case NOT_FOUND, PLATFORM_MISSING ->
                new Comparison(
                        Replaced.notCompared(
                                baseline.image(),
                                "is not in its registry any more, and no size of it was recorded (" + error.message()
                                        + ")"),
                        null);
            case INVALID_REFERENCE ->
                new Comparison(Replaced.notCompared(baseline.image(), "is not a valid image reference"), null);
            default -> new Comparison(Replaced.unknown(baseline.image()), error);
        };
    }

    private static Finding unknown(Rule rule, Container container, Limits limits, ResolveError error) {
        return new Finding(rule, container, Finding.Outcome.UNKNOWN, null, limits, List.of(), error);
    }
}
