package dev.imagesize.cluster;

import com.fasterxml.jackson.databind.JsonMappingException;
import dev.imagesize.api.v1alpha1.ApiGroup;
import dev.imagesize.api.v1alpha1.ClusterImageSizePolicy;
import dev.imagesize.api.v1alpha1.ImageSizePolicy;
import dev.imagesize.image.Platform;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Messages;
import dev.imagesize.policy.PolicySource;
import dev.imagesize.policy.Rule;
import dev.imagesize.policy.Selector;
import dev.imagesize.policy.UnusablePolicy;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * What every replica knows of the cluster, from informer caches: the policies (compiled, or why they cannot be),
 * namespace labels and node platforms. The webhook reads it on every review without an API call; the audit and the
 * status reconcilers read the same rules. Policies are watched as untyped objects and converted one by one, so one
 * that cannot be decoded (a value out of range, a wrong type) is reported as unusable and never stops the watch of
 * the others. Nodes and Namespaces are kept only as far as they are read: a platform, labels.
 */
public class ClusterView implements PolicySource {
    private static final Logger LOG = Logger.getLogger(ClusterView.class);
    /** Longest problem text kept for a policy (status messages and Events carry it). */
    static final int MAX_PROBLEM_LENGTH = 512;

    static final ResourceDefinitionContext NAMESPACED = context(Rule.NAMESPACED_KIND, "imagesizepolicies", true);
    static final ResourceDefinitionContext CLUSTER = context(Rule.CLUSTER_KIND, "clusterimagesizepolicies", false);

    private final KubernetesClient client;
    private final KubernetesSerialization serialization;
    private final boolean failClosed;
    private final Map<PolicyId, CompiledPolicy> compiled = new ConcurrentHashMap<>();
    private final List<Consumer<PolicyId>> policyListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> namespaceListeners = new CopyOnWriteArrayList<>();
    private SharedIndexInformer<GenericKubernetesResource> policies;
    private SharedIndexInformer<GenericKubernetesResource> clusterPolicies;
    private SharedIndexInformer<Namespace> namespaces;
    private SharedIndexInformer<Node> nodes;
    private volatile List<Rule> rules = List.of();
    private volatile List<UnusablePolicy> unusable = List.of();
    private volatile List<Platform> platforms = List.of();
    /** Set once the first lists are in and compiled; readiness and admission never go back to "not loaded". */
    private volatile boolean loaded;

    /**
     * @param failClosed whether an Enforce policy that cannot be used denies the workloads it would govern
     */
    public ClusterView(KubernetesClient client, boolean failClosed) {
        this.client = client;
        this.serialization = client.getKubernetesSerialization();
        this.failClosed = failClosed;
    }

    /** Starts the informers; {@link #isSynced()} tells when their caches are filled. */
    public synchronized void start() {
        if (policies != null) {
            return;
        }
        policies =
                client.genericKubernetesResources(NAMESPACED).inAnyNamespace().runnableInformer(0);
        policies.addEventHandler(policyHandler(Rule.NAMESPACED_KIND));
        clusterPolicies = client.genericKubernetesResources(CLUSTER).runnableInformer(0);
        clusterPolicies.addEventHandler(policyHandler(Rule.CLUSTER_KIND));
        namespaces = client.namespaces().runnableInformer(0);
        namespaces.itemStore(new SlimStore<>(ClusterView::namespaceLabelsOnly));
        namespaces.addEventHandler(onChange(
                (before, after) -> !Objects.equals(labels(before), labels(after)),
                namespace -> namespaceListeners.forEach(
                        l -> l.accept(namespace.getMetadata().getName()))));
        nodes = client.nodes().runnableInformer(0);
        nodes.itemStore(new SlimStore<>(ClusterView::platformOnly));
        nodes.addEventHandler(onChange(
                (before, after) -> !Objects.equals(platform(before), platform(after)), node -> recomputePlatforms()));
        policies.start();
        clusterPolicies.start();
        namespaces.start();
        nodes.start();
    }

    /**
     * True once every informer has its first list and every policy in it is compiled. The informers fill their stores
     * before their event handlers run, so a store that has synced may still hold policies this view has not compiled:
     * until those are in, a review would find no rule that governs it and be allowed.
     */
    public boolean isSynced() {
        if (loaded) {
            return true;
        }
        if (policies == null
                || !policies.hasSynced()
                || !clusterPolicies.hasSynced()
                || !namespaces.hasSynced()
                || !nodes.hasSynced()
                || !compiledAll(policies, Rule.NAMESPACED_KIND)
                || !compiledAll(clusterPolicies, Rule.CLUSTER_KIND)) {
            return false;
        }
        recomputePlatforms(); // the node handler may not have run yet either; the store has every node
        loaded = true;
        return true;
    }

    @Override
    public boolean isLoaded() {
        return isSynced();
    }

