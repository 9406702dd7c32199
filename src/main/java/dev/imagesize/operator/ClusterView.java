package dev.imagesize.operator;

import dev.imagesize.api.v1alpha1.ClusterImageSizePolicy;
import dev.imagesize.api.v1alpha1.ImageSizePolicy;
import dev.imagesize.image.Platform;
import dev.imagesize.policy.PolicySource;
import dev.imagesize.policy.Rule;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * What every replica knows of the cluster, from informer caches: the policies (compiled), namespace labels and node
 * platforms. The webhook reads it on every review without an API call; the reconcilers use the same view, so both
 * see the same policies. Rules are recompiled only when a policy changes.
 */
@Singleton
public class ClusterView implements PolicySource {
    private static final Logger LOG = Logger.getLogger(ClusterView.class);

    private final KubernetesClient client;
    private final List<Runnable> policyListeners = new CopyOnWriteArrayList<>();
    private SharedIndexInformer<ImageSizePolicy> policies;
    private SharedIndexInformer<ClusterImageSizePolicy> clusterPolicies;
    private SharedIndexInformer<Namespace> namespaces;
    private SharedIndexInformer<Node> nodes;
    private volatile List<Rule> rules = List.of();
    private volatile List<Platform> platforms = List.of();

    ClusterView(KubernetesClient client) {
        this.client = client;
    }

    /** Starts the informers and waits until their caches are filled. */
    public void start() {
        policies = client.resources(ImageSizePolicy.class).inAnyNamespace().inform(onSpecChange(this::recompile), 0);
        clusterPolicies = client.resources(ClusterImageSizePolicy.class).inform(onSpecChange(this::recompile), 0);
        // namespace labels feed cluster policies' namespaceSelector: a change re-audits like a policy change
        namespaces = client.namespaces().inform(onChange(() -> policyListeners.forEach(Runnable::run)), 0);
        nodes = client.nodes().inform(onChange(this::recomputePlatforms), 0);
        recompile();
        recomputePlatforms();
    }

    public boolean isSynced() {
        return policies != null
                && policies.hasSynced()
                && clusterPolicies.hasSynced()
                && namespaces.hasSynced()
                && nodes.hasSynced();
    }

    /** Runs {@code listener} after every change to a policy (used to re-audit workloads). */
    public void onPolicyChange(Runnable listener) {
        policyListeners.add(listener);
    }

    @Override
    public List<Rule> rules() {
        return rules;
    }

    @Override
    public Map<String, String> namespaceLabels(String namespace) {
        if (namespace == null || namespaces == null) {
            return Map.of();
        }
        Namespace found = namespaces.getIndexer().getByKey(namespace);
        if (found == null || found.getMetadata().getLabels() == null) {
            // Kubernetes sets this label on every namespace; know it even before the cache has the namespace
            return Map.of("kubernetes.io/metadata.name", namespace);
        }
        return found.getMetadata().getLabels();
    }

    @Override
    public List<Platform> clusterPlatforms() {
        return platforms;
    }

    private void recompile() {
        List<Rule> compiled = new ArrayList<>();
        compileAll(policies == null ? List.of() : policies.getStore().list(), PolicyRules::of, compiled);
        compileAll(
                clusterPolicies == null ? List.of() : clusterPolicies.getStore().list(), PolicyRules::of, compiled);
        rules = List.copyOf(compiled);
        policyListeners.forEach(Runnable::run);
    }

    private static <T extends HasMetadata> void compileAll(
            Collection<T> resources, Function<T, Rule> compile, List<Rule> into) {
        for (T resource : resources) {
            try {
                into.add(compile.apply(resource));
            } catch (RuntimeException e) {
                // the API server validates policies; one that still does not compile is reported, never half-applied
                LOG.warnf(
                        "ignoring %s %s: %s",
                        resource.getKind(), resource.getMetadata().getName(), e.getMessage());
            }
        }
    }

    private void recomputePlatforms() {
        TreeSet<String> found = new TreeSet<>();
        for (Node node : nodes == null ? List.<Node>of() : nodes.getStore().list()) {
            NodeSystemInfo info =
                    node.getStatus() == null ? null : node.getStatus().getNodeInfo();
            if (info != null && info.getOperatingSystem() != null && info.getArchitecture() != null) {
                found.add(info.getOperatingSystem() + "/" + info.getArchitecture());
            }
        }
        platforms = found.stream().map(Platform::parse).toList();
    }

    /** Runs {@code action} when a policy appears, goes, or its spec changes (a new generation); not on status. */
    private static <T extends HasMetadata> ResourceEventHandler<T> onSpecChange(Runnable action) {
        return onChange(
                (before, after) -> !Objects.equals(
                        before.getMetadata().getGeneration(),
                        after.getMetadata().getGeneration()),
                action);
    }

    private static <T> ResourceEventHandler<T> onChange(Runnable action) {
        return onChange((before, after) -> !Objects.equals(before, after), action);
    }

    /** Runs {@code action} on every add and delete, and on the updates {@code changed} selects. */
    private static <T> ResourceEventHandler<T> onChange(BiPredicate<T, T> changed, Runnable action) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                action.run();
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                if (changed.test(oldObj, newObj)) {
                    action.run();
                }
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                action.run();
            }
        };
    }

    public void stop() {
        for (SharedIndexInformer<?> informer :
                new SharedIndexInformer<?>[] {policies, clusterPolicies, namespaces, nodes}) {
            if (informer != null) {
                informer.stop();
            }
        }
    }
}
