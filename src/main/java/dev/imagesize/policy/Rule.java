package dev.imagesize.policy;

import dev.imagesize.image.ImageRef;
import dev.imagesize.image.Platform;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One ImageSizePolicy or ClusterImageSizePolicy, compiled into what evaluation needs. Built from the custom resource
 * by the front doors; the evaluator never sees Kubernetes objects.
 *
 * @param kind {@code ImageSizePolicy} or {@code ClusterImageSizePolicy}
 * @param namespace the policy's namespace, or null for a cluster policy
 * @param name the policy's name
 * @param selector on the pod template's labels
 * @param namespaceSelector on the workload namespace's labels (cluster policies; EVERYTHING otherwise)
 * @param limits the budget
 * @param overrides first matching override's limits replace the budget's limits that it sets
 * @param excludes images never checked
 * @param platforms platforms to measure; empty means the cluster's
 */
public record Rule(
        String kind,
        String namespace,
        String name,
        Action action,
        Selector selector,
        Selector namespaceSelector,
        Limits limits,
        List<Override> overrides,
        List<ImageGlob> excludes,
        List<Platform> platforms,
        OnResolveError onResolveError) {

    public static final String NAMESPACED_KIND = "ImageSizePolicy";
    public static final String CLUSTER_KIND = "ClusterImageSizePolicy";

    public Rule {
        overrides = List.copyOf(overrides);
        excludes = List.copyOf(excludes);
        platforms = List.copyOf(platforms);
    }

    /** What happens to a workload that breaks the budget. */
    public enum Action {
        ENFORCE,
        WARN,
        AUDIT
    }

    /** What happens when an image's size cannot be determined in time. */
    public enum OnResolveError {
        ALLOW,
        WARN,
        DENY
    }

    /** Limits for images matching any of {@code images}. */
    public record Override(List<ImageGlob> images, Limits limits) {
        public Override {
            images = List.copyOf(images);
        }
    }

    /** {@code ImageSizePolicy shop/web-budget} or {@code ClusterImageSizePolicy baseline}, as messages name it. */
    public String displayName() {
        return kind + " " + (namespace == null ? name : namespace + "/" + name);
    }

    /** {@code shop/web-budget} or {@code baseline}: the key for status and annotations. */
    public String key() {
        return namespace == null ? name : namespace + "/" + name;
    }

    /** Whether this policy governs a workload in {@code workloadNamespace} with these labels. */
    public boolean appliesTo(
            String workloadNamespace, Map<String, String> templateLabels, Map<String, String> namespaceLabels) {
        if (namespace != null && !namespace.equals(workloadNamespace)) {
            return false;
        }
        return selector.matches(templateLabels) && namespaceSelector.matches(namespaceLabels);
    }

    /**
     * Whether the policy leaves this image alone. Globs see the normalized reference only; an invalid reference
     * (null) is never excluded, so it is reported instead of matched.
     */
    public boolean excludes(ImageRef image) {
        for (var glob : excludes) {
            if (glob.matches(image)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The budget for one image: the first matching override's limits over the policy's own; the policy's own for an
     * invalid reference (null).
     */
    public Limits limitsFor(ImageRef image) {
        for (Override override : overrides) {
            if (override.images().stream().anyMatch(glob -> glob.matches(image))) {
                return limits.overriddenBy(override.limits());
            }
        }
        return limits;
    }

    /**
     * What the author of this policy should know about its globs (no registry host, or matching no image), one
     * sentence each naming the field; empty when every glob says what it matches. For the policy's status.
     */
    public List<String> globWarnings() {
        List<String> warnings = new ArrayList<>(ImageGlob.warnings("exclude.images", excludes));
        for (int i = 0; i < overrides.size(); i++) {
            warnings.addAll(ImageGlob.warnings(
                    "overrides[" + i + "].images", overrides.get(i).images()));
        }
        return warnings;
    }
}
