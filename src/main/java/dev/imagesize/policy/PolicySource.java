package dev.imagesize.policy;

import dev.imagesize.image.Platform;
import java.util.List;
import java.util.Map;

/** The cluster state policy evaluation needs, from informer caches: policies, namespace labels, node platforms. */
public interface PolicySource {

    /** Every ImageSizePolicy and ClusterImageSizePolicy, compiled. */
    List<Rule> rules();

    /** Labels of a namespace, for cluster policies' namespaceSelector; empty when unknown. */
    Map<String, String> namespaceLabels(String namespace);

    /** Distinct platforms of the cluster's Nodes; empty when there are no nodes. */
    List<Platform> clusterPlatforms();

    /**
     * Whether the policies are loaded: until then no review can be decided, since a review no rule governs would be
     * allowed.
     */
    default boolean isLoaded() {
        return true;
    }

    /** Enforce policies that cannot be used and fail closed for the workloads they would govern. */
    default List<UnusablePolicy> failingClosed() {
        return List.of();
    }
}
