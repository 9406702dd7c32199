package dev.imagesize.report;

import dev.imagesize.cluster.PolicyId;
import dev.imagesize.image.ImageSize;
import dev.imagesize.operator.FindingsStore;
import dev.imagesize.operator.PersistedText;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Messages;
import dev.imagesize.policy.Rule;
import dev.imagesize.workload.WorkloadKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Turns the audit's findings on one workload into report results: one per policy that governs it. Pure.
 *
 * <ul>
 *   <li>{@code fail}: an image is over a limit of an Enforce or Audit policy; {@code warn}: of a Warn policy (not
 *       scored);
 *   <li>{@code error}: no image is over, but a size could not be known (whatever onResolveError does at admission);
 *   <li>{@code pass}: every image measured is within the limits; {@code skip}: the policy excludes every image.
 * </ul>
 *
 * The message is what the webhook says for the same findings ({@link Messages}), one line per container image that
 * decides the result; the properties carry the figures of the image that decided it.
 */
public final class WorkloadResults {
    private WorkloadResults() {}

    /** The results of one audited workload, one per policy, in policy order. */
    public static List<ReportResult> of(FindingsStore.Audited audited) {
        Map<PolicyId, List<Finding>> byPolicy = new TreeMap<>();
        for (Finding finding : audited.findings()) {
            byPolicy.computeIfAbsent(PolicyId.of(finding.rule()), p -> new ArrayList<>())
                    .add(finding);
        }
        ReportResult.Resource resource = resource(audited);
        List<ReportResult> results = new ArrayList<>(byPolicy.size());
        byPolicy.values().forEach(findings -> results.add(result(resource, findings)));
        return results;
    }

    private static ReportResult.Resource resource(FindingsStore.Audited audited) {
        String apiVersion =
                WorkloadKind.of(audited.kind()).map(WorkloadKind::apiVersion).orElse("v1");
        return new ReportResult.Resource(
                apiVersion, audited.kind(), audited.namespace(), audited.name(), audited.uid());
    }

    private static ReportResult result(ReportResult.Resource resource, List<Finding> findings) {
        Rule rule = findings.get(0).rule();
        List<Finding> over = findings.stream()
                .filter(f -> f.outcome() == Finding.Outcome.OVER)
                .sorted(Comparator.comparingLong(Finding::excessBytes).reversed())
                .toList();
        List<Finding> unknown = findings.stream()
                .filter(f -> f.outcome() == Finding.Outcome.UNKNOWN)
                .toList();
        Optional<Finding> largest = findings.stream()
                .filter(f -> f.size() != null)
                .max(Comparator.comparingLong(f -> f.size().compressedSizeBytes()));
        ReportResult.Outcome outcome;
        Finding decisive;
        List<String> lines = new ArrayList<>();
        if (!over.isEmpty()) {
            outcome = rule.action() == Rule.Action.WARN ? ReportResult.Outcome.WARN : ReportResult.Outcome.FAIL;
            decisive = over.get(0);
            over.forEach(f -> lines.add(Messages.over(f)));
            unknown.forEach(f -> lines.add(Messages.unknown(f)));
        } else if (!unknown.isEmpty()) {
            outcome = ReportResult.Outcome.ERROR;
            decisive = unknown.get(0);
            unknown.forEach(f -> lines.add(Messages.unknown(f)));
        } else if (largest.isPresent()) {
            outcome = ReportResult.Outcome.PASS;
            decisive = largest.get();
            lines.add(within(decisive));
        } else {
            outcome = ReportResult.Outcome.SKIP;
            decisive = findings.get(0);
            lines.add("every image is excluded by " + rule.displayName());
        }
        String ruleName = outcome == ReportResult.Outcome.FAIL || outcome == ReportResult.Outcome.WARN
                ? broken(over)
                : limitsSet(rule);
        return new ReportResult(
                rule.key(),
                ruleName,
                outcome,
                severity(rule.action()),
                PersistedText.stable(String.join("\n", lines)),
                resource,
                properties(decisive, over, findings));
    }

    /** The severity of a policy's results, from what its action does at admission. */
    static ReportResult.Severity severity(Rule.Action action) {
        return switch (action) {
            case ENFORCE -> ReportResult.Severity.HIGH;
            case WARN -> ReportResult.Severity.MEDIUM;
            case AUDIT -> ReportResult.Severity.LOW;
        };
    }

