package dev.imagesize.cluster;

import dev.imagesize.api.v1alpha1.ClusterImageSizePolicy;
import dev.imagesize.api.v1alpha1.ImageSizePolicy;
import dev.imagesize.api.v1alpha1.ImageSizePolicySpec;
import dev.imagesize.api.v1alpha1.LimitOverride;
import dev.imagesize.api.v1alpha1.SizeLimits;
import dev.imagesize.image.ByteSize;
import dev.imagesize.image.Platform;
import dev.imagesize.policy.ImageGlob;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.MaxGrowth;
import dev.imagesize.policy.Rule;
import dev.imagesize.policy.Selector;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Compiles the custom resources into the {@link Rule}s the evaluator works with. */
public final class PolicyRules {
    private PolicyRules() {}

    public static Rule of(ImageSizePolicy policy) {
        return rule(
                Rule.NAMESPACED_KIND,
                policy.getMetadata().getNamespace(),
                policy.getMetadata().getName(),
                policy.getSpec(),
                Selector.EVERYTHING);
    }

    public static Rule of(ClusterImageSizePolicy policy) {
        return rule(
                Rule.CLUSTER_KIND,
                null,
                policy.getMetadata().getName(),
                policy.getSpec(),
                selector(policy.getSpec() == null ? null : policy.getSpec().getNamespaceSelector()));
    }

    private static Rule rule(
            String kind, String namespace, String name, ImageSizePolicySpec spec, Selector namespaces) {
        if (spec == null) {
            throw new IllegalArgumentException(kind + " " + name + " has no spec");
        }
        if (spec.undecodable() != null) {
            throw new IllegalArgumentException(spec.undecodable());
        }
        List<Rule.Override> overrides = new ArrayList<>();
        for (LimitOverride override : spec.getOverrides() == null ? List.<LimitOverride>of() : spec.getOverrides()) {
            overrides.add(new Rule.Override(globs(override.getImages()), limits(override)));
        }
        List<Platform> platforms = new ArrayList<>();
        for (String platform : spec.getPlatforms() == null ? List.<String>of() : spec.getPlatforms()) {
            platforms.add(Platform.parse(platform));
        }
        return new Rule(
                kind,
                namespace,
                name,
                Rule.Action.valueOf(spec.getAction().name()),
                selector(spec.getSelector()),
                namespaces,
                limits(spec),
                overrides,
                globs(spec.getExclude() == null ? null : spec.getExclude().getImages()),
                platforms,
                Rule.OnResolveError.valueOf(spec.getOnResolveError().name()));
    }

    private static Limits limits(SizeLimits limits) {
        return new Limits(
                bytes(limits.getMaxImageSize()),
                bytes(limits.getMaxLayerSize()),
                limits.getMaxLayers(),
                limits.getMaxGrowth() == null ? null : MaxGrowth.parse(limits.getMaxGrowth()));
    }

    private static Long bytes(String quantity) {
        return quantity == null ? null : ByteSize.parse(quantity);
    }

    private static List<ImageGlob> globs(List<String> patterns) {
        return patterns == null
                ? List.of()
                : patterns.stream().map(ImageGlob::of).toList();
    }

    public static Selector selector(LabelSelector selector) {
        if (selector == null) {
            return Selector.EVERYTHING;
        }
        List<Selector.Requirement> requirements = new ArrayList<>();
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                requirements.add(new Selector.Requirement(
                        r.getKey(), r.getOperator(), r.getValues() == null ? Set.of() : Set.copyOf(r.getValues())));
            }
        }
        return new Selector(selector.getMatchLabels(), requirements);
    }
}