    private boolean compiledAll(SharedIndexInformer<GenericKubernetesResource> informer, String kind) {
        for (GenericKubernetesResource raw : informer.getStore().list()) {
            PolicyId id = new PolicyId(
                    kind, raw.getMetadata().getNamespace(), raw.getMetadata().getName());
            if (!compiled.containsKey(id)) {
                return false;
            }
        }
        return true;
    }

    /** Runs {@code listener} with the policy after every change to what it says (added, deleted, a new spec). */
    public void onPolicyChange(Consumer<PolicyId> listener) {
        policyListeners.add(listener);
    }

    /** Runs {@code listener} with a namespace's name after its labels changed (cluster policies select by them). */
    public void onNamespaceLabelsChange(Consumer<String> listener) {
        namespaceListeners.add(listener);
    }

    @Override
    public List<Rule> rules() {
        return rules;
    }

    @Override
    public List<UnusablePolicy> failingClosed() {
        return unusable;
    }

    /** Every policy the operator knows of, compiled or not. */
    public Collection<CompiledPolicy> policies() {
        return List.copyOf(compiled.values());
    }

    /** One policy, if it exists. */
    public CompiledPolicy policy(PolicyId id) {
        return compiled.get(id);
    }

    /** The policy object as last seen (with its status), or null when it does not exist. */
    public GenericKubernetesResource current(PolicyId id) {
        SharedIndexInformer<GenericKubernetesResource> informer = id.isClusterScoped() ? clusterPolicies : policies;
        return informer == null ? null : informer.getIndexer().getByKey(id.key());
    }

    /** Where policies of {@code kind} are served, for writing their status. */
    public static ResourceDefinitionContext resourceOf(String kind) {
        return Rule.NAMESPACED_KIND.equals(kind) ? NAMESPACED : CLUSTER;
    }

    /** How many policies cannot be used. */
    public int unusableCount() {
        return (int) compiled.values().stream().filter(p -> !p.isValid()).count();
    }

    /** Names of every namespace known. */
    public List<String> namespaceNames() {
        return namespaces == null
                ? List.of()
                : namespaces.getStore().list().stream()
                        .map(n -> n.getMetadata().getName())
                        .toList();
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

    private ResourceEventHandler<GenericKubernetesResource> policyHandler(String kind) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource obj) {
                update(kind, obj, false);
            }