    /** {@code container "api" image "reg/shop/api:1.4" (sha256:..., linux/amd64) is 12.3 MiB compressed, within ...}. */
    private static String within(Finding finding) {
        ImageSize size = finding.size();
        return subject(finding) + " (" + size.manifestDigest() + ", " + size.platform() + ") is "
                + Messages.format(size.compressedSizeBytes(), 1) + " compressed, within the limits of "
                + finding.rule().displayName();
    }

    private static String subject(Finding finding) {
        var container = finding.container();
        if (container.name() == null || container.name().isEmpty()) {
            return "image \"" + container.image() + "\"";
        }
        return container.type().label() + " \"" + container.name() + "\" image \"" + container.image() + "\"";
    }

    /** The limits broken by any of these findings, in the order the spec lists them: {@code maxImageSize,maxLayers}. */
    private static String broken(List<Finding> over) {
        Set<Limits.Breach.Limit> limits = EnumSet.noneOf(Limits.Breach.Limit.class);
        over.forEach(f -> f.breaches().forEach(b -> limits.add(b.limit())));
        return limits.stream().map(Limits.Breach.Limit::fieldName).collect(Collectors.joining(","));
    }

    /** The limits a policy sets itself or in an override: {@code maxImageSize,maxLayerSize}. */
    static String limitsSet(Rule rule) {
        Set<String> names = new LinkedHashSet<>();
        List<Limits> all = new ArrayList<>();
        all.add(rule.limits());
        rule.overrides().forEach(o -> all.add(o.limits()));
        for (Limits limits : all) {
            if (limits.maxImageSizeBytes() != null) {
                names.add(Limits.Breach.Limit.MAX_IMAGE_SIZE.fieldName());
            }
        }
        for (Limits limits : all) {
            if (limits.maxLayerSizeBytes() != null) {
                names.add(Limits.Breach.Limit.MAX_LAYER_SIZE.fieldName());
            }
        }
        for (Limits limits : all) {
            if (limits.maxLayers() != null) {
                names.add(Limits.Breach.Limit.MAX_LAYERS.fieldName());
            }
        }
        return names.isEmpty() ? "limits" : String.join(",", names);
    }

    private static long containers(List<Finding> findings) {
        return findings.stream().map(Finding::container).distinct().count();
    }

    /** The figures of the image that decided the result, and counts over the workload's images. */
    private static Map<String, String> properties(Finding decisive, List<Finding> over, List<Finding> all) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(
                "container",
                decisive.container().name() == null ? "" : decisive.container().name());
        properties.put("image", decisive.container().image());
        ImageSize size = decisive.size();
        if (size != null) {
            properties.put("size", Long.toString(size.compressedSizeBytes()));
            properties.put("digest", size.manifestDigest());
            properties.put("platform", size.platform().toString());
            properties.put("layers", Integer.toString(size.layers().size()));
            size.largestLayer().ifPresent(layer -> properties.put("largestLayer", Long.toString(layer.sizeBytes())));
        }
        Limits limits = decisive.limits();
        if (limits != null) {
            if (limits.maxImageSizeBytes() != null) {
                properties.put("limit", Long.toString(limits.maxImageSizeBytes()));
            }
            if (limits.maxLayerSizeBytes() != null) {
                properties.put("maxLayerSize", Long.toString(limits.maxLayerSizeBytes()));
            }
            if (limits.maxLayers() != null) {
                properties.put("maxLayers", Integer.toString(limits.maxLayers()));
            }
        }
        if (!decisive.breaches().isEmpty()) {
            properties.put(
                    "breaches",
                    decisive.breaches().stream().map(b -> b.limit().fieldName()).collect(Collectors.joining(",")));
        }
        if (decisive.error() != null) {
            properties.put("reason", decisive.error().kind().name());
            properties.put(
                    "onResolveError",
                    Messages.capitalized(decisive.rule().onResolveError().name()));
        }
        properties.put("containersOver", Long.toString(containers(over)));
        properties.put("containers", Long.toString(containers(all)));
        return properties;
    }
}
