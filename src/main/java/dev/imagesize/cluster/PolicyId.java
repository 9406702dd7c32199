package dev.imagesize.cluster;

import dev.imagesize.policy.Rule;

/**
 * Names one policy object: {@code ImageSizePolicy shop/web-budget} or {@code ClusterImageSizePolicy baseline}.
 *
 * @param kind {@link Rule#NAMESPACED_KIND} or {@link Rule#CLUSTER_KIND}
 * @param namespace null for a cluster policy
 */
public record PolicyId(String kind, String namespace, String name) implements Comparable<PolicyId> {

    /** The policy a rule was compiled from. */
    public static PolicyId of(Rule rule) {
        return new PolicyId(rule.kind(), rule.namespace(), rule.name());
    }

    public boolean isClusterScoped() {
        return namespace == null;
    }

    /** {@code shop/web-budget} or {@code baseline}. */
    public String key() {
        return namespace == null ? name : namespace + "/" + name;
    }

    @Override
    public int compareTo(PolicyId other) {
        return toString().compareTo(other.toString());
    }

    @Override
    public String toString() {
        return kind + " " + key();
    }
}