            @Override
            public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
                if (!Objects.equals(
                        oldObj.getMetadata().getGeneration(),
                        newObj.getMetadata().getGeneration())) {
                    update(kind, newObj, false);
                }
            }

            @Override
            public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
                update(kind, obj, true);
            }
        };
    }

    /** Compiles one changed policy and publishes new rule lists; serialised, so no older list can win. */
    private void update(String kind, GenericKubernetesResource raw, boolean deleted) {
        PolicyId id = new PolicyId(
                kind, raw.getMetadata().getNamespace(), raw.getMetadata().getName());
        synchronized (this) {
            if (deleted) {
                compiled.remove(id);
            } else {
                CompiledPolicy policy = compile(id, raw);
                if (!policy.isValid()) {
                    LOG.warnf("%s cannot be used: %s", id, policy.problem());
                }
                compiled.put(id, policy);
            }
            List<CompiledPolicy> sorted = compiled.values().stream()
                    .sorted((a, b) -> a.id().compareTo(b.id()))
                    .toList();
            rules = sorted.stream()
                    .filter(CompiledPolicy::isValid)
                    .map(CompiledPolicy::rule)
                    .toList();
            unusable = failClosed
                    ? sorted.stream()
                            .filter(p -> !p.isValid() && p.enforce())
                            .map(p -> new UnusablePolicy(p.scope(), p.problem()))
                            .toList()
                    : List.of();
        }
        policyListeners.forEach(listener -> listener.accept(id));
    }

    /** The rule of a policy object, or why there is none. */
    CompiledPolicy compile(PolicyId id, GenericKubernetesResource raw) {
        String uid = raw.getMetadata().getUid();
        Long generation = raw.getMetadata().getGeneration();
        try {
            Rule rule = Rule.NAMESPACED_KIND.equals(id.kind())
                    ? PolicyRules.of(serialization.convertValue(raw, ImageSizePolicy.class))
                    : PolicyRules.of(serialization.convertValue(raw, ClusterImageSizePolicy.class));
            return new CompiledPolicy(id, uid, generation, rule, null, false, null);
        } catch (RuntimeException e) {
            boolean enforce = "Enforce".equals(specText(raw, "action"));
            return new CompiledPolicy(id, uid, generation, null, describe(e), enforce, scope(id, raw));
        }
    }

    /** What is wrong, naming the field when the decoder says which: {@code spec.maxLayers: Numeric value ...}. */
    static String describe(Throwable e) {
        Throwable cause = e;
        while (cause != null && !(cause instanceof JsonMappingException) && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String text;
        if (cause instanceof JsonMappingException mapping) {
            String path = mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining("."))
                    .replace(".[", "[");
            text = (path.isEmpty() ? "" : path + ": ") + firstLine(mapping.getOriginalMessage());
        } else {
            text = firstLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
        return Messages.bounded(text, MAX_PROBLEM_LENGTH);
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    /** The workloads an unusable policy would govern, as far as its selectors can be read. */
    private Rule scope(PolicyId id, GenericKubernetesResource raw) {
        return new Rule(
                id.kind(),
                id.namespace(),
                id.name(),
                Rule.Action.ENFORCE,
                selector(raw, "selector"),
                id.isClusterScoped() ? selector(raw, "namespaceSelector") : Selector.EVERYTHING,
                Limits.NONE,
                List.of(),
                List.of(),
                List.of(),
                Rule.OnResolveError.DENY);
    }

    private Selector selector(GenericKubernetesResource raw, String field) {
        Object spec = raw.getAdditionalProperties().get("spec");
        if (!(spec instanceof Map<?, ?> map) || map.get(field) == null) {
            return Selector.EVERYTHING;
        }
        try {
            return PolicyRules.selector(serialization.convertValue(map.get(field), LabelSelector.class));
        } catch (RuntimeException e) {
            return Selector.EVERYTHING;
        }
    }

    private static String specText(GenericKubernetesResource raw, String field) {
        Object spec = raw.getAdditionalProperties().get("spec");
        return spec instanceof Map<?, ?> map && map.get(field) instanceof String text ? text : null;
    }

    private void recomputePlatforms() {
        TreeSet<String> found = new TreeSet<>();
        for (Node node : nodes == null ? List.<Node>of() : nodes.getStore().list()) {
            String platform = platform(node);
            if (platform != null) {
                found.add(platform);
            }
        }
        List<Platform> parsed = new ArrayList<>();
        for (String platform : found) {
            try {
                parsed.add(Platform.parse(platform));
            } catch (IllegalArgumentException e) {
                LOG.debugf("ignoring a node platform: %s", e.getMessage());
            }
        }
        platforms = List.copyOf(parsed);
    }

    private static String platform(Node node) {
        NodeSystemInfo info = node.getStatus() == null ? null : node.getStatus().getNodeInfo();
        if (info == null
                || info.getOperatingSystem() == null
                || info.getOperatingSystem().isBlank()
                || info.getArchitecture() == null
                || info.getArchitecture().isBlank()) {
            return null; // a Node not yet reporting its platform
        }
        return info.getOperatingSystem() + "/" + info.getArchitecture();
    }

    private static Map<String, String> labels(Namespace namespace) {
        return namespace.getMetadata().getLabels() == null
                ? Map.of()
                : namespace.getMetadata().getLabels();
    }

    /** A Node reduced to its name and platform. */
    static Node platformOnly(Node node) {
        Node slim = new Node();
        slim.setMetadata(new ObjectMeta());
        slim.getMetadata().setName(node.getMetadata().getName());
        slim.getMetadata().setResourceVersion(node.getMetadata().getResourceVersion());
        NodeSystemInfo info = node.getStatus() == null ? null : node.getStatus().getNodeInfo();
        if (info != null) {
            NodeSystemInfo kept = new NodeSystemInfo();
            kept.setOperatingSystem(
                    info.getOperatingSystem() == null
                            ? null
                            : info.getOperatingSystem().intern());
            kept.setArchitecture(
                    info.getArchitecture() == null
                            ? null
                            : info.getArchitecture().intern());
            NodeStatus status = new NodeStatus();
            status.setNodeInfo(kept);
            slim.setStatus(status);
        }
        return slim;
    }

    /** A Namespace reduced to its name and labels. */
    static Namespace namespaceLabelsOnly(Namespace namespace) {
        Namespace slim = new Namespace();
        slim.setMetadata(new ObjectMeta());
        slim.getMetadata().setName(namespace.getMetadata().getName());
        slim.getMetadata().setResourceVersion(namespace.getMetadata().getResourceVersion());
        slim.getMetadata().setLabels(namespace.getMetadata().getLabels());
        return slim;
    }

    /** Runs {@code action} on every add and delete, and on the updates {@code changed} selects. */
    private static <T> ResourceEventHandler<T> onChange(
            java.util.function.BiPredicate<T, T> changed, Consumer<T> action) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                action.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                if (changed.test(oldObj, newObj)) {
                    action.accept(newObj);
                }
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                action.accept(obj);
            }
        };
    }

    private static ResourceDefinitionContext context(String kind, String plural, boolean namespaced) {
        return new ResourceDefinitionContext.Builder()
                .withGroup(ApiGroup.GROUP)
                .withVersion(ApiGroup.VERSION)
                .withKind(kind)
                .withPlural(plural)
                .withNamespaced(namespaced)
                .build();
    }

    public synchronized void stop() {
        loaded = false;
        for (SharedIndexInformer<?> informer :
                new SharedIndexInformer<?>[] {policies, clusterPolicies, namespaces, nodes}) {
            if (informer != null) {
                informer.stop();
            }
        }
    }
}
