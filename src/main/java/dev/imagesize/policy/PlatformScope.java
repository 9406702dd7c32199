package dev.imagesize.policy;

import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import java.util.List;

/**
 * Which platforms count for a policy that names none: the platforms of the cluster's Nodes (linux/amd64 when there
 * are none), or every platform an image has ({@code imagesize check --all-platforms}). Platforms a policy names
 * explicitly always win.
 *
 * @param cluster the platforms of the cluster's Nodes; empty when unknown
 * @param every measure every platform the image has
 */
public record PlatformScope(List<Platform> cluster, boolean every) {

    public PlatformScope {
        cluster = List.copyOf(cluster);
    }

    /** The cluster's platforms (linux/amd64 when the cluster has no Nodes). */
    public static PlatformScope cluster(List<Platform> platforms) {
        return new PlatformScope(platforms, false);
    }

    /** Every platform of each image. */
    public static PlatformScope everyPlatform() {
        return new PlatformScope(List.of(), true);
    }

    /** The platforms used for a rule that names none. */
    List<Platform> defaults() {
        return cluster.isEmpty() ? List.of(Platform.LINUX_AMD64) : cluster;
    }

    /** What to ask the registry for on behalf of {@code rule}. */
    PlatformSelection selectionFor(Rule rule) {
        if (!rule.platforms().isEmpty()) {
            return PlatformSelection.of(rule.platforms());
        }
        return every ? PlatformSelection.allPlatforms() : PlatformSelection.of(defaults());
    }
}
